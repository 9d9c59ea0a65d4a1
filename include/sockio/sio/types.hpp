// Vocabulary types of the Socket.IO layer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sockio/codec/random_id.hpp"
#include "sockio/codec/sio/packet.hpp"

namespace sockio::engine {
struct request_info;
class header_fields;
}

namespace sockio::sio {

/// Errors reported to ack callbacks and operations.
enum class errc {
  ok = 0,
  timeout,         ///< no acknowledgement before the timeout ("operation has timed out")
  disconnected,    ///< the socket disconnected before acknowledging
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// The handshake of a socket, as socket.io's `socket.handshake`.
///
/// The HTTP request is the Engine.IO session's own copy, shared by every socket of the
/// connection; the query and the date text are derived from it when asked.
struct handshake {
  /// The request that opened the connection (method, URL, headers, remote address);
  /// null in a handshake built by hand, which then reads as an empty request.
  std::shared_ptr<const engine::request_info> request;
  json auth = json::object();  ///< CONNECT payload
  std::int64_t issued = 0;     ///< creation time, ms since epoch

  /// Header fields with lower-case names, in arrival order.
  const engine::header_fields& headers() const noexcept;
  /// The first header named `name` (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  /// Query parameters (percent-decoded strings) as an object.
  json query() const;
  const std::string& url() const noexcept;      ///< request target
  const std::string& address() const noexcept;  ///< remote IP address
  bool secure() const noexcept;                 ///< https / wss
  bool xdomain() const noexcept;                ///< an Origin header was sent
  /// Creation date (UTC, text), as socket.io's `handshake.time`.
  std::string time() const;
};

/// An error from a connection middleware, sent to the client as CONNECT_ERROR
/// `{message, data}`.
struct connect_error {
  std::string message;
  json data = json(json::value_t::discarded);  ///< optional extra details
};

/// Continues a middleware chain: `next()` to accept, `next(connect_error{...})` to refuse.
using next_fn = std::function<void(std::optional<connect_error>)>;

/// Answers an event that asked for an acknowledgement; empty when none was asked.
/// Calling it more than once sends nothing more.
class ack_fn {
 public:
  ack_fn() = default;
  explicit ack_fn(std::function<void(json)> send) : send_(std::make_shared<decltype(send)>(std::move(send))) {}

  /// True when the client asked for an acknowledgement.
  explicit operator bool() const noexcept { return send_ && *send_; }

  /// Sends the acknowledgement with `args` (a JSON array, or one value).
  void operator()(json args = json::array()) const {
    if (!send_ || !*send_) return;
    if (!args.is_array()) args = json::array({std::move(args)});
    auto send = std::move(*send_);
    *send_ = nullptr;
    send(std::move(args));
  }

  /// Sends the acknowledgement with the given arguments.
  template <class... Args>
  void reply(Args&&... args) const {
    (*this)(json::array({json(std::forward<Args>(args))...}));
  }

 private:
  std::shared_ptr<std::function<void(json)>> send_;
};

/// Receives an acknowledgement: `args` is the array of its arguments; on a timeout or a
/// disconnect `ec` is set (for broadcasts `args` holds the responses received so far).
using ack_callback = std::function<void(std::error_code ec, json args)>;

/// Room names.
using room = std::string;

/// True when `name` has the form of a socket id (every socket is in the room of its own
/// id): an application that lets clients pick room names refuses these, or one client
/// could read another's private messages.
inline bool is_socket_id(std::string_view name) noexcept { return codec::is_random_id(name); }

}  // namespace sockio::sio

template <>
struct std::is_error_code_enum<sockio::sio::errc> : std::true_type {};
