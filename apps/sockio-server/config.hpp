// The gateway's configuration: a TOML file, every key also a command-line flag.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sockio::gateway {

/// Everything `sockio-server` can be told. Field names are the TOML keys of their
/// section (`[server] port` is `port`, `[limits] max_connections` is
/// `limits_max_connections`); defaults follow socket.io where it has one.
struct config {
  // [server]
  std::string host = "0.0.0.0";
  std::int64_t port = 3000;
  std::int64_t threads = 0;  ///< 0: one event loop per hardware thread
  std::string path = "/socket.io/";
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::int64_t connect_timeout_ms = 45000;  ///< the handshake timeout (CONNECT after open)
  /// Connection state recovery: how long a disconnected socket's session is kept; 0: off.
  std::int64_t recovery_ms = 0;
  std::int64_t max_payload = 1'000'000;  ///< bytes, as socket.io's maxHttpBufferSize
  std::vector<std::string> transports{"polling", "websocket"};
  std::vector<std::string> namespaces{"/"};  ///< served namespaces, `*` wildcards allowed
  std::string static_dir;                    ///< served at `/`; empty: no static files
  std::string client_bundle;                 ///< served at `<path>socket.io.min.js`
  std::int64_t shutdown_timeout_ms = 10000;

  // [cors]
  std::vector<std::string> cors_origins;
  bool cors_credentials = false;

  // [tls]
  std::string tls_cert;  ///< PEM certificate chain file
  std::string tls_key;   ///< PEM private key file

  // [auth]
  std::string auth_secret;      ///< HS256 shared secret
  std::string auth_public_key;  ///< PEM public key file, for RS256 or ES256
  std::string auth_algorithm = "HS256";
  std::string auth_issuer;    ///< required `iss` when set
  std::string auth_audience;  ///< required in `aud` when set
  bool auth_anonymous = true;
  std::string auth_acl_claim = "acl";  ///< claim holding {"join": [...], "publish": [...]}
  std::vector<std::string> auth_default_join{"*"};
  std::vector<std::string> auth_default_publish{"*"};

  // [presence]
  std::vector<std::string> presence_rooms{"*"};

  // [limits]
  std::int64_t limits_max_connections = 10000;
  std::int64_t limits_max_connections_per_ip = 256;
  std::int64_t limits_events_per_second = 50;
  std::int64_t limits_event_burst = 100;
  std::int64_t limits_max_dropped_events = 100;  ///< dropped events in a row before a disconnect
  std::int64_t limits_max_rooms_per_socket = 100;
  std::int64_t limits_http_timeout_ms = 10000;

  // [cluster]
  std::string cluster_adapter = "none";  ///< none (one node, in memory), redis, redis-sharded or redis-streams
  std::string cluster_redis_url = "redis://127.0.0.1:6379";
  std::string cluster_redis_ca_file;   ///< rediss://: CA file; empty: the system's
  bool cluster_redis_cluster = false;  ///< redis: redis_url is a node of a Redis Cluster
  std::string cluster_key_prefix = "socket.io";
  std::string cluster_subscription_mode = "dynamic";  ///< redis-sharded: static, dynamic or dynamic-private
  std::int64_t cluster_requests_timeout_ms = 5000;
  std::int64_t cluster_stream_max_len = 10000;  ///< redis-streams: XADD … MAXLEN ~
  /// redis-streams with recovery: connected sockets' sessions are kept in Redis too.
  bool cluster_persist_connected_sessions = false;

  // [metrics]
  bool metrics_enabled = true;
  std::string metrics_path = "/metrics";

  // [api]
  std::string api_key;  ///< empty: /api/ is disabled

  // [log]
  std::string log_level = "info";
  std::string log_format = "text";

  /// Where each key got its value: "file:line" or "--flag". Used in error messages.
  std::map<std::string, std::string> origins;
  /// True when TLS is configured.
  bool tls() const { return !tls_cert.empty(); }
};

/// The whole content of the file at `path` ("" if it cannot be read).
std::string file_contents(const std::string& path);

/// The seed URLs of `cluster.redis_url` for redis-sharded: separated by commas, spaces
/// around them ignored.
std::vector<std::string> cluster_seeds(const std::string& urls);

/// What `load_config` decided.
struct load_result {
  std::optional<config> cfg;  ///< set when the server should start
  int exit_code = 0;          ///< otherwise: exit with this code
  bool check_only = false;    ///< --check-config: validated, do not start
};

/// Reads the flags, the `--config` file (if any), merges them (flags win) and validates.
/// Prints `--help`, or an error naming the file, line and key (or the flag) at fault.
load_result load_config(int argc, char** argv, const config& defaults);

}  // namespace sockio::gateway
