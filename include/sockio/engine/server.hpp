// The Engine.IO v4 server (HTTP long-polling, WebSocket, upgrade, TLS, shards).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sockio/engine/http_handler.hpp"
#include "sockio/engine/request_info.hpp"
#include "sockio/engine/server_options.hpp"
#include "sockio/engine/session.hpp"

namespace boost::asio {
class io_context;
}

namespace sockio::engine {

/// Counters of a server, summed over its shards (see `server::stats()`).
struct server_stats {
  std::uint64_t polling_sessions = 0;    ///< open sessions on long-polling
  std::uint64_t websocket_sessions = 0;  ///< open sessions on WebSocket
  std::uint64_t messages_in = 0;         ///< message packets received
  std::uint64_t messages_out = 0;        ///< message packets queued for sending
  std::uint64_t bytes_in = 0;            ///< bytes of received message packets
  std::uint64_t bytes_out = 0;           ///< bytes of queued message packets
};

/// The Engine.IO server: owns the shards (one event loop each) and the listener.
///
/// @code
/// sockio::engine::server srv({.ping_interval = 300ms});
/// srv.on_connection([](const std::shared_ptr<session>& s) { s->set_handler(...); });
/// srv.listen("127.0.0.1", 3000);
/// srv.run();
/// @endcode
class server {
 public:
  explicit server(server_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Called on the new session's shard for every opened session. Handlers added by
  /// several calls all run, in the order they were added; add them before `start()`.
  void on_connection(std::function<void(const std::shared_ptr<session>&)> handler);
  /// Called on the session's shard when a session closes, after its own handler, with
  /// engine.io's reason. Add before `start()`.
  void on_close(std::function<void(session&, std::string_view reason)> handler);

  /// Binds and listens; port 0 picks a free port (see `port()`). Call before `start()`.
  std::error_code listen(std::string_view address, std::uint16_t port);
  /// The bound port.
  std::uint16_t port() const noexcept;

  /// Starts one thread per shard and returns.
  void start();
  /// Starts if needed and blocks until `stop()`.
  void run();
  /// Closes every session ("forced close"), lets what is under way finish (at most
  /// `stop_timeout`), stops the loops and joins their threads.
  void stop();
  /// The first step of `stop()` alone: new handshakes are refused from now on (503
  /// "server shutting down", so that a proxy tries another node); open sessions go on.
  /// For a layer above that closes its own sockets before it calls `stop()`.
  void refuse_handshakes() noexcept;

  const server_options& options() const noexcept;
  unsigned threads() const noexcept;
  /// True between `start()` and `stop()`.
  bool running() const noexcept;
  /// The event loop of shard `index`.
  boost::asio::io_context& context(unsigned index) noexcept;
  /// Number of open sessions (all shards).
  std::size_t session_count() const noexcept;
  /// Sessions by transport, messages and bytes in and out (relaxed reads; the figures
  /// of different shards are not one snapshot).
  server_stats stats() const noexcept;
  /// Polling requests handed from the shard that accepted them to the session's shard.
  std::uint64_t cross_shard_requests() const noexcept;

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sockio::engine
