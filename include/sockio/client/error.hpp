// The errors of the Socket.IO client: acks that did not come, connections that failed.
#pragma once

#include <system_error>

namespace sockio::client {

/// Why an acknowledgement or a connection did not complete. The messages are the JS
/// client's where it has one, so that logs and tests read the same.
enum class errc {
  ok = 0,
  timeout,            ///< "operation has timed out": no ack within the emit's timeout
  disconnected,       ///< "socket has been disconnected": the socket went away before the ack
  connect_timeout,    ///< "timeout": the Engine.IO handshake took longer than `timeout`
  poll_error,         ///< "xhr poll error": an HTTP long-polling GET failed
  post_error,         ///< "xhr post error": an HTTP long-polling POST failed
  websocket_error,    ///< "websocket error": the WebSocket failed to open or broke
  bad_handshake,      ///< the server's answer to the handshake was not Engine.IO v4
  parse_error,        ///< the server sent a packet that does not decode
  message_too_large,  ///< the server sent a message larger than `max_message_size`
  invalid_url,        ///< the URL is not http(s):// or ws(s)://host[:port][/namespace]
  server_refused,     ///< the namespace's middleware refused the connection (CONNECT_ERROR)
  closed,             ///< the manager was closed or destroyed
  dropped,            ///< a volatile emit could not be written at once and was dropped
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace sockio::client

template <>
struct std::is_error_code_enum<sockio::client::errc> : std::true_type {};
