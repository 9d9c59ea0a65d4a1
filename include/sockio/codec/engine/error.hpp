// Error codes of the Engine.IO codecs and server (library sockio::codec).
#pragma once

#include <string_view>
#include <system_error>

namespace sockio::engine {

/// Errors reported by the Engine.IO codecs and server.
///
/// The handshake errors carry the numeric codes that npm `engine.io` sends in its JSON
/// error bodies (`{"code":N,"message":"..."}`), see `handshake_error_code()`.
enum class errc {
  ok = 0,
  unknown_transport,             ///< `transport` missing or not enabled (engine.io code 0)
  unknown_sid,                   ///< `sid` names no open session (code 1)
  bad_handshake_method,          ///< handshake with a method other than GET (code 2)
  bad_request,                   ///< request not valid for the session's state (code 3)
  forbidden,                     ///< refused by `allow_request` (code 4)
  unsupported_protocol_version,  ///< `EIO` is not 4 (code 5)
  invalid_packet,                ///< unknown packet type or empty packet
  invalid_base64,                ///< `b` packet whose payload is not base64
  payload_too_large,             ///< body or message larger than `max_http_buffer_size`
  send_buffer_full,              ///< per-session send buffer limit crossed
};

/// The `std::error_category` of `errc`.
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// engine.io's numeric code for a handshake error, or -1 if `e` is not one.
int handshake_error_code(errc e) noexcept;

/// engine.io's message for a handshake error ("Transport unknown", ...).
std::string_view handshake_error_message(errc e) noexcept;

}  // namespace sockio::engine

template <>
struct std::is_error_code_enum<sockio::engine::errc> : std::true_type {};
