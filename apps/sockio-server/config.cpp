// Configuration: one table of keys drives the TOML reader, the flags and --help.
#include "config.hpp"

#include <openssl/pem.h>
#include <spdlog/common.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "sockio/redis/url.hpp"

namespace sockio::gateway {
namespace {

struct int_target {
  std::int64_t* value;
  std::int64_t min;
  std::int64_t max;
};
using target = std::variant<std::string*, bool*, std::vector<std::string>*, int_target>;

/// One configuration key: `[section] key` in the file, `--section-key` as a flag
/// (`--key` for the `server` section).
struct key_def {
  std::string section;
  std::string key;
  std::string help;
  target value;

  std::string name() const { return section + "." + key; }
  std::string flag() const {
    std::string f = section == "server" ? key : section + "-" + key;
    for (auto& c : f) c = c == '_' ? '-' : c;
    return "--" + f;
  }
};

constexpr std::int64_t max_ms = 24LL * 3600 * 1000;

std::vector<key_def> keys_of(config& c) {
  return {
      {"server", "host", "listen address", &c.host},
      {"server", "port", "listen port (0: any free port)", int_target{&c.port, 0, 65535}},
      {"server", "threads", "event loops; 0: one per hardware thread", int_target{&c.threads, 0, 64}},
      {"server", "path", "Socket.IO path", &c.path},
      {"server", "ping_interval_ms", "heartbeat interval", int_target{&c.ping_interval_ms, 1, max_ms}},
      {"server", "ping_timeout_ms", "heartbeat timeout", int_target{&c.ping_timeout_ms, 1, max_ms}},
      {"server", "connect_timeout_ms", "handshake timeout: time to connect to a namespace",
       int_target{&c.connect_timeout_ms, 1, max_ms}},
      {"server", "recovery_ms",
       "connection state recovery: how long a disconnected socket's session and missed events are kept; 0: off",
       int_target{&c.recovery_ms, 0, max_ms}},
      {"server", "max_payload", "largest message or HTTP body in bytes", int_target{&c.max_payload, 1, 1LL << 30}},
      {"server", "transports", "enabled transports (polling, websocket)", &c.transports},
      {"server", "namespaces", "served namespaces; * matches any characters", &c.namespaces},
      {"server", "static_dir", "directory served at / (the demo); empty: none", &c.static_dir},
      {"server", "client_bundle", "socket.io.min.js served under the Socket.IO path", &c.client_bundle},
      {"server", "shutdown_timeout_ms", "time clients get to leave on SIGTERM/SIGINT",
       int_target{&c.shutdown_timeout_ms, 0, max_ms}},
      {"cors", "origins", "allowed origins (\"*\": any)", &c.cors_origins},
      {"cors", "credentials", "send Access-Control-Allow-Credentials", &c.cors_credentials},
      {"tls", "cert", "PEM certificate chain file (enables https/wss)", &c.tls_cert},
      {"tls", "key", "PEM private key file", &c.tls_key},
      {"auth", "secret", "HS256 secret for JWTs", &c.auth_secret},
      {"auth", "public_key", "PEM public key file for RS256/ES256 JWTs", &c.auth_public_key},
      {"auth", "algorithm", "JWT algorithm: HS256, RS256 or ES256", &c.auth_algorithm},
      {"auth", "issuer", "required iss claim", &c.auth_issuer},
      {"auth", "audience", "required aud claim", &c.auth_audience},
      {"auth", "anonymous", "accept clients without a token", &c.auth_anonymous},
      {"auth", "acl_claim", "claim with {join: [...], publish: [...]} room patterns", &c.auth_acl_claim},
      {"auth", "default_join", "rooms joinable without an ACL claim", &c.auth_default_join},
      {"auth", "default_publish", "rooms publishable without an ACL claim", &c.auth_default_publish},
      {"presence", "rooms", "rooms with presence events", &c.presence_rooms},
      {"limits", "max_connections", "connections in total", int_target{&c.limits_max_connections, 1, 10'000'000}},
      {"limits", "max_connections_per_ip", "connections per client address",
       int_target{&c.limits_max_connections_per_ip, 1, 10'000'000}},
      {"limits", "events_per_second", "sustained events per socket",
       int_target{&c.limits_events_per_second, 1, 1'000'000}},
      {"limits", "event_burst", "events a socket may send at once", int_target{&c.limits_event_burst, 1, 1'000'000}},
      {"limits", "max_dropped_events", "rate-limited events in a row before a disconnect",
       int_target{&c.limits_max_dropped_events, 1, 1'000'000}},
      {"limits", "max_rooms_per_socket", "rooms a socket may join",
       int_target{&c.limits_max_rooms_per_socket, 1, 1'000'000}},
      {"limits", "http_timeout_ms", "time to send an HTTP request's header and body",
       int_target{&c.limits_http_timeout_ms, 1, max_ms}},
      {"cluster", "adapter",
       "none (one node), redis (@socket.io/redis-adapter's classic protocol), redis-sharded (its sharded "
       "adapter: Redis 7 sharded pub/sub, on a Redis Cluster or one Redis) or redis-streams "
       "(@socket.io/redis-streams-adapter: sessions recovered on any node)",
       &c.cluster_adapter},
      {"cluster", "redis_url",
       "redis://[user:password@]host[:port][/db], rediss://… or unix:///path; redis-sharded: any node of the "
       "Redis Cluster, or several separated by commas",
       &c.cluster_redis_url},
      {"cluster", "redis_ca_file", "PEM CA file for rediss://; empty: the system's", &c.cluster_redis_ca_file},
      {"cluster", "redis_cluster",
       "redis: redis_url is a node of a Redis Cluster (the nodes are counted on every master)",
       &c.cluster_redis_cluster},
      {"cluster", "key_prefix", "prefix of the Redis channels (the adapters' key option)", &c.cluster_key_prefix},
      {"cluster", "requests_timeout_ms", "how long cluster requests wait for the other nodes",
       int_target{&c.cluster_requests_timeout_ms, 1, max_ms}},
      {"cluster", "subscription_mode",
       "redis-sharded: static (a namespace's channels only), dynamic (also one per public room) or "
       "dynamic-private (one per room); the same on every node",
       &c.cluster_subscription_mode},
      {"cluster", "stream_max_len",
       "redis-streams: entries the stream keeps (XADD MAXLEN ~): how far back a session recovers",
       int_target{&c.cluster_stream_max_len, 1, 1LL << 40}},
      {"cluster", "persist_connected_sessions",
       "redis-streams with server.recovery_ms: keep connected sockets' sessions in Redis too, so that "
       "clients of a node that dies (SIGKILL, crash) are recovered on another",
       &c.cluster_persist_connected_sessions},
      {"metrics", "enabled", "serve Prometheus metrics", &c.metrics_enabled},
      {"metrics", "path", "metrics path", &c.metrics_path},
      {"api", "key", "bearer key of the HTTP API under /api/; empty: API off", &c.api_key},
      {"log", "level", "trace, debug, info, warn, error, critical or off", &c.log_level},
      {"log", "format", "text or json", &c.log_format},
  };
}

std::string describe(const target& t) {
  struct visitor {
    std::string operator()(std::string*) const { return "a string"; }
    std::string operator()(bool*) const { return "true or false"; }
    std::string operator()(std::vector<std::string>*) const { return "a list of strings"; }
    std::string operator()(const int_target& i) const {
      return "an integer from " + std::to_string(i.min) + " to " + std::to_string(i.max);
    }
  };
  return std::visit(visitor{}, t);
}

/// Sets a key from a TOML value; false when the type or range is wrong.
bool assign(const target& t, const toml::node& node) {
  if (auto* s = std::get_if<std::string*>(&t)) {
    if (!node.is_string()) return false;
    **s = *node.value<std::string>();
  } else if (auto* b = std::get_if<bool*>(&t)) {
    if (!node.is_boolean()) return false;
    **b = *node.value<bool>();
  } else if (auto* l = std::get_if<std::vector<std::string>*>(&t)) {
    const auto* array = node.as_array();
    if (!array) return false;
    std::vector<std::string> items;
    for (const auto& item : *array) {
      if (!item.is_string()) return false;
      items.push_back(*item.value<std::string>());
    }
    **l = std::move(items);
  } else {
    const auto& i = std::get<int_target>(t);
    if (!node.is_integer()) return false;
    const auto v = *node.value<std::int64_t>();
    if (v < i.min || v > i.max) return false;
    *i.value = v;
  }
  return true;
}

/// Sets a key from a flag's text; false when it does not parse or is out of range.
bool assign(const target& t, const std::string& text) {
  if (auto* s = std::get_if<std::string*>(&t)) {
    **s = text;
  } else if (auto* b = std::get_if<bool*>(&t)) {
    if (text == "true" || text == "1" || text == "yes") {
      **b = true;
    } else if (text == "false" || text == "0" || text == "no") {
      **b = false;
    } else {
      return false;
    }
  } else if (auto* l = std::get_if<std::vector<std::string>*>(&t)) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (!text.empty() && start <= text.size()) {
      const auto comma = std::min(text.find(',', start), text.size());
      items.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
    **l = std::move(items);
  } else {
    const auto& i = std::get<int_target>(t);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < i.min || v > i.max) return false;
    *i.value = v;
  }
  return true;
}

/// Reads `path` into `c`; an error message naming the file, line and key, or "".
std::string read_file(const std::string& path, config& c, const std::vector<key_def>& keys) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
  } catch (const std::exception& e) {
    return path + ": " + e.what();
  }
  const auto where = [&](const toml::source_region& r) { return path + ":" + std::to_string(r.begin.line); };
  for (const auto& [section, node] : root) {
    const auto* table = node.as_table();
    const bool known_section =
        std::any_of(keys.begin(), keys.end(), [&](const key_def& k) { return k.section == section.str(); });
    if (!known_section)
      return where(section.source()) + ": unknown section or key '" + std::string(section.str()) + "'";
    if (!table)
      return where(section.source()) + ": '" + std::string(section.str()) + "' must be a table ([" +
             std::string(section.str()) + "])";
    for (const auto& [key, value] : *table) {
      const auto def = std::find_if(keys.begin(), keys.end(),
                                    [&](const key_def& k) { return k.section == section.str() && k.key == key.str(); });
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      if (def == keys.end()) return where(key.source()) + ": unknown key '" + name + "'";
      if (!assign(def->value, value)) {
        return where(value.source()) + ": " + name + ": expected " + describe(def->value);
      }
      c.origins[name] = where(value.source());
    }
  }
  return {};
}

