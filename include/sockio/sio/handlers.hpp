// The listeners a socket takes: events, catch-all, disconnect, packet middlewares, errors.
#pragma once

#include <functional>
#include <string_view>

#include "sockio/sio/types.hpp"

namespace sockio::sio {

/// Handles an event: `args` is the array of its arguments; `ack` answers it when the
/// client asked for an acknowledgement.
using event_handler = std::function<void(json args, ack_fn ack)>;
/// Catch-all listener: event name and arguments.
using any_handler = std::function<void(std::string_view event, const json& args)>;
/// `disconnecting` / `disconnect` listener: socket.io's reason string.
using disconnect_handler = std::function<void(std::string_view reason)>;
/// Packet middleware: `packet` is `[event, ...args]` (may be changed); call
/// `next()` to go on, `next(connect_error{...})` to reject (the socket's error
/// listeners receive it).
using packet_middleware = std::function<void(json& packet, next_fn next)>;
/// Error listener (rejections by packet middlewares).
using error_handler = std::function<void(const connect_error& error)>;

}  // namespace sockio::sio
