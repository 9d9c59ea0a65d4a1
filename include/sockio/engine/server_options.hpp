// The Engine.IO server's options: CORS, cookie, TLS and the rest, with engine.io's defaults.
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
#include <utility>
#include <vector>

#include "sockio/engine/http_handler.hpp"
#include "sockio/engine/request_info.hpp"

namespace boost::asio {
class io_context;
}

namespace sockio::engine {

/// Cross-origin resource sharing, with the behaviour of the npm `cors` package that
/// socket.io uses. CORS headers are sent only when `origins` or `origin_predicate` is set.
///
/// @code
/// options.cors.origins = {"https://app.example.com"};
/// options.cors.credentials = true;
/// @endcode
struct cors_options {
  /// Allowed origins; `"*"` allows any origin (and sends `Access-Control-Allow-Origin: *`).
  std::vector<std::string> origins;
  /// Decides for origins not in `origins` (may be empty).
  std::function<bool(std::string_view origin)> origin_predicate;
  /// Sends `Access-Control-Allow-Credentials: true`.
  bool credentials = false;
  /// `Access-Control-Allow-Methods` of preflight responses.
  std::string methods = "GET,HEAD,PUT,PATCH,POST,DELETE";
  /// `Access-Control-Allow-Headers`; empty reflects the request's
  /// `Access-Control-Request-Headers`.
  std::vector<std::string> allowed_headers;
  /// `Access-Control-Expose-Headers`.
  std::vector<std::string> exposed_headers;
  /// `Access-Control-Max-Age` in seconds.
  std::optional<int> max_age;

  /// True when any origin rule is configured.
  bool enabled() const noexcept { return !origins.empty() || origin_predicate != nullptr; }
};

/// The session cookie that engine.io sets on the handshake when enabled.
struct cookie_options {
  std::string name = "io";
  std::string path = "/";
  bool http_only = true;
  std::string same_site = "Lax";
};

/// TLS for https and wss (OpenSSL; TLS 1.2 and later).
struct tls_options {
  /// PEM file with the certificate, then any intermediate certificates.
  std::string certificate_chain_file;
  /// PEM file with the private key.
  std::string private_key_file;
};

/// Server options; defaults equal npm engine.io 6.6 except `path` (`/engine.io/`).
struct server_options {
  std::string path = "/engine.io/";
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  /// Time a started upgrade may take before the new transport is dropped.
  std::chrono::milliseconds upgrade_timeout{10000};
  /// Time a server-closed polling session waits for the client's next GET.
  std::chrono::milliseconds close_timeout{30000};
  /// Largest accepted message or polling request body (engine.io `maxHttpBufferSize`),
  /// announced to clients as `maxPayload`.
  std::size_t max_http_buffer_size = 1'000'000;
  /// Enabled transports: `"polling"`, `"websocket"`.
  std::vector<std::string> transports{"polling", "websocket"};
  bool allow_upgrades = true;
  /// WebSocket permessage-deflate (off by default, as in engine.io).
  bool per_message_deflate = false;
  cors_options cors;
  /// Set-Cookie on the handshake when present.
  std::optional<cookie_options> cookie;
  /// Admission hook for handshakes and upgrades: return an error message to refuse
  /// (HTTP 403, `{"code":4,"message":...}`), nullopt to accept. Runs on a shard thread.
  std::function<std::optional<std::string>(const request_info&)> allow_request;
  /// Answers requests whose path is outside `path` (static files, APIs); without it
  /// they get 404. WebSocket upgrades outside `path` get 404 either way.
  engine::http_handler http_handler;
  /// Serves https/wss instead of http/ws when set; the files are read by `listen()`.
  std::optional<tls_options> tls;
  /// Event loops (shards); 0 means one per hardware thread.
  unsigned threads = 0;
  /// Runs the server on this io_context (as its one shard) instead of its own threads:
  /// the application runs the context. Call `stop()` from another thread while the
  /// context still runs, and destroy the server before the context.
  boost::asio::io_context* context = nullptr;
  /// Bytes a session may have queued for sending; past it the session is closed.
  std::size_t max_buffered_bytes = 16u << 20;
  /// Time to receive one HTTP request (header, then body); slower clients are cut off.
  std::chrono::milliseconds http_timeout{60000};
  /// Idle time allowed between requests on a kept-alive HTTP connection.
  std::chrono::milliseconds keep_alive_timeout{5000};
  /// How long `stop()` lets close packets, close frames and responses under way finish.
  std::chrono::milliseconds stop_timeout{3000};
};

}  // namespace sockio::engine
