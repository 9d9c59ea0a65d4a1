// The client's manager: one Engine.IO connection, its reconnection, its namespaces.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sockio/client/options.hpp"
#include "sockio/client/socket.hpp"

namespace sockio::client {

namespace detail {
class manager_impl;
struct own_loop;
}  // namespace detail

/// socket.io-client's Manager: one Engine.IO connection to `url` (polling then
/// WebSocket), reconnected with backoff, carrying the sockets of several namespaces.
/// The URL's path is the default namespace (`http://host/admin` → "/admin"), its query
/// goes with every request; `options::path` is the HTTP endpoint.
///
/// The manager runs on one loop: its own thread (the first constructor) or an executor
/// of the application's (the second; a strand is made over it). Every function may be
/// called from any thread; handlers run on that loop. Destroying the manager closes the
/// connection; with its own thread it returns once no handler runs any more.
///
/// @code
/// client::manager io("https://example.com", {.transports = {"websocket"}});
/// auto chat = io.socket("/chat");
/// auto admin = io.socket("/admin", {.auth = {{"token", token}}});  // same connection
/// io.on_reconnect_attempt([](std::uint64_t n) { std::cerr << "attempt " << n << "\n"; });
/// @endcode
class manager {
 public:
  /// A manager with its own thread.
  explicit manager(std::string url, options opts = {});
  /// A manager on the application's executor (an io_context's, a strand's, ...).
  manager(boost::asio::any_io_executor executor, std::string url, options opts = {});
  ~manager();
  manager(const manager&) = delete;
  manager& operator=(const manager&) = delete;

  /// The socket of namespace `nsp` (default: the URL's path); the same socket for the same
  /// namespace. It connects at once when `auto_connect` is set.
  client::socket socket(std::string nsp = {}, socket_options opts = {});

  /// Opens the connection (when `auto_connect` is off, or after `close()`).
  void open();
  /// Closes the connection and every socket without reconnecting.
  void close();
  /// Closes the Engine.IO connection as if the network dropped it ("forced close" in the
  /// JS client's `socket.io.engine.close()`): the sockets see a disconnection and the
  /// manager reconnects. For tests of recovery and reconnection.
  void drop_connection();

  /// The Engine.IO connection opened (`open`).
  void on_open(std::function<void()> f);
  /// A connection error (`error`), each failed attempt included.
  void on_error(std::function<void(std::error_code, const std::string& message)> f);
  /// The Engine.IO connection closed (`close`), with the reason.
  void on_close(std::function<void(const std::string& reason, const std::string& description)> f);
  /// A PING from the server (`ping`); the manager answers it.
  void on_ping(std::function<void()> f);
  /// A reconnection attempt starts; attempts count from 1 (`reconnect_attempt`).
  void on_reconnect_attempt(std::function<void(std::uint64_t attempt)> f);
  /// Reconnected after `attempt` attempts (`reconnect`).
  void on_reconnect(std::function<void(std::uint64_t attempt)> f);
  /// An attempt failed (`reconnect_error`).
  void on_reconnect_error(std::function<void(std::error_code, const std::string& message)> f);
  /// `reconnection_attempts` ran out (`reconnect_failed`).
  void on_reconnect_failed(std::function<void()> f);
  /// The transport changed (after an upgrade): "polling" or "websocket".
  void on_upgrade(std::function<void(const std::string& transport)> f);
  /// The WebSocket probe failed; the connection stays on polling (`upgradeError`).
  void on_upgrade_error(std::function<void(const std::string& message)> f);
  /// Engine.IO packets, for debugging (`--verbose`): direction '<' (in) or '>' (out).
  void on_packet(std::function<void(char direction, const std::string& packet)> f);

  /// "polling" or "websocket" while connected; empty otherwise.
  std::string transport() const;
  /// The Engine.IO session id while connected.
  std::string engine_id() const;
  boost::asio::any_io_executor get_executor() const;

 private:
  std::shared_ptr<detail::manager_impl> impl_;
  std::unique_ptr<detail::own_loop> loop_;  // a manager made without an executor
};

}  // namespace sockio::client
