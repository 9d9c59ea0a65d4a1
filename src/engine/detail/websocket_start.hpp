// Handing an upgraded HTTP connection to a WebSocket transport.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http_request.hpp"
#include "server_state.hpp"
#include "stream.hpp"

namespace sockio::engine::detail {

/// What a WebSocket request is for: a new session (no sid), or the probe of an upgrade
/// of session `sid`, which lives on the shard the stream is on.
using ws_target = std::optional<std::string>;

/// Starts a WebSocket transport on `home` for `req`: Beast's when permessage-deflate is
/// enabled, the lean one otherwise. The stream must already be on `home`'s loop.
void start_websocket(server_state& server, shard& home, tcp_socket stream, request req, ws_target target);
void start_websocket(server_state& server, shard& home, tls_stream stream, request req, ws_target target);

/// Creates a `Connection<Stream>` on `home` and has it accept `req` for `target`.
template <template <class> class Connection, class Stream>
void run_websocket(server_state& server, shard& home, Stream stream, request req, const ws_target& target) {
  auto ws = std::make_shared<Connection<Stream>>(server, home, std::move(stream));
  if (target) {
    ws->accept_upgrade(*target, std::move(req));
  } else {
    ws->accept_direct(std::move(req));
  }
}

/// The lean transport (lean_ws_connection.cpp): sockio's own framing.
void start_lean_websocket(server_state& server, shard& home, tcp_socket stream, request req, ws_target target);
void start_lean_websocket(server_state& server, shard& home, tls_stream stream, request req, ws_target target);

/// The Beast transport (beast_ws_connection.cpp): permessage-deflate.
void start_beast_websocket(server_state& server, shard& home, tcp_socket stream, request req, ws_target target);
void start_beast_websocket(server_state& server, shard& home, tls_stream stream, request req, ws_target target);

}  // namespace sockio::engine::detail
