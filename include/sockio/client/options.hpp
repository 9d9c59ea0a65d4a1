// The client's options, named and defaulted as socket.io-client 4.8's (C++ spelling).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sockio::client {

using json = nlohmann::json;

/// TLS for https:// and wss:// URLs. The server's certificate and host name are verified
/// unless `insecure` is set, which is never the default.
struct tls_options {
  std::string ca_file{};    ///< PEM file of the authorities to trust; empty: the system's
  std::string cert_file{};  ///< client certificate (PEM), for servers that ask for one
  std::string key_file{};   ///< its private key (PEM)
  bool insecure = false;    ///< skip certificate and host-name verification (testing only)
};

/// A manager's options: the Engine.IO connection and the reconnection policy shared by
/// all the sockets (namespaces) of one manager.
struct options {
  // ---- Engine.IO
  /// The HTTP endpoint of the server (`path`); a '/' is appended, as the JS client does.
  std::string path = "/socket.io";
  /// Transports in the order tried: the first connects, the later ones are upgrades.
  std::vector<std::string> transports{"polling", "websocket"};
  /// Probe and upgrade to WebSocket when the server offers it.
  bool upgrade = true;
  /// Start with WebSocket when an earlier connection of this manager ended up on it.
  bool remember_upgrade = false;
  /// When the first transport fails while opening, try the next one.
  bool try_all_transports = false;
  /// Query parameters sent with every Engine.IO request (after the URL's own).
  std::vector<std::pair<std::string, std::string>> query{};
  /// Extra HTTP headers on every polling request and on the WebSocket upgrade.
  std::vector<std::pair<std::string, std::string>> extra_headers{};
  /// Keep the cookies the server sets and send them back (cookie-based sticky sessions),
  /// as the JS client does in Node with `withCredentials`. On by default here: a C++
  /// program has no browser to do it.
  bool with_credentials = true;
  /// An HTTP proxy reached with CONNECT ("http://proxy:3128"); empty: none.
  std::string proxy{};
  tls_options tls{};
  /// The largest message accepted from the server (bytes); a larger one ends the
  /// connection with "parse error".
  std::size_t max_message_size = 64u << 20;

  // ---- Manager
  bool reconnection = true;
  /// Attempts after a failure or a drop before `reconnect_failed`; the default: no limit.
  std::uint64_t reconnection_attempts = std::numeric_limits<std::uint64_t>::max();
  std::chrono::milliseconds reconnection_delay{1000};
  std::chrono::milliseconds reconnection_delay_max{5000};
  /// Each delay moves by up to ± this fraction of itself (0 to 1).
  double randomization_factor = 0.5;
  /// The Engine.IO handshake's deadline ("timeout" in connect_error); 0: none.
  std::chrono::milliseconds timeout{20000};
  /// Connect when the first socket is made; otherwise call `socket::connect()`. With the
  /// manager's own thread the connection may open before handlers set after `socket()` are
  /// in place: set this to false and connect once they are (docs/client.md, Threads).
  bool auto_connect = true;
};

/// A socket's (one namespace's) options.
struct socket_options {
  /// The CONNECT payload (`auth`): a value, or a function called on every (re)connect
  /// (token refresh). `auth_fn` wins when set.
  json auth = json(json::value_t::discarded);
  std::function<json()> auth_fn{};
  /// Default timeout of every emit with an ack (`ackTimeout`).
  std::optional<std::chrono::milliseconds> ack_timeout{};
  /// At-least-once delivery: every non-volatile emit is sent until the server acks it,
  /// at most `retries + 1` times, one packet in flight (`retries`).
  std::optional<unsigned> retries{};
  /// Largest number of packets waiting while disconnected (the JS client has no limit);
  /// beyond it the oldest is dropped and its ack fails with "socket has been disconnected".
  std::size_t max_buffered_packets = 100'000;
};

}  // namespace sockio::client