bool readable_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

/// Checks values against each other and the file system; an error message or "".
std::string validate(const config& c) {
  const auto at = [&](const std::string& key) {
    auto it = c.origins.find(key);
    return (it == c.origins.end() ? std::string("default") : it->second) + ": " + key + ": ";
  };
  if (c.path.empty() || c.path.front() != '/') return at("server.path") + "must start with /";
  if (c.transports.empty()) return at("server.transports") + "at least one transport is needed";
  for (const auto& t : c.transports) {
    if (t != "polling" && t != "websocket") return at("server.transports") + "unknown transport '" + t + "'";
  }
  for (const auto& n : c.namespaces) {
    if (n.empty() || n.front() != '/') return at("server.namespaces") + "'" + n + "' must start with /";
  }
  if (!c.static_dir.empty() && !std::filesystem::is_directory(c.static_dir)) {
    return at("server.static_dir") + "not a directory: " + c.static_dir;
  }
  if (!c.client_bundle.empty() && !readable_file(c.client_bundle)) {
    return at("server.client_bundle") + "no such file: " + c.client_bundle;
  }
  if (c.cluster_adapter != "none" && c.cluster_adapter != "redis" && c.cluster_adapter != "redis-sharded" &&
      c.cluster_adapter != "redis-streams") {
    return at("cluster.adapter") + "must be none, redis, redis-sharded or redis-streams";
  }
  if (c.cluster_adapter != "none") {
    const auto urls = c.cluster_adapter == "redis-sharded" ? cluster_seeds(c.cluster_redis_url)
                                                           : std::vector<std::string>{c.cluster_redis_url};
    if (urls.empty()) return at("cluster.redis_url") + "no URL";
    for (const auto& u : urls) {
      try {
        const auto parsed = redis::parse_url(u);
        if ((c.cluster_adapter == "redis-sharded" || c.cluster_redis_cluster) &&
            parsed.kind == redis::url::scheme::unix_socket) {
          return at("cluster.redis_url") + "a Redis Cluster node is redis:// or rediss://: " + u;
        }
      } catch (const std::invalid_argument& e) {
        return at("cluster.redis_url") + e.what();
      }
    }
    if (!c.cluster_redis_ca_file.empty() && !readable_file(c.cluster_redis_ca_file)) {
      return at("cluster.redis_ca_file") + "no such file: " + c.cluster_redis_ca_file;
    }
    if (c.cluster_key_prefix.empty()) return at("cluster.key_prefix") + "must not be empty";
    if (c.cluster_subscription_mode != "static" && c.cluster_subscription_mode != "dynamic" &&
        c.cluster_subscription_mode != "dynamic-private") {
      return at("cluster.subscription_mode") + "must be static, dynamic or dynamic-private";
    }
  }
  if (c.cluster_persist_connected_sessions && (c.cluster_adapter != "redis-streams" || c.recovery_ms == 0)) {
    return at("cluster.persist_connected_sessions") + "needs cluster.adapter redis-streams and server.recovery_ms > 0";
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return at(c.tls_cert.empty() ? "tls.key" : "tls.cert") + "tls.cert and tls.key must be set together";
  }
  if (!c.tls_cert.empty() && !readable_file(c.tls_cert)) return at("tls.cert") + "no such file: " + c.tls_cert;
  if (!c.tls_key.empty() && !readable_file(c.tls_key)) return at("tls.key") + "no such file: " + c.tls_key;
  if (c.auth_algorithm != "HS256" && c.auth_algorithm != "RS256" && c.auth_algorithm != "ES256") {
    return at("auth.algorithm") + "must be HS256, RS256 or ES256";
  }
  if (c.auth_algorithm == "HS256" && !c.auth_public_key.empty()) {
    return at("auth.public_key") + "a public key needs auth.algorithm RS256 or ES256";
  }
  if (c.auth_algorithm != "HS256") {
    if (c.auth_public_key.empty()) return at("auth.algorithm") + c.auth_algorithm + " needs auth.public_key";
    FILE* f = std::fopen(c.auth_public_key.c_str(), "r");
    if (!f) return at("auth.public_key") + "cannot open " + c.auth_public_key;
    EVP_PKEY* key = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!key) return at("auth.public_key") + "not a PEM public key: " + c.auth_public_key;
    const int id = EVP_PKEY_get_base_id(key);
    EVP_PKEY_free(key);
    if ((c.auth_algorithm == "RS256") != (id == EVP_PKEY_RSA)) {
      return at("auth.public_key") + "the key does not fit " + c.auth_algorithm;
    }
  }
  if (!c.auth_anonymous && c.auth_secret.empty() && c.auth_public_key.empty()) {
    return at("auth.anonymous") + "anonymous access is off but no auth.secret or auth.public_key is set";
  }
  if (c.metrics_path.empty() || c.metrics_path.front() != '/') return at("metrics.path") + "must start with /";
  if (spdlog::level::from_str(c.log_level) == spdlog::level::off && c.log_level != "off") {
    return at("log.level") + "unknown level '" + c.log_level + "'";
  }
  if (c.log_format != "text" && c.log_format != "json") return at("log.format") + "must be text or json";
  return {};
}

}  // namespace

