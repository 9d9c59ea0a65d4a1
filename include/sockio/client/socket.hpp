// A client socket: one namespace of a manager's connection (socket.io-client's Socket).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>

#include "sockio/client/error.hpp"

namespace sockio::client {

using json = nlohmann::json;

namespace detail {
class socket_impl;
}

/// Answers an event the server sent with an acknowledgement request. Callable once, from
/// any thread, at any time (later calls are ignored); does nothing when the server asked
/// for no ack.
class ack_sender {
 public:
  ack_sender() = default;
  explicit ack_sender(std::function<void(json)> send);
  /// True when the server waits for an answer.
  bool requested() const noexcept { return static_cast<bool>(send_); }
  /// Sends the ack with `args` (an array of arguments, or one argument).
  void operator()(json args = json::array()) const;

 private:
  std::function<void(json)> send_;
  std::shared_ptr<std::atomic<bool>> sent_;
};

/// Why a socket could not connect: a transport failure (retried by the manager) or a
/// refusal by the server's middleware (`message`, `data` from CONNECT_ERROR; not retried).
struct connect_error {
  std::string message;
  json data = nullptr;
  std::error_code code;  ///< `errc::server_refused` for a middleware refusal
};

/// Emit flags; a `socket` value carries them (see `socket::timeout`).
struct emit_flags {
  std::optional<std::chrono::milliseconds> timeout;
  bool volatile_ = false;
  bool compress = true;
};

/// One namespace of a manager's Engine.IO connection. A cheap handle: copies share the
/// socket. Every function may be called from any thread; handlers run on the manager's
/// loop, one at a time. The socket belongs to its manager: once the manager is
/// destroyed, emits do nothing and acks fail with `errc::closed`.
///
/// @code
/// client::manager io("http://localhost:3000");
/// auto socket = io.socket("/chat", {.auth = {{"token", "abc"}}});
/// socket.on("message", [](const json& args) { std::cout << args.dump() << "\n"; });
/// socket.emit("message", {"hello"});
/// socket.timeout(5s).emit_with_ack("ping", {}, [](boost::system::error_code ec, json reply) { ... });
/// @endcode
class socket {
 public:
  /// A listener; `args` is the array of the event's arguments.
  using event_handler = std::function<void(const json& args, const ack_sender& ack)>;
  /// A catch-all listener (`onAny`, `onAnyOutgoing`).
  using any_handler = std::function<void(const std::string& event, const json& args)>;
  /// The completion of an emit with an ack: an error (timeout, disconnection) or the
  /// ack's arguments.
  using ack_handler = std::function<void(std::error_code, json)>;

  socket() = default;
  explicit socket(std::shared_ptr<detail::socket_impl> impl) : impl_(std::move(impl)) {}

  /// Adds a listener of `event`: `f(args)` or `f(args, ack)`.
  template <class F>
  void on(std::string event, F&& f) const {
    add_listener(std::move(event), to_handler(std::forward<F>(f)), false);
  }
  /// A listener called for the next `event` only.
  template <class F>
  void once(std::string event, F&& f) const {
    add_listener(std::move(event), to_handler(std::forward<F>(f)), true);
  }
  /// Removes the listeners of `event`.
  void off(std::string event) const;
  /// Removes every event listener (not the connection listeners).
  void off() const;
  /// A listener of every incoming event, called before the event's own listeners.
  void on_any(any_handler f) const;
  void off_any() const;
  /// A listener of every outgoing event (acks excluded), called when it is emitted.
  void on_any_outgoing(any_handler f) const;
  void off_any_outgoing() const;

  /// After every (re)connection of the namespace (`connect`).
  void on_connect(std::function<void()> f) const;
  /// A failed connection (`connect_error`).
  void on_connect_error(std::function<void(const connect_error&)> f) const;
  /// A lost connection, with the JS client's reason ("io server disconnect", "io client
  /// disconnect", "ping timeout", "transport close", "transport error", "parse error",
  /// "forced close") and a description.
  void on_disconnect(std::function<void(const std::string& reason, const std::string& description)> f) const;

