#include "detail/websocket_start.hpp"

namespace sockio::engine::detail {
namespace {

template <class Stream>
void start(server_state& server, shard& home, Stream stream, request req, ws_target target) {
  if (server.options.per_message_deflate) {
    return start_beast_websocket(server, home, std::move(stream), std::move(req), std::move(target));
  }
  start_lean_websocket(server, home, std::move(stream), std::move(req), std::move(target));
}

}  // namespace

void start_websocket(server_state& server, shard& home, tcp_socket stream, request req, ws_target target) {
  start(server, home, std::move(stream), std::move(req), std::move(target));
}

void start_websocket(server_state& server, shard& home, tls_stream stream, request req, ws_target target) {
  start(server, home, std::move(stream), std::move(req), std::move(target));
}

}  // namespace sockio::engine::detail