std::vector<std::string> cluster_seeds(const std::string& urls) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= urls.size()) {
    const auto comma = std::min(urls.find(',', start), urls.size());
    auto item = urls.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

load_result load_config(int argc, char** argv, const config& defaults) {
  config c = defaults;
  auto keys = keys_of(c);

  CLI::App app{"sockio-server: a Socket.IO v4 real-time gateway"};
  app.get_formatter()->column_width(40);
  std::string file;
  bool check = false;
  app.add_option("-c,--config", file, "TOML configuration file (flags override its keys)");
  app.add_flag("--check-config", check, "validate the configuration and exit");
  std::deque<std::string> texts;  // stable storage for the flags' values
  std::vector<std::pair<CLI::Option*, const key_def*>> flags;
  for (const auto& k : keys) {
    auto* option = app.add_option(k.flag(), texts.emplace_back(), k.help + " [" + k.name() + "]");
    flags.emplace_back(option, &k);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e)};
  }

  if (!file.empty()) {
    if (auto error = read_file(file, c, keys); !error.empty()) {
      std::cerr << "sockio-server: " << error << "\n";
      return {std::nullopt, 2};
    }
  }
  for (std::size_t i = 0; i < flags.size(); ++i) {
    const auto& [option, def] = flags[i];
    if (option->count() == 0) continue;
    if (!assign(def->value, texts[i])) {
      std::cerr << "sockio-server: " << def->flag() << ": expected " << describe(def->value) << " (got \"" << texts[i]
                << "\")\n";
      return {std::nullopt, 2};
    }
    c.origins[def->name()] = def->flag();
  }
  if (auto error = validate(c); !error.empty()) {
    std::cerr << "sockio-server: " << error << "\n";
    return {std::nullopt, 2};
  }
  if (check) {
    std::cout << "configuration OK\n";
    return {std::nullopt, 0, true};
  }
  return {std::move(c), 0};
}

}  // namespace sockio::gateway
