#include "detail/request_check.hpp"

#include "sockio/codec/url.hpp"

namespace sockio::engine::detail {
namespace {

/// A handshake: a stopping server (503) and `allow_request` (403) refuse; EIO must be 4.
std::optional<http_reply> admit(const server_state& server, const request& req, const tcp_socket& socket, bool secure) {
  if (server.stopping) {
    // 503: a proxy may send the handshake to another node (nginx: proxy_next_upstream http_503).
    auto reply = error_reply(errc::forbidden, "server shutting down");
    reply.status = 503;
    return reply;
  }
  if (server.options.allow_request) {
    if (auto message = server.options.allow_request(make_request_info(req, socket, secure))) {
      return error_reply(errc::forbidden, *message);
    }
  }
  if (codec::find_query(req.target(), "EIO") != "4") return error_reply(errc::unsupported_protocol_version);
  return std::nullopt;
}

}  // namespace

std::optional<http_reply> check_request(const server_state& server, const request& req, request_kind kind,
                                        const tcp_socket& socket, bool secure) {
  const auto target = req.target();
  const auto transport = codec::find_query(target, "transport");
  const bool upgrade = kind == request_kind::upgrade;
  if (!transport || (upgrade && *transport != "websocket") || !server.transport_enabled(*transport)) {
    return error_reply(errc::unknown_transport);
  }
  if (const auto sid = codec::find_query(target, "sid")) {
    const bool get = req.method() == http::verb::get;
    if (!upgrade && (*transport != "polling" || (!get && req.method() != http::verb::post))) {
      return error_reply(errc::bad_request);
    }
    if (server.shard_of(*sid) < 0) return error_reply(errc::unknown_sid);
    return std::nullopt;
  }
  if (!upgrade) {
    if (req.method() != http::verb::get) return error_reply(errc::bad_handshake_method);
    if (*transport != "polling") return error_reply(errc::bad_request);
  }
  return admit(server, req, socket, secure);
}

}  // namespace sockio::engine::detail
