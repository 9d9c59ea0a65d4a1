// The Socket.IO layer's vocabulary: JSON values and binary (codec), errors, the
// handshake, acknowledgements, rooms.
#pragma once

#include <string>
#include <string_view>

#include "sockio/codec/random_id.hpp"
#include "sockio/codec/sio/packet.hpp"
#include "sockio/sio/ack.hpp"
#include "sockio/sio/error.hpp"
#include "sockio/sio/handshake.hpp"

namespace sockio::sio {

/// Room names.
using room = std::string;

/// True when `name` has the form of a socket id (every socket is in the room of its own
/// id): an application that lets clients pick room names refuses these, or one client
/// could read another's private messages.
inline bool is_socket_id(std::string_view name) noexcept {
  return codec::is_random_id(name);
}

}  // namespace sockio::sio
