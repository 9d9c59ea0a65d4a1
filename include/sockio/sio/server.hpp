// The Socket.IO v5 server.
#pragma once

#include <regex>

#include "sockio/adapter/adapter.hpp"
#include "sockio/adapter/in_memory_adapter.hpp"
#include "sockio/codec/sio/packet.hpp"
#include "sockio/engine/server.hpp"
#include "sockio/sio/namespace.hpp"

namespace sockio::sio {

/// socket.io's `connectionStateRecovery`.
struct recovery_options {
  /// How long a disconnected session and the packets it misses are kept.
  std::chrono::milliseconds max_disconnection_duration{120000};
  /// Recovered sockets skip the connection middlewares.
  bool skip_middlewares = true;
};

/// Engine options with socket.io's path.
inline engine::server_options default_engine_options() {
  engine::server_options o;
  o.path = "/socket.io/";
  return o;
}

/// Server options; defaults as socket.io 4.8.
struct server_options {
  engine::server_options engine = default_engine_options();
  /// A client that joins no namespace within this time is closed.
  std::chrono::milliseconds connect_timeout{45000};
  std::optional<recovery_options> connection_state_recovery;
  decoder_options parser;
  /// Creates each namespace's adapter; empty means `in_memory_adapter`.
  adapter_factory adapter;
};

/// The Socket.IO server, as socket.io's `Server`.
///
/// @code
/// sio::server io;
/// io.on_connection([](const std::shared_ptr<sio::socket>& s) {
///   s->join("lobby");
///   s->on("chat", [s](sio::json args, sio::ack_fn) { s->to("lobby").emit_args("chat", args); });
/// });
/// io.listen("0.0.0.0", 3000);
/// io.run();
/// @endcode
class server {
 public:
  explicit server(server_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The namespace `name` (created if needed).
  namespace_& of(const std::string& name);
  /// A parent of dynamic namespaces whose names match `pattern`.
  namespace_& of(const std::regex& pattern);
  /// A parent of dynamic namespaces accepted by `predicate(name, auth)`.
  namespace_& of(std::function<bool(const std::string& name, const json& auth)> predicate);
  /// Runs when a namespace is created (including dynamic children).
  void on_new_namespace(std::function<void(namespace_&)> handler);

  // The main namespace "/".
  void on_connection(connection_handler handler) { of("/").on_connection(std::move(handler)); }
  void use(middleware m) { of("/").use(std::move(m)); }
  broadcast_operator to(const room& r) { return of("/").to(r); }
  broadcast_operator to(const std::vector<room>& rooms) { return of("/").to(rooms); }
  broadcast_operator in(const room& r) { return of("/").to(r); }
  broadcast_operator except(const room& r) { return of("/").except(r); }
  broadcast_operator volatile_() { return of("/").volatile_(); }
  broadcast_operator local() { return of("/").local(); }
  broadcast_operator timeout(std::chrono::milliseconds t) { return of("/").timeout(t); }
  template <class... Args>
  void emit(std::string_view event, Args&&... args) {
    of("/").emit(event, std::forward<Args>(args)...);
  }

  std::error_code listen(std::string_view address, std::uint16_t port);
  std::uint16_t port() const noexcept;
  void start();
  void run();
  /// Disconnects every socket ("server shutting down"), then stops the engine.
  void stop();

  engine::server& engine() noexcept;
  const server_options& options() const noexcept;
  unsigned threads() const noexcept;

 private:
  std::unique_ptr<detail::server_core> core_;
};

}  // namespace sockio::sio