  /// Emits `event` with `args` (an array of arguments, or one argument). Binary values
  /// (`json::binary`) may be anywhere. Buffered while disconnected, unless volatile.
  void emit(std::string event, json args = json::array()) const;

  /// Emits `event` and completes with the server's ack, or with `errc::timeout` after the
  /// timeout (`timeout()` or `socket_options::ack_timeout`), or `errc::disconnected`.
  /// The signature is `void(boost::system::error_code, json args)` (Asio's error type, so
  /// that `use_future` and `use_awaitable` throw on errors; it compares equal to
  /// `client::errc` values); any Asio completion token works: a callback,
  /// `boost::asio::use_future`, `boost::asio::use_awaitable`.
  template <class CompletionToken>
  auto emit_with_ack(std::string event, json args, CompletionToken&& token) const {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, json)>(
        [impl = impl_, flags = flags_](auto handler, std::string event, json args) {
          using handler_type = std::decay_t<decltype(handler)>;
          auto shared = std::make_shared<handler_type>(std::move(handler));
          // A callback without an executor of its own runs where the ack completes: on the
          // loop, or on the caller's thread when the loop is gone.
          auto ex = boost::asio::get_associated_executor(*shared, boost::asio::system_executor());
          start_emit_with_ack(impl, flags, std::move(event), std::move(args),
                              [shared, ex](std::error_code ec, json reply) {
                                boost::asio::dispatch(ex, [shared, ec, reply = std::move(reply)]() mutable {
                                  (*shared)(boost::system::error_code(ec), std::move(reply));
                                });
                              });
        },
        token, std::move(event), std::move(args));
  }

  /// This socket with an ack timeout for its next emits (`socket.timeout(ms)`).
  socket timeout(std::chrono::milliseconds ms) const;
  /// This socket with volatile emits: dropped when they cannot be written now.
  socket volatile_() const;
  /// This socket with compression on or off for its emits (permessage-deflate is not
  /// offered by this client: kept for the JS spelling).
  socket compress(bool on) const;

  /// Connects (or reconnects after `disconnect()` or a refusal).
  void connect() const;
  /// Leaves the namespace ("io client disconnect"); the manager closes its connection
  /// when no socket is left.
  void disconnect() const;
  /// Replaces the `auth` payload sent on the next (re)connect.
  void set_auth(json auth) const;

  bool connected() const;
  /// True while the socket tries to be connected (not after `disconnect()` or a refusal).
  bool active() const;
  /// True when the last connection recovered the session (connection state recovery).
  bool recovered() const;
  /// The socket's id on the server, empty while disconnected.
  std::string id() const;
  /// The namespace.
  std::string nsp() const;
  /// Packets waiting to be sent (buffered while disconnected, or in the retry queue).
  std::size_t buffered() const;
  /// The loop the socket's handlers run on.
  boost::asio::any_io_executor get_executor() const { return executor_of(impl_); }

  explicit operator bool() const noexcept { return static_cast<bool>(impl_); }

 private:
  template <class F>
  static event_handler to_handler(F&& f) {
    if constexpr (std::is_invocable_v<F&, const json&, const ack_sender&>) {
      return event_handler(std::forward<F>(f));
    } else {
      static_assert(std::is_invocable_v<F&, const json&>, "a listener takes (const json& args[, ack_sender])");
      return [f = std::forward<F>(f)](const json& args, const ack_sender&) mutable { f(args); };
    }
  }
  void add_listener(std::string event, event_handler h, bool once) const;
  static boost::asio::any_io_executor executor_of(const std::shared_ptr<detail::socket_impl>& impl);
  static void start_emit_with_ack(const std::shared_ptr<detail::socket_impl>& impl, const emit_flags& flags,
                                  std::string event, json args, ack_handler done);

  std::shared_ptr<detail::socket_impl> impl_;
  emit_flags flags_;
};

}  // namespace sockio::client
