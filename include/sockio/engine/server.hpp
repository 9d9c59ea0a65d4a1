// Engine.IO v4 server: HTTP long-polling and WebSocket transports, upgrade, heartbeat.
#pragma once

#include <chrono>
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

/// HTTP header fields with lower-case names, in arrival order. All fields share one
/// buffer (a session keeps its handshake request for its whole life, so this is one
/// allocation per connection instead of a few per field). Iterating yields
/// `std::pair<std::string_view, std::string_view>` (name, value).
class header_fields {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = header_fields::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    iterator() = default;
    value_type operator*() const noexcept;
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      auto old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.at_ == b.at_; }

   private:
    friend class header_fields;
    explicit iterator(const char* at) noexcept : at_(at) {}
    const char* at_ = nullptr;
  };

  header_fields() = default;
  header_fields(std::initializer_list<value_type> fields);

  /// Appends a field; the name is stored in lower case. Both end at a NUL character,
  /// if any (HTTP forbids them).
  void add(std::string_view name, std::string_view value);
  /// Reserves room for `bytes` of names and values (and `fields` separators).
  void reserve(std::size_t bytes, std::size_t fields) { text_.reserve(bytes + 2 * fields); }

  iterator begin() const noexcept { return iterator(text_.data()); }
  iterator end() const noexcept { return iterator(text_.data() + text_.size()); }
  bool empty() const noexcept { return text_.empty(); }
  std::size_t size() const noexcept;
  /// The first field named `name` (case-insensitive).
  std::optional<std::string_view> find(std::string_view name) const noexcept;

 private:
  std::string text_;  // name '\0' value '\0', field after field
};

/// The HTTP request that opened (or is opening) a session.
struct request_info {
  std::string method;
  /// Request target, e.g. `/engine.io/?EIO=4&transport=polling`.
  std::string url;
  /// Header fields with lower-case names, in arrival order.
  header_fields headers;
  std::string remote_address;
  std::uint16_t remote_port = 0;
  bool secure = false;

  /// The first header named `name` (case-insensitive), if present.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The percent-decoded value of query parameter `name`, if present.
  std::optional<std::string> query(std::string_view name) const;
  /// All query parameters, percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> query_params() const;
};

/// TLS for https and wss (OpenSSL; TLS 1.2 and later).
struct tls_options {
  /// PEM file with the certificate, then any intermediate certificates.
  std::string certificate_chain_file;
  /// PEM file with the private key.
  std::string private_key_file;
};

/// The answer to an HTTP request outside the Engine.IO path (see `server_options::http_handler`).
struct http_response {
  unsigned status = 200;
  /// Header fields, e.g. `{"content-type", "application/json"}`; `Content-Length` is added.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Completes an HTTP request; call it exactly once, from any thread.
using http_responder = std::function<void(http_response)>;

/// Serves HTTP requests outside the Engine.IO path: receives the request, its body (read
/// up to `max_http_buffer_size`, else 413) and the responder. Runs on a shard thread.
using http_handler = std::function<void(const request_info&, std::string body, http_responder)>;

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

/// Which transport a session uses right now.
enum class transport_kind { polling, websocket };

/// The name engine.io gives a transport (`"polling"`, `"websocket"`).
std::string_view to_string(transport_kind t) noexcept;

/// Immutable bytes shared by every session they are sent to (encode once).
using shared_bytes = std::shared_ptr<const std::string>;

class session;

/// Counters of a server, summed over its shards (see `server::stats()`).
struct server_stats {
  std::uint64_t polling_sessions = 0;    ///< open sessions on long-polling
  std::uint64_t websocket_sessions = 0;  ///< open sessions on WebSocket
  std::uint64_t messages_in = 0;         ///< message packets received
  std::uint64_t messages_out = 0;        ///< message packets queued for sending
  std::uint64_t bytes_in = 0;            ///< bytes of received message packets
  std::uint64_t bytes_out = 0;           ///< bytes of queued message packets
};

/// Receives a session's events. All calls run on the session's shard thread.
class session_handler {
 public:
  virtual ~session_handler() = default;
  /// A message packet: text, or binary when `binary` is true.
  virtual void on_message(session& s, std::string_view data, bool binary) = 0;
  /// The session closed; `reason` is engine.io's ("transport close", "ping timeout",
  /// "parse error", "transport error", "forced close"). Called once; no call follows.
  virtual void on_close(session& s, std::string_view reason) = 0;
  /// Everything queued so far has been handed to the transport.
  virtual void on_drain(session&) {}
  /// The session moved from polling to WebSocket.
  virtual void on_upgrade(session&) {}
};

/// One Engine.IO connection. It lives on one shard: call its functions only on that
/// shard's thread (for example from a handler, or through `context()`).
class session {
 public:
  virtual ~session() = default;
  /// The session id (`sid`); its first character names the shard.
  virtual const std::string& id() const noexcept = 0;
  virtual unsigned shard() const noexcept = 0;
  virtual transport_kind transport() const noexcept = 0;
  /// The handshake request.
  virtual const request_info& request() const noexcept = 0;
  /// The same request, for holders that outlive a call (Socket.IO's handshakes share
  /// this one copy instead of making their own).
  virtual std::shared_ptr<const request_info> shared_request() const noexcept = 0;
  virtual bool is_open() const noexcept = 0;
  /// The event loop this session runs on.
  virtual boost::asio::io_context& context() noexcept = 0;
  /// Installs the event receiver (replacing any previous one).
  virtual void set_handler(std::shared_ptr<session_handler> handler) = 0;
  /// Queues a message packet; the same `data` may be sent to many sessions.
  virtual void send(shared_bytes data, bool binary) = 0;
  /// Bytes queued and not yet written.
  virtual std::size_t buffered_bytes() const noexcept = 0;
  /// True when a packet sent now would go out at once (polling: a GET is waiting;
  /// WebSocket: nothing is being written). Volatile packets are dropped otherwise.
  virtual bool writable() const noexcept = 0;
  /// Closes the session from the server side ("forced close").
  virtual void close() = 0;

  /// Copies `data` into a buffer of its own and queues it.
  void send(std::string_view data, bool binary = false) {
    send(std::make_shared<const std::string>(data), binary);
  }
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
