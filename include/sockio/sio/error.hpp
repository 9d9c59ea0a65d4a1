// The errors of the Socket.IO layer's operations (ack timeouts, disconnects).
#pragma once

#include <system_error>

namespace sockio::sio {

/// Errors reported to ack callbacks and operations.
enum class errc {
  ok = 0,
  timeout,       ///< no acknowledgement before the timeout ("operation has timed out")
  disconnected,  ///< the socket disconnected before acknowledging
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace sockio::sio

template <>
struct std::is_error_code_enum<sockio::sio::errc> : std::true_type {};
