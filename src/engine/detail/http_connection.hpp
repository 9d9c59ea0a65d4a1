// Starting an HTTP connection on a shard (http_connection.cpp).
#pragma once

#include "server_state.hpp"
#include "stream.hpp"

namespace sockio::engine::detail {

/// Starts serving an accepted connection on `home` (posted to its loop).
void start_http_connection(server_state& server, shard& home, tcp_socket socket);
void start_http_connection(server_state& server, shard& home, tls_stream stream);

}  // namespace sockio::engine::detail
