// The Socket.IO server's internals, for its translation units: one header each
// (server_core, client, socket_state, namespace_state) and the helpers below.
#pragma once

#include <future>
#include <string_view>
#include <utility>

#include "client.hpp"
#include "namespace_state.hpp"
#include "server_core.hpp"
#include "socket_state.hpp"

namespace sockio::sio::detail {

using clock = std::chrono::steady_clock;

/// An ack callback that fulfils the returned future (the awaitable form of emit_with_ack).
std::pair<ack_callback, std::future<json>> future_ack();

/// Disconnect reasons after which connection state recovery may restore the socket.
bool recoverable(std::string_view reason) noexcept;

}  // namespace sockio::sio::detail
