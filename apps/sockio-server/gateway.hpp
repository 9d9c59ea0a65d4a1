// sockio-server's gateway: a Socket.IO server with authentication, room access control,
// presence, limits, metrics, an HTTP API for backends and static files.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth.hpp"
#include "config.hpp"
#include "metrics.hpp"
#include "sockio/redis/redis_adapter.hpp"
#include "sockio/redis/sharded_adapter.hpp"
#include "sockio/redis/streams_adapter.hpp"
#include "sockio/sio/server.hpp"

namespace sockio::gateway {

struct socket_context;

/// The gateway. Its protocol is documented in docs/gateway.md.
class gateway {
 public:
  explicit gateway(config c);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  std::error_code listen();
  std::uint16_t port() const { return server_->port(); }
  void start() { server_->start(); }
  /// Graceful stop: /readyz turns 503, new clients are refused, connected ones are
  /// closed with "server shutting down" (their clients reconnect elsewhere), what is
  /// under way drains for at most `shutdown_timeout_ms`.
  void shutdown();

  sio::server& server() { return *server_; }
  const config& settings() const { return config_; }

  /// The HTTP API's endpoints (docs/gateway.md), reached through the route table of
  /// gateway_http.cpp once the API key is checked; `rest` is the path after the route's.
  void api_emit(const engine::request_info& req, std::string_view rest, std::string body,
                engine::http_responder respond);
  void api_disconnect(const engine::request_info& req, std::string_view rest, std::string body,
                      engine::http_responder respond);
  void api_room(const engine::request_info& req, std::string_view rest, std::string body,
                engine::http_responder respond);

 private:
  void setup_namespace(sio::namespace_& nsp);
  void on_connection(const std::shared_ptr<sio::socket>& s);
  void on_join(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack);
  void on_leave(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack);
  void on_publish(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack);
  void on_presence(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack);
  void add_rate_limit(const std::shared_ptr<sio::socket>& s, std::shared_ptr<socket_context> context);
  /// Tells the other members of `room` (if it has presence) that `s` came or went.
  void announce(sio::socket& s, const std::string& room, std::string_view event);
  std::optional<std::string> admit(const engine::request_info& req);
  bool presence_enabled(const std::string& room) const;
  /// Members of `room` in the namespace `nsp` right now (all shards); thread-safe.
  std::int64_t room_size(const std::string& nsp, const std::string& room);
  sio::namespace_* find_namespace(const std::string& name);

  // HTTP (gateway_http.cpp).
  void handle_http(const engine::request_info& req, std::string body, engine::http_responder respond);
  void handle_api(const engine::request_info& req, const std::string& path, std::string body,
                  engine::http_responder respond);
  std::string render_metrics();
  /// The cluster's state for /healthz: `{"adapter": "none"}` or the Redis node's figures.
  json cluster_health() const;

  config config_;
  authenticator auth_;
  metrics metrics_;
  std::string client_bundle_;
  std::string bundle_path_;  // <path>socket.io.min.js, as socket.io's serveClient
  std::atomic<bool> draining_{false};

  std::mutex mutex_;  // guards the maps below (touched on connects, joins and leaves only)
  std::map<std::string, std::int64_t, std::less<>> connections_per_ip_;     // found by view
  std::map<std::pair<std::string, std::string>, std::int64_t> room_sizes_;  // (namespace, room)
  std::map<std::string, sio::namespace_*, std::less<>> namespaces_;         // seen so far

  std::unique_ptr<redis::adapter_node> cluster_;  // with --cluster-adapter redis*; outlives the server
  std::unique_ptr<sio::server> server_;           // last: its handlers use the members above
};

/// A member of a room as presence reports it: `{sid, user, name}`.
json member_of(const std::string& sid, const json& data);

}  // namespace sockio::gateway
