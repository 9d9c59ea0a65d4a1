// engine.io's `verify`: every rule a request to the engine's path must pass, in one place.
#pragma once

#include <optional>

#include "http_reply.hpp"
#include "http_request.hpp"
#include "server_state.hpp"

namespace sockio::engine::detail {

/// What a request to the engine's path asks for.
enum class request_kind { polling, upgrade };

/// Checks `req` as engine.io's `verify` does, in its order: unknown or disabled transport;
/// with a sid, a transport mismatch or a method other than GET/POST (polling), a sid no
/// shard can own; without one (a handshake), a method other than GET, a WebSocket-only
/// transport without upgrade, a stopping server, `allow_request`, then the protocol
/// version. The refusal to answer, or nullopt when the request may go on.
std::optional<http_reply> check_request(const server_state& server, const request& req, request_kind kind,
                                        const tcp_socket& socket, bool secure);

}  // namespace sockio::engine::detail
