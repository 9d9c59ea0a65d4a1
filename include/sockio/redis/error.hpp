// The errors of Redis commands and of the operations built on them.
#pragma once

#include <system_error>

namespace sockio::redis {

/// Why a command or a cluster operation did not complete.
enum class errc {
  ok = 0,
  not_connected,             ///< Redis is unreachable right now; the command was not sent
  connection_lost,           ///< the connection closed before the reply came
  queue_full,                ///< too much is waiting to be written; the command was dropped
  server_error,              ///< Redis answered with an error reply (its text is in the reply)
  protocol_error,            ///< the bytes from Redis were not RESP
  stopped,                   ///< the connection was stopped
  fetch_sockets_timeout,     ///< "timeout reached while waiting for fetchSockets response"
  all_rooms_timeout,         ///< "timeout reached while waiting for allRooms response"
  server_side_emit_timeout,  ///< "timeout reached: not every server responded"
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace sockio::redis

template <>
struct std::is_error_code_enum<sockio::redis::errc> : std::true_type {};
