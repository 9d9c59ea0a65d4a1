// Engine.IO server: listener, HTTP connections (long-polling) and WebSocket transport.
#include "sockio/engine/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cassert>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <span>
#include <thread>
#include <variant>

#include "detail/server_state.hpp"
#include "detail/session_impl.hpp"
#include "sockio/codec/engine/error.hpp"
#include "sockio/codec/random_id.hpp"
#include "sockio/codec/url.hpp"
#include "sockio/codec/ws/frame_reader.hpp"
#include "sockio/codec/ws/handshake.hpp"
#include "sockio/io/read_ready.hpp"

namespace sockio::engine {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using tls_stream = net::ssl::stream<tcp::socket>;

std::string_view to_string(transport_kind t) noexcept {
  return t == transport_kind::websocket ? "websocket" : "polling";
}

namespace detail {
namespace {

constexpr std::string_view type_chars = "0123456";

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

/// Connections are written once for both kinds of stream: plain TCP and TLS over TCP.
template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;
tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(tls_stream& s) { return s.next_layer(); }

template <class Fields>
request_info make_request_info(const http::request_header<Fields>& req, const tcp::socket& socket, bool secure) {
  request_info info;
  info.secure = secure;
  info.method = std::string(req.method_string());
  info.url = std::string(req.target());
  std::size_t bytes = 0, fields = 0;
  for (const auto& field : req) {
    bytes += field.name_string().size() + field.value().size();
    ++fields;
  }
  info.headers.reserve(bytes, fields);
  for (const auto& field : req) info.headers.add(field.name_string(), field.value());
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) {
    info.remote_address = remote.address().to_string();
    info.remote_port = remote.port();
  }
  return info;
}

bool origin_allowed(const cors_options& cors, std::string_view origin) {
  for (const auto& allowed : cors.origins) {
    if (allowed == origin) return true;
  }
  return cors.origin_predicate && cors.origin_predicate(origin);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

/// Adds the CORS headers of the npm `cors` package's behaviour.
template <class Fields>
void apply_cors(const cors_options& cors, const http::request_header<Fields>& req,
                http::response<http::string_body>& res, bool preflight) {
  if (!cors.enabled()) return;
  const bool any = cors.origins.size() == 1 && cors.origins.front() == "*" && !cors.origin_predicate;
  const auto origin = req[http::field::origin];
  if (any) {
    res.set(http::field::access_control_allow_origin, "*");
  } else {
    if (!origin.empty() && origin_allowed(cors, origin)) {
      res.set(http::field::access_control_allow_origin, origin);
    }
    res.set(http::field::vary, "Origin");
  }
  if (cors.credentials) res.set(http::field::access_control_allow_credentials, "true");
  if (!cors.exposed_headers.empty()) {
    res.set(http::field::access_control_expose_headers, join(cors.exposed_headers));
  }
  if (!preflight) return;
  res.set(http::field::access_control_allow_methods, cors.methods);
  if (!cors.allowed_headers.empty()) {
    res.set(http::field::access_control_allow_headers, join(cors.allowed_headers));
  } else if (auto requested = req[http::field::access_control_request_headers]; !requested.empty()) {
    res.set(http::field::access_control_allow_headers, requested);
    res.insert(http::field::vary, "Access-Control-Request-Headers");
  }
  if (cors.max_age) res.set(http::field::access_control_max_age, std::to_string(*cors.max_age));
}

/// A new session on `home` whose transport is the WebSocket `ws` (no sid in the request).
std::shared_ptr<session_impl> open_websocket_session(server_state& server, shard& home, request_info info,
                                                     std::shared_ptr<ws_transport> ws) {
  auto s = std::make_shared<session_impl>(server, home, server.make_sid(home.index()), std::move(info));
  home.sessions().emplace(s->id(), s);
  s->open(std::move(ws));
  return s;
}

/// The session `sid` of `home` if a WebSocket may probe it now, else the error to answer:
/// after an upgrade, or during another one, a further WebSocket is refused.
std::variant<std::shared_ptr<session_impl>, errc> upgradable_session(shard& home, const std::string& sid) {
  auto s = home.find(sid);
  if (!s) return errc::unknown_sid;
  if (s->transport() != transport_kind::polling || !s->is_open()) return errc::bad_request;
  return s;
}

// ---------------------------------------------------------------------------------------
/// A WebSocket connection: the transport of a session opened over WebSocket or upgraded.
template <class Stream>
class ws_connection final : public ws_transport,
                            public connection,
                            public std::enable_shared_from_this<ws_connection<Stream>> {
 public:
  using request = http::request<http::string_body>;
  using std::enable_shared_from_this<ws_connection<Stream>>::shared_from_this;

  ws_connection(server_state& server, shard& home, Stream stream)
      : server_(server), home_(home), ws_(std::move(stream)) {}
  ~ws_connection() override { home_.remove_connection(this); }

  void stop() override { close(); }

  void abort() override {
    beast::error_code ignored;
    lowest(ws_.next_layer()).close(ignored);
  }

  /// A new session over WebSocket (no sid in the request).
  void accept_direct(request req) {
    auto info = make_request_info(req, lowest(ws_.next_layer()), is_tls<Stream>);
    do_accept(std::move(req), [this, info = std::move(info)]() mutable {
      auto s = open_websocket_session(server_, home_, std::move(info), shared_from_this());
      session_ = s;
      do_read();
      server_.opened(s);
    });
  }

  /// The probe of an upgrade for session `sid` (which lives on this shard).
  void accept_upgrade(const std::string& sid, request req) {
    const auto found = upgradable_session(home_, sid);
    if (auto refused = std::get_if<errc>(&found)) return reject(*refused);
    do_accept(std::move(req), [this, sid] {
      auto s = home_.find(sid);
      if (!s || !s->begin_upgrade(shared_from_this())) {
        close();
        return;
      }
      session_ = s;
      do_read();
    });
  }

  void send(outgoing packet) override {
    if (closing_ || closed_) return;
    queued_bytes_ += packet.size();
    queue_.push_back(std::move(packet));
    if (!writing_) do_write();
  }

  std::size_t buffered_bytes() const noexcept override { return queued_bytes_; }

  void close() override {
    if (closing_ || closed_) return;
    closing_ = true;
    if (!writing_ && accepted_) do_close();
  }

 private:
  template <class Then>
  void do_accept(request req, Then then) {
    const auto& o = server_.options;
    ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(20),
                                                   websocket::stream_base::none(), false});
    ws_.read_message_max(o.max_http_buffer_size);
    ws_.auto_fragment(false);
    if (o.per_message_deflate) {
      websocket::permessage_deflate pmd;
      pmd.server_enable = true;
      ws_.set_option(pmd);
    }
    home_.add_connection(shared_from_this());
    accept_request_ = std::move(req);
    ws_.async_accept(accept_request_,
                     [self = shared_from_this(), then = std::move(then)](
                         beast::error_code ec) mutable {
                       self->accept_request_ = {};
                       if (ec) {
                         self->closed_ = true;
                         return;
                       }
                       self->accepted_ = true;
                       if (self->closing_) return self->do_close();  // stopped meanwhile
                       then();
                     });
  }

  void reject(errc e) {
    const auto r = error_reply(e);
    error_response_.version(11);
    error_response_.result(r.status);
    error_response_.set(http::field::content_type, r.content_type);
    error_response_.keep_alive(false);
    error_response_.body() = r.body;
    error_response_.prepare_payload();
    closed_ = true;
    http::async_write(ws_.next_layer(), error_response_,
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        lowest(self->ws_.next_layer()).shutdown(tcp::socket::shutdown_both, ignored);
                        lowest(self->ws_.next_layer()).close(ignored);
                      });
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      closed_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      const bool clean = ec == websocket::error::closed || ec == net::error::eof ||
                         ec == net::error::connection_reset;
      if (auto s = std::move(session_)) {
        s->on_ws_closed(this, clean ? "transport close" : "transport error");
      }
      return;
    }
    const auto data = buffer_.cdata();
    const std::string_view view(static_cast<const char*>(data.data()), data.size());
    if (auto s = session_) s->on_ws_message(this, view, ws_.got_binary());
    buffer_.consume(buffer_.size());
    // Idle connections should not keep a large message's buffer.
    if (buffer_.capacity() > 16 * 1024) buffer_.shrink_to_fit();
    do_read();
  }

  void do_write() {
    writing_ = true;
    const auto& p = queue_.front();
    auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    };
    if (p.binary) {
      ws_.binary(true);
      ws_.async_write(net::buffer(p.view()), std::move(done));
    } else {
      ws_.text(true);
      const std::array<net::const_buffer, 2> buffers{
          net::buffer(type_chars.data() + static_cast<int>(p.type), 1), net::buffer(p.view())};
      ws_.async_write(buffers, std::move(done));
    }
  }

  void on_write(beast::error_code ec) {
    if (!queue_.empty()) {
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
    }
    if (ec) {
      writing_ = false;
      queue_.clear();
      queued_bytes_ = 0;
      return;  // the read side reports the broken connection
    }
    if (!queue_.empty()) return do_write();
    writing_ = false;
    if (closing_) return do_close();
    if (session_) session_->on_ws_drained(this);
  }

  void do_close() {
    if (closed_) return;
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code) {});
  }

  server_state& server_;
  shard& home_;
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  request accept_request_;
  http::response<http::string_body> error_response_;
  std::shared_ptr<session_impl> session_;
  std::deque<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------
/// The WebSocket handshake answer for `req`, or the HTTP error to send instead.
template <class Body>
std::variant<std::string, http_reply> websocket_accept(const http::request<Body>& req) {
  const auto key = req[http::field::sec_websocket_key];
  switch (ws::check_upgrade(req[http::field::sec_websocket_version], key, req.method() == http::verb::get,
                            req.version() == 11)) {
    case ws::upgrade_check::unsupported_version:
      return http_reply{426, "text/plain; charset=UTF-8", "Unsupported WebSocket version",
                        {{"Sec-WebSocket-Version", "13"}}};
    case ws::upgrade_check::bad_handshake:
      return http_reply{400, "text/plain; charset=UTF-8", "Bad WebSocket handshake"};
    case ws::upgrade_check::ok:
      break;
  }
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " + ws::accept_key(key) + "\r\n\r\n";
}

/// Containers lent to connections for one write and given back, one pool per thread
/// (so per shard): writes allocate nothing once warm, and idle connections hold no buffer.
template <class Container>
class buffer_pool {
 public:
  static void lend(Container& into) {
    auto& pool = free_list();
    if (into.capacity() != 0 || pool.empty()) return;
    into = std::move(pool.back());
    pool.pop_back();
  }
  static void give_back(Container& from) {
    auto& pool = free_list();
    from.clear();
    if (from.capacity() != 0 && from.capacity() <= max_kept_capacity && pool.size() < max_kept) {
      pool.push_back(std::move(from));
    }
    Container().swap(from);
  }

 private:
  static constexpr std::size_t max_kept = 1024;
  static constexpr std::size_t max_kept_capacity = 64 * 1024;
  static std::vector<Container>& free_list() {
    thread_local std::vector<Container> pool;
    return pool;
  }
};

/// A WebSocket transport with our own framing (ws_frame.hpp), used unless
/// permessage-deflate is enabled. Idle, it holds no buffer: plain TCP connections wait
/// for readability and read into the shard's scratch buffer. Packets queued within one
/// turn of the loop, or while a write is under way, leave in one gathered write.
template <class Stream>
class lean_ws_connection final : public ws_transport,
                                 public connection,
                                 public std::enable_shared_from_this<lean_ws_connection<Stream>> {
 public:
  using request = http::request<http::string_body>;
  using std::enable_shared_from_this<lean_ws_connection<Stream>>::shared_from_this;

  lean_ws_connection(server_state& server, shard& home, Stream stream)
      : server_(server), home_(home), stream_(std::move(stream)), reader_(ws::role::server, server.options.max_http_buffer_size) {}
  ~lean_ws_connection() override { home_.remove_connection(this); }

  void stop() override { close(); }

  void abort() override {
    beast::error_code ignored;
    lowest(stream_).close(ignored);
  }

  /// A new session over WebSocket (no sid in the request).
  void accept_direct(request req) {
    if (!handshake(req)) return;
    auto s = open_websocket_session(server_, home_, make_request_info(req, lowest(stream_), is_tls<Stream>),
                                    shared_from_this());
    session_ = s;
    do_read();
    server_.opened(s);
  }

  /// The probe of an upgrade for session `sid` (which lives on this shard).
  void accept_upgrade(const std::string& sid, request req) {
    auto found = upgradable_session(home_, sid);
    if (auto refused = std::get_if<errc>(&found)) return reject(error_reply(*refused));
    auto s = std::get<std::shared_ptr<session_impl>>(std::move(found));
    if (!handshake(req)) return;
    if (!s->begin_upgrade(shared_from_this())) return close();
    session_ = s;
    do_read();
  }

  void send(outgoing packet) override {
    assert(on_own_thread());
    if (closing_ || closed_) return;
    queued_bytes_ += packet.size();
    buffer_pool<std::vector<outgoing>>::lend(queue_);
    queue_.push_back(std::move(packet));
    schedule_write();
  }

  std::size_t buffered_bytes() const noexcept override { return queued_bytes_; }

  /// Sends what is queued, then a close frame; the socket closes when the client answers
  /// (or after a grace period).
  void close() override {
    if (closing_ || closed_) return;
    closing_ = true;
    close_frame(ws::normal);
  }

 private:
  bool on_own_thread() { return home_.context().get_executor().running_in_this_thread(); }

  /// Checks the request and queues the 101 answer; false (and an error answer) if refused.
  bool handshake(const request& req) {
    home_.add_connection(shared_from_this());
    auto answer = websocket_accept(req);
    if (auto* refused = std::get_if<http_reply>(&answer)) {
      reject(std::move(*refused));
      return false;
    }
    control_ = std::move(std::get<std::string>(answer));
    schedule_write();
    return true;
  }

  void reject(http_reply r) {
    closed_ = true;
    std::string text = "HTTP/1.1 " + std::to_string(r.status) + " " +
                       std::string(http::obsolete_reason(static_cast<http::status>(r.status))) +
                       "\r\nContent-Type: " + r.content_type + "\r\nContent-Length: " + std::to_string(r.body.size()) +
                       "\r\nConnection: close\r\n";
    for (const auto& [name, value] : r.headers) text += name + ": " + value + "\r\n";
    control_ = text + "\r\n" + r.body;
    net::async_write(stream_, net::buffer(control_), [self = shared_from_this()](beast::error_code, std::size_t) {
      self->shutdown();
    });
  }

  // Reading ------------------------------------------------------------------------------

  void do_read() {
    if (closed_) return;
    if constexpr (is_tls<Stream>) {
      // TLS keeps its own buffers anyway; a small one of ours is the simple way here.
      if (tls_buffer_.empty()) tls_buffer_.resize(4096);
      stream_.async_read_some(net::buffer(tls_buffer_),
                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                self->on_data(ec, self->tls_buffer_.data(), n);
                              });
    } else {
      stream_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->on_data(ec, nullptr, 0);
        auto& scratch = self->home_.scratch();
        const auto n = io::read_ready(self->stream_, scratch.data(), scratch.size(), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) return self->do_read();
        self->on_data(ec, scratch.data(), n);
      });
    }
  }

  void on_data(beast::error_code ec, char* data, std::size_t n) {
    if (ec) {
      const bool clean = ec == net::error::eof || ec == net::error::connection_reset ||
                         ec == net::ssl::error::stream_truncated;
      return finish(clean || close_sent_ ? "transport close" : "transport error");
    }
    auto self = shared_from_this();  // a handler below may drop the session's reference
    const bool ok = reader_.feed(data, n, [this](const ws::event& e) {
      switch (e.op) {
        case ws::opcode::text:
        case ws::opcode::binary:
          // Once closing, data is read (to find the client's answer) but not delivered.
          if (auto s = session_; s && !closing_) s->on_ws_message(this, e.data, e.op == ws::opcode::binary);
          break;
        case ws::opcode::ping:
          if (!closing_) control_frame(ws::opcode::pong, e.data);
          break;
        case ws::opcode::close:
          // The client's close: answer it (unless ours already went) and end.
          if (!close_sent_) close_frame(e.code == 1005 ? static_cast<std::uint16_t>(ws::normal) : e.code);
          report("transport close");
          return false;
        default:
          break;
      }
      return true;
    });
    if (!ok) {
      close_frame(reader_.error());
      return report("transport error");
    }
    do_read();
  }

  // Writing ------------------------------------------------------------------------------

  void control_frame(ws::opcode op, std::string_view payload) {
    std::uint8_t header[ws::max_header_size];
    const auto size = ws::encode_header(header, op, payload.size());
    control_.append(reinterpret_cast<const char*>(header), size);
    control_.append(payload);
    schedule_write();
  }

  /// Queues a close frame after the data already queued.
  void close_frame(std::uint16_t code) {
    if (close_queued_) return;
    close_queued_ = true;
    close_code_ = code;
    schedule_write();
  }

  /// Writes at the end of this turn of the loop, so that packets queued meanwhile go
  /// in the same write.
  void schedule_write() {
    if (writing_ || write_scheduled_ || closed_) return;
    write_scheduled_ = true;
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->write_scheduled_ = false;
      self->do_write();
    });
  }

  void do_write() {
    if (writing_ || closed_) return;
    // One batch: control bytes (the 101 answer, pongs), the queued packets, then the
    // close frame once nothing else is left.
    batch_ = std::min<std::size_t>(queue_.size(), 4096);
    const bool with_close = close_queued_ && !close_sent_ && batch_ == queue_.size();
    if (control_.empty() && batch_ == 0 && !with_close) return;
    writing_ = true;
    // Frame headers, type characters and small payloads are copied into one buffer;
    // large payloads are written from their shared bytes (TLS: everything is copied,
    // one record per batch). So a burst of small packets costs one sendmsg.
    constexpr std::size_t copy_limit = is_tls<Stream> ? SIZE_MAX : 1024;
    std::size_t flat_size = control_.size() + ws::max_header_size + 2;
    for (std::size_t i = 0; i < batch_; ++i) {
      const auto n = queue_[i].view().size();
      flat_size += ws::max_header_size + 1 + (n <= copy_limit ? n : 0);
    }
    buffer_pool<std::string>::lend(flat_);
    buffer_pool<std::vector<net::const_buffer>>::lend(buffers_);
    flat_.clear();
    flat_.reserve(flat_size);  // no reallocation below: buffers point into it
    buffers_.clear();
    std::size_t segment = 0;  // start of the part of flat_ not yet in buffers_
    const auto close_segment = [&] {
      if (flat_.size() > segment) buffers_.emplace_back(flat_.data() + segment, flat_.size() - segment);
      segment = flat_.size();
    };
    flat_ += control_;
    std::string().swap(control_);
    std::uint8_t header[ws::max_header_size];
    for (std::size_t i = 0; i < batch_; ++i) {
      const auto& p = queue_[i];
      const auto data = p.view();
      const bool text = !p.binary;
      const auto size = ws::encode_header(header, text ? ws::opcode::text : ws::opcode::binary,
                                          data.size() + (text ? 1 : 0));
      flat_.append(reinterpret_cast<const char*>(header), size);
      if (text) flat_ += type_chars[static_cast<int>(p.type)];
      if (data.size() <= copy_limit) {
        flat_ += data;
      } else {
        close_segment();
        buffers_.emplace_back(net::buffer(data));
      }
    }
    if (with_close) {
      close_sent_ = true;
      const auto size = ws::encode_header(header, ws::opcode::close, 2);
      flat_.append(reinterpret_cast<const char*>(header), size);
      flat_ += static_cast<char>(close_code_ >> 8);
      flat_ += static_cast<char>(close_code_ & 0xFF);
    }
    close_segment();
    net::async_write(stream_, std::span<const net::const_buffer>(buffers_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    const auto written = std::min(batch_, queue_.size());  // shutdown() may have emptied it
    for (std::size_t i = 0; i < written; ++i) queued_bytes_ -= queue_[i].size();
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(written));
    batch_ = 0;
    // Idle connections keep no write buffers.
    buffer_pool<std::vector<net::const_buffer>>::give_back(buffers_);
    buffer_pool<std::string>::give_back(flat_);
    if (queue_.empty()) buffer_pool<std::vector<outgoing>>::give_back(queue_);
    if (ec) {
      queue_.clear();
      queued_bytes_ = 0;
      return;  // the read side reports the broken connection
    }
    if (closed_) return shutdown();  // a refusal or a close answer went out
    if (close_sent_) return linger();
    if (!queue_.empty() || !control_.empty() || close_queued_) return do_write();
    if (auto s = session_) s->on_ws_drained(this);
  }

  // Ending -------------------------------------------------------------------------------

  /// Our close frame is out: stop sending and give the client a moment to answer.
  void linger() {
    beast::error_code ignored;
    lowest(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    if (!linger_) {
      linger_ = std::make_unique<net::steady_timer>(stream_.get_executor(), std::chrono::seconds(5));
      linger_->async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->shutdown();
      });
    }
  }

  /// Tells the session once, then lets the pending close frame (if any) go out.
  void report(std::string_view reason) {
    closing_ = true;
    if (auto s = std::move(session_)) s->on_ws_closed(this, reason);
    if (!writing_ && !write_scheduled_) {
      if (close_queued_ && !close_sent_) return do_write();
      shutdown();
    }
  }

  void finish(std::string_view reason) {
    report(reason);
    shutdown();
  }

  void shutdown() {
    if (closed_ && !lowest(stream_).is_open()) return;
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    if (linger_) linger_->cancel();
    beast::error_code ignored;
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    lowest(stream_).close(ignored);
  }

  server_state& server_;
  shard& home_;
  Stream stream_;
  ws::frame_reader reader_;
  std::shared_ptr<session_impl> session_;
  std::vector<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  std::string control_;  // bytes to send before the next packets
  // The write under way: headers and small payloads copied, large payloads referenced.
  std::string flat_;
  std::vector<net::const_buffer> buffers_;
  std::size_t batch_ = 0;
  struct no_buffer {};
  [[no_unique_address]] std::conditional_t<is_tls<Stream>, std::vector<char>, no_buffer> tls_buffer_;
  std::unique_ptr<net::steady_timer> linger_;  // only while closing
  std::uint16_t close_code_ = ws::normal;
  bool writing_ = false;
  bool write_scheduled_ = false;
  bool closing_ = false;
  bool close_queued_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------
/// One accepted TCP connection speaking HTTP/1.1: long-polling requests (kept alive) or
/// the WebSocket handshake, after which a `ws_connection` takes the socket over.
template <class Stream>
class http_connection final : public connection,
                              public std::enable_shared_from_this<http_connection<Stream>> {
 public:
  using std::enable_shared_from_this<http_connection<Stream>>::shared_from_this;
  using std::enable_shared_from_this<http_connection<Stream>>::weak_from_this;

  http_connection(server_state& server, shard& home, Stream stream)
      : server_(server), home_(home), stream_(std::move(stream)), deadline_(stream_.get_executor()) {}
  ~http_connection() override { home_.remove_connection(this); }

  void start() {
    home_.add_connection(shared_from_this());
    arm(server_.options.http_timeout);
    if constexpr (is_tls<Stream>) {
      stream_.async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->shutdown();
        self->do_read_header();
      });
    } else {
      do_read_header();
    }
  }

  /// Idle connections close now; one with a request under way closes after its reply.
  void stop() override {
    if (!busy_) shutdown();
  }

  void abort() override {
    beast::error_code ignored;
    lowest(stream_).close(ignored);
  }

 private:
  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(boost::none);  // checked against the option once the header is in
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  /// Closes the connection if the current read is not done by then (slow or idle
  /// clients cannot hold connections open).
  void arm(std::chrono::milliseconds limit) {
    deadline_.expires_after(limit);
    deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->shutdown();
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) return shutdown();
    busy_ = true;
    arm(server_.options.http_timeout);  // the body, counted from the end of the header
    const auto& req = parser_->get();
    const auto path = codec::target_path(req.target());
    if (!is_engine_path(path)) {
      if (!server_.options.http_handler || websocket::is_upgrade(req)) {
        return write_reply({404, "text/plain; charset=UTF-8", "Not Found"}, true);
      }
      app_request_ = true;
    }
    if (websocket::is_upgrade(req)) return handle_upgrade();
    if (req.method() == http::verb::options && server_.options.cors.enabled() && !app_request_) {
      preflight_ = true;
      const bool has_body = parser_->content_length().value_or(0) > 0 || parser_->chunked();
      return write_reply({204, "", ""}, has_body);
    }
    const auto limit = server_.options.max_http_buffer_size;
    if (auto length = parser_->content_length(); length && *length > limit) return too_large();
    parser_->body_limit(limit);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_body(ec);
                     });
  }

  /// The Engine.IO endpoint is `path` itself (with or without its trailing slash); other
  /// paths below it (e.g. a client bundle) belong to the application.
  bool is_engine_path(std::string_view path) const {
    const std::string_view own = server_.options.path;
    return path == own || path == own.substr(0, own.size() - 1);
  }

  void on_body(beast::error_code ec) {
    deadline_.cancel();  // what follows waits for the session (a parked GET), not the client
    if (ec == http::error::body_limit) return too_large();
    if (ec) return shutdown();
    if (app_request_) return handle_app_request();
    handle_polling();
  }

  /// Hands a request outside the Engine.IO path to the application's handler.
  void handle_app_request() {
    auto& req = parser_->get();
    server_.options.http_handler(
        make_request_info(req, lowest(stream_), is_tls<Stream>), std::move(req.body()),
        [reply = make_reply_fn()](http_response r) {
          reply(http_reply{r.status, "", std::move(r.body), std::move(r.headers)});
        });
  }

  void too_large() {
    // engine.io answers 413; we also close the session, whose data would be lost anyway.
    if (auto sid = codec::find_query(parser_->get().target(), "sid")) {
      if (const int j = server_.shard_of(*sid); j >= 0) {
        net::post(server_.shards[j]->context(), [&server = server_, j, sid = *sid] {
          if (auto s = server.shards[j]->find(sid)) s->on_payload_too_large();
        });
      }
    }
    write_reply({413, "text/plain; charset=UTF-8", "Payload Too Large"}, true);
  }

  void handle_polling() {
    const auto& req = parser_->get();
    const auto target = req.target();
    const auto transport = codec::find_query(target, "transport");
    if (!transport || !server_.transport_enabled(*transport)) {
      return write_reply(error_reply(errc::unknown_transport));
    }
    auto sid = codec::find_query(target, "sid");
    if (sid) {
      const bool get = req.method() == http::verb::get;
      if (*transport != "polling" || (!get && req.method() != http::verb::post)) {
        return write_reply(error_reply(errc::bad_request));
      }
      return dispatch_polling(std::move(*sid), get, std::move(parser_->get().body()));
    }
    if (req.method() != http::verb::get) return write_reply(error_reply(errc::bad_handshake_method));
    if (*transport != "polling") return write_reply(error_reply(errc::bad_request));
    if (auto refused = admit()) return write_reply(std::move(*refused));
    handshake();
  }

  /// allow_request and the protocol version of a handshake; an error reply if refused.
  std::optional<http_reply> admit() {
    const auto& req = parser_->get();
    if (server_.stopping) return error_reply(errc::forbidden, "server shutting down");
    if (server_.options.allow_request) {
      if (auto message = server_.options.allow_request(make_request_info(req, lowest(stream_), is_tls<Stream>))) {
        return error_reply(errc::forbidden, *message);
      }
    }
    if (codec::find_query(req.target(), "EIO") != "4") return error_reply(errc::unsupported_protocol_version);
    return std::nullopt;
  }

  void handshake() {
    auto sid = server_.make_sid(home_.index());
    auto s = std::make_shared<session_impl>(server_, home_, sid,
                                            make_request_info(parser_->get(), lowest(stream_), is_tls<Stream>));
    home_.sessions().emplace(s->id(), s);
    if (const auto& cookie = server_.options.cookie) {
      set_cookie_ = cookie->name + "=" + sid + "; Path=" + cookie->path;
      if (cookie->http_only) set_cookie_ += "; HttpOnly";
      if (!cookie->same_site.empty()) set_cookie_ += "; SameSite=" + cookie->same_site;
    }
    s->open(nullptr);
    s->on_poll(server_.next_request_id++, make_reply_fn());
    server_.opened(s);
  }

  void dispatch_polling(std::string sid, bool get, std::string body) {
    const int j = server_.shard_of(sid);
    if (j < 0) return write_reply(error_reply(errc::unknown_sid));
    const auto id = server_.next_request_id++;
    if (get) {
      request_id_ = id;
      poll_shard_ = j;
      poll_sid_ = sid;
      watch_for_close(id);
    }
    auto task = [&server = server_, j, sid = std::move(sid), get, body = std::move(body), id,
                 reply = make_reply_fn()]() mutable {
      auto s = server.shards[j]->find(sid);
      if (!s) return reply(error_reply(errc::unknown_sid));
      if (get) {
        s->on_poll(id, std::move(reply));
      } else {
        s->on_post(body, std::move(reply));
      }
    };
    if (static_cast<unsigned>(j) == home_.index()) return task();
    server_.cross_shard_requests.fetch_add(1, std::memory_order_relaxed);
    net::post(server_.shards[j]->context(), std::move(task));
  }

  /// While a GET is parked, notices the client going away (engine.io: "poll connection
  /// closed prematurely") so the session does not wait for the ping timeout.
  void watch_for_close(std::uint64_t id) {
    lowest(stream_).async_wait(tcp::socket::wait_read,
                       [self = shared_from_this(), id](beast::error_code ec) {
                         if (ec || self->request_id_ != id) return;
                         beast::error_code e;
                         if (lowest(self->stream_).available(e) > 0 && !e) return;  // pipelined data
                         self->request_id_ = 0;
                         net::post(self->server_.shards[self->poll_shard_]->context(),
                                   [&server = self->server_, j = self->poll_shard_,
                                    sid = self->poll_sid_, id] {
                                     if (auto s = server.shards[j]->find(sid)) {
                                       s->on_poll_aborted(id);
                                     }
                                   });
                         self->shutdown();
                       });
  }

  reply_fn make_reply_fn() {
    return [self = shared_from_this()](http_reply r) {
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable { self->write_reply(std::move(r)); });
    };
  }

  void write_reply(http_reply r, bool close = false) {
    if (request_id_ != 0) {
      request_id_ = 0;
      beast::error_code ignored;
      lowest(stream_).cancel(ignored);  // ends watch_for_close
    }
    const auto& req = parser_->get();
    response_ = {};
    response_.version(11);
    response_.result(r.status);
    if (!r.content_type.empty()) response_.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) response_.set(name, value);
    if (!app_request_) apply_cors(server_.options.cors, req, response_, preflight_);
    if (!set_cookie_.empty()) response_.set(http::field::set_cookie, set_cookie_);
    response_.body() = std::move(r.body);
    response_.keep_alive(req.keep_alive() && !close);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    busy_ = false;
    if (ec || !response_.keep_alive() || server_.stopping) return shutdown();
    preflight_ = false;
    app_request_ = false;
    set_cookie_.clear();
    response_ = {};
    if (buffer_.size() == 0 && buffer_.capacity() > 16 * 1024) buffer_.shrink_to_fit();
    arm(server_.options.keep_alive_timeout);
    do_read_header();
  }

  void handle_upgrade() {
    deadline_.cancel();  // the WebSocket has timeouts of its own
    auto& req = parser_->get();
    const auto transport = codec::find_query(req.target(), "transport");
    if (transport != "websocket" || !server_.transport_enabled("websocket")) {
      return write_reply(error_reply(errc::unknown_transport), true);
    }
    auto sid = codec::find_query(req.target(), "sid");
    if (!sid) {
      if (auto refused = admit()) return write_reply(std::move(*refused), true);
      return accept_websocket(server_, home_, std::move(stream_), [req = parser_->release()](auto& ws) mutable {
        ws->accept_direct(std::move(req));
      });
    }
    const int j = server_.shard_of(*sid);
    if (j < 0) return write_reply(error_reply(errc::unknown_sid), true);
    if (static_cast<unsigned>(j) == home_.index()) {
      return accept_websocket(server_, home_, std::move(stream_), [sid = *sid, req = parser_->release()](auto& ws) mutable {
        ws->accept_upgrade(sid, std::move(req));
      });
    }
    // The session lives on another shard: move the socket there, so that the
    // WebSocket transport and its session share one thread.
    server_.cross_shard_requests.fetch_add(1, std::memory_order_relaxed);
    auto& target = *server_.shards[j];
    auto moved = release_stream();
    if (!moved) return shutdown();
    net::post(target.context(), [&server = server_, &target, moved = std::move(*moved), sid = std::move(*sid),
                                 req = parser_->release()]() mutable {
      auto stream = moved.attach(target.context());
      if (!stream) return;
      accept_websocket(server, target, std::move(*stream), [&sid, &req](auto& ws) {
        ws->accept_upgrade(sid, std::move(req));
      });
    });
  }

  /// Hands `stream` to a new WebSocket transport on `home` and calls `accept` with it:
  /// Beast's when permessage-deflate is enabled, our lean one otherwise.
  template <class Accept>
  static void accept_websocket(server_state& server, shard& home, Stream stream, Accept accept) {
    if (server.options.per_message_deflate) {
      auto ws = std::make_shared<ws_connection<Stream>>(server, home, std::move(stream));
      accept(ws);
    } else {
      auto ws = std::make_shared<lean_ws_connection<Stream>>(server, home, std::move(stream));
      accept(ws);
    }
  }

  /// A stream detached from this shard's event loop: the socket's descriptor and, with
  /// TLS, the SSL session (its state carries over; no TLS data is pending between the
  /// upgrade request and the answer).
  struct detached_stream {
    tcp::socket::protocol_type protocol;
    int fd;
    SSL* ssl = nullptr;

    detached_stream(tcp::socket::protocol_type p, int f, SSL* s) : protocol(p), fd(f), ssl(s) {}
    detached_stream(detached_stream&& other) noexcept
        : protocol(other.protocol), fd(std::exchange(other.fd, -1)), ssl(std::exchange(other.ssl, nullptr)) {}
    detached_stream& operator=(detached_stream&&) = delete;
    ~detached_stream() {
      if (fd >= 0) ::close(fd);
      if (ssl) SSL_free(ssl);
    }

    /// The stream on `context`'s loop, or nullopt.
    std::optional<Stream> attach(net::io_context& context) {
      tcp::socket socket(context);
      beast::error_code ec;
      socket.assign(protocol, fd, ec);
      if (ec) return std::nullopt;
      fd = -1;
      if constexpr (is_tls<Stream>) {
        return Stream(std::move(socket), std::exchange(ssl, nullptr));
      } else {
        return Stream(std::move(socket));
      }
    }
  };

  std::optional<detached_stream> release_stream() {
    beast::error_code ec;
    auto& socket = lowest(stream_);
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return std::nullopt;
    if constexpr (is_tls<Stream>) {
      // The SSL object outlives this stream (one more reference); the stream, and with it
      // its half of the BIO pair, is destroyed here, on its own thread.
      Stream old(std::move(stream_));
      SSL* ssl = old.native_handle();
      SSL_up_ref(ssl);
      const int fd = old.next_layer().release(ec);
      if (ec) {
        SSL_free(ssl);
        return std::nullopt;
      }
      return detached_stream(protocol, fd, ssl);
    } else {
      const int fd = socket.release(ec);
      if (ec) return std::nullopt;
      return detached_stream(protocol, fd, nullptr);
    }
  }

  void shutdown() {
    beast::error_code ignored;
    deadline_.cancel();
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    lowest(stream_).close(ignored);
  }

  server_state& server_;
  shard& home_;
  Stream stream_;
  net::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string set_cookie_;
  bool preflight_ = false;
  bool app_request_ = false;      // the request goes to options.http_handler
  bool busy_ = false;             // between a request's header and its response's end
  std::uint64_t request_id_ = 0;  // the parked GET, while one is
  int poll_shard_ = 0;
  std::string poll_sid_;
};

}  // namespace

http_reply error_reply(errc e, std::string_view message) {
  const int code = handshake_error_code(e);
  const auto text = message.empty() ? handshake_error_message(e) : message;
  return http_reply{e == errc::forbidden ? 403u : 400u, "application/json",
                    "{\"code\":" + std::to_string(code) + ",\"message\":" + json_quote(text) + "}"};
}

bool server_state::transport_enabled(std::string_view name) const {
  for (const auto& t : options.transports) {
    if (t == name) return true;
  }
  return false;
}

int server_state::shard_of(std::string_view sid) const noexcept {
  if (sid.size() != codec::id_length) return -1;
  const auto index = codec::id_alphabet.find(sid.front());
  return index < shards.size() ? static_cast<int>(index) : -1;
}

std::string server_state::make_sid(unsigned shard_index) const {
  // The first character names the shard; the rest is random.
  auto sid = codec::random_id();
  sid[0] = codec::id_alphabet[shard_index];
  return sid;
}

}  // namespace detail

// -----------------------------------------------------------------------------------------
class server::impl {
 public:
  explicit impl(server_options options) : state_(std::move(options)) {
    auto& o = state_.options;
    if (o.context) o.threads = 1;
    if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
    o.threads = std::min(o.threads, 64u);  // the sid's first character names the shard
    if (o.path.empty() || o.path.back() != '/') o.path += '/';
    const std::array<detail::clock::duration, 4> delays{o.ping_interval, o.ping_timeout,
                                                        o.upgrade_timeout, o.close_timeout};
    for (unsigned i = 0; i < o.threads; ++i) {
      state_.shards.push_back(std::make_unique<detail::shard>(i, delays, o.context));
    }
  }

  ~impl() {
    stop();
    // Destroy every shard's pending handlers while all shards still exist: a handler of
    // one shard may own a connection whose socket belongs to another.
    if (stopper_.joinable()) stopper_.join();
    for (auto& s : state_.shards) s->sessions().clear();
    acceptor_.reset();
    retry_timer_.reset();
    drain_timer_.reset();
    for (auto& s : state_.shards) s->shutdown_context();
    state_.shards.clear();
  }

  std::error_code listen(std::string_view address, std::uint16_t port) {
    boost::system::error_code ec;
    if (const auto& tls = state_.options.tls) {
      tls_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
      tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                        net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
      tls_->use_certificate_chain_file(tls->certificate_chain_file, ec);
      if (!ec) tls_->use_private_key_file(tls->private_key_file, net::ssl::context::pem, ec);
      if (ec) {
        tls_.reset();
        return ec;
      }
    }
    const auto addr = net::ip::make_address(address, ec);
    if (ec) return ec;
    const tcp::endpoint endpoint(addr, port);
    acceptor_.emplace(state_.shards[0]->context());
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor_.reset();
      return ec;
    }
    port_ = acceptor_->local_endpoint().port();
    do_accept();
    return {};
  }

  void start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    if (state_.options.context) return;  // the application runs the loop
    for (auto& s : state_.shards) {
      std::promise<void> finished;
      finished_.push_back(finished.get_future());
      threads_.emplace_back([&context = s->context(), finished = std::move(finished)]() mutable {
        context.run();
        finished.set_value();
      });
    }
  }

  bool running() {
    std::lock_guard lock(mutex_);
    return started_ && !stopped_;
  }

  void run() {
    start();
    if (state_.options.context) {
      state_.options.context->run();
      return;
    }
    std::unique_lock lock(mutex_);
    stopped_cv_.wait(lock, [this] { return stop_done_; });
  }

  void stop() {
    {
      std::unique_lock lock(mutex_);
      if (stopped_) {
        // Already stopping (perhaps from a handler): wait for it, unless we are a loop.
        if (!on_shard_thread()) stopped_cv_.wait(lock, [this] { return stop_done_; });
        return;
      }
      stopped_ = true;
      state_.stopping = true;  // before running() turns false: handshakes are refused from here
      // From one of our own loops (a handler), the stop cannot wait for that loop or join
      // its thread: it runs on a thread of its own, joined by the destructor.
      if (!state_.options.context && on_shard_thread()) {
        stopper_ = std::thread([this] { stop_now(); });
        return;
      }
    }
    stop_now();
  }

  bool on_shard_thread() {
    for (auto& s : state_.shards) {
      if (s->context().get_executor().running_in_this_thread()) return true;
    }
    return false;
  }

  void stop_now() {
    state_.stopping = true;
    if (state_.options.context) return stop_external();
    // Each shard closes its sessions (close packets and frames are queued) and its idle
    // connections; then the loops run until that work is done, or stop_timeout passes.
    // The listener stays open while sessions drain, so that a polling client's next GET
    // can still come in and collect its close packet; handshakes are refused meanwhile.
    const bool drain_first = !threads_.empty();
    if (drain_first) net::post(state_.shards[0]->context(), [this] { watch_drain(); });
    for (auto& s : state_.shards) {
      auto close_all = [this, &shard = *s, drain_first] { close_shard(shard, drain_first); };
      if (threads_.empty()) {
        close_all();
      } else {
        net::post(s->context(), std::move(close_all));
      }
      // Draining, the loops keep their work until watch_drain() is done: a loop that ran
      // out of work would not serve the connections the listener still hands it.
      if (!drain_first) s->release_work();
    }
    if (threads_.empty()) {
      // Never started: run the loops here until the work is done.
      for (auto& s : state_.shards) s->context().run_for(state_.options.stop_timeout);
    } else {
      const auto deadline = std::chrono::steady_clock::now() + state_.options.stop_timeout;
      for (auto& f : finished_) {
        if (f.wait_until(deadline) != std::future_status::ready) break;
      }
    }
    for (auto& s : state_.shards) s->context().stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // Sessions still waiting for their client (a polling close packet nobody collected)
    // end now; the loops are stopped, so this thread may touch the shards.
    for (auto& s : state_.shards) {
      for (auto& session : s->session_list()) session->shutdown();
    }
    // Peers that did not finish closing in time (e.g. a WebSocket close handshake nobody
    // answers) are cut off now, so they see the connection end.
    for (auto& s : state_.shards) {
      for (auto& c : s->connections()) c->abort();
    }
    finish_stop();
  }

  detail::server_state state_;
  std::uint16_t port_ = 0;

 private:
  /// On the shard's thread: every session closed (close packets and frames queued);
  /// unless `drain_first`, also no more accepting and idle connections closed.
  void close_shard(detail::shard& shard, bool drain_first) {
    for (auto& session : shard.session_list()) {
      // Draining, a polling session keeps its close packet for the client's next GET.
      if (drain_first) {
        session->close();
      } else {
        session->shutdown();
      }
    }
    if (!drain_first) {
      // Let replies posted by the sessions above go out before idle connections close.
      net::post(shard.context(), [this, &shard] { close_connections(shard); });
    }
  }

  /// On the shard's thread: stops accepting (shard 0) and closes idle connections.
  void close_connections(detail::shard& shard) {
    if (shard.index() == 0 && acceptor_) {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      if (retry_timer_) retry_timer_->cancel();
    }
    for (auto& c : shard.connections()) c->stop();
  }

  /// On shard 0 while stopping: once no session is left, closes the listener and every
  /// shard's idle connections, so that the loops run out of work.
  void watch_drain() {
    if (state_.session_count.load() == 0) {
      for (auto& s : state_.shards) {
        net::post(s->context(), [this, &shard = *s] {
          close_connections(shard);
          shard.release_work();
        });
      }
      return;
    }
    drain_timer_.emplace(state_.shards[0]->context(), std::chrono::milliseconds(10));
    drain_timer_->async_wait([this](boost::system::error_code ec) {
      if (!ec) watch_drain();
    });
  }

  /// Runs `fn` on the application's loop and waits (bounded) for it.
  bool run_and_wait(detail::shard& shard, std::function<void()> fn, std::chrono::milliseconds limit) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    net::post(shard.context(), [fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    return future.wait_for(limit) == std::future_status::ready;
  }

  /// stop() on an application's io_context: nothing of ours may stay queued in it.
  void stop_external() {
    auto& shard = *state_.shards[0];
    if (shard.context().get_executor().running_in_this_thread()) {
      // Cannot wait for our own loop: start closing and let the loop wind down.
      close_shard(shard, false);
      shard.release_work();
      finish_stop();
      return;
    }
    const auto limit = state_.options.stop_timeout;
    const auto drained = [&] {
      return shard.connection_count() == 0 && state_.session_count.load() == 0;
    };
    const auto wait_drained = [&](std::chrono::milliseconds within) {
      const auto deadline = std::chrono::steady_clock::now() + within;
      while (!drained() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    };
    run_and_wait(shard, [&] { close_shard(shard, false); }, limit);
    wait_drained(limit);
    if (!drained()) {
      run_and_wait(shard, [&] {
        for (auto& c : shard.connections()) c->abort();
      }, limit);
      wait_drained(std::chrono::seconds(1));
    }
    shard.release_work();
    // Handlers cancelled above run before this one: once it has run, none is left.
    run_and_wait(shard, [] {}, limit);
    finish_stop();
  }

  void finish_stop() {
    {
      std::lock_guard lock(mutex_);
      stop_done_ = true;
    }
    stopped_cv_.notify_all();
  }

  void do_accept() {
    auto& target = *state_.shards[next_shard_++ % state_.shards.size()];
    acceptor_->async_accept(target.context(), [this, &target](boost::system::error_code ec,
                                                              tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_ || !acceptor_->is_open()) return;
      if (ec) {
        // Typically out of file descriptors: back off instead of spinning.
        spdlog::warn("engine: accept failed: {}", ec.message());
        retry_timer_.emplace(state_.shards[0]->context(), std::chrono::milliseconds(50));
        retry_timer_->async_wait([this](boost::system::error_code e) {
          if (!e && acceptor_ && acceptor_->is_open()) do_accept();
        });
        return;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls_) {
        auto connection = std::make_shared<detail::http_connection<tls_stream>>(
            state_, target, tls_stream(std::move(socket), *tls_));
        net::post(target.context(), [connection] { connection->start(); });
      } else {
        auto connection = std::make_shared<detail::http_connection<tcp::socket>>(state_, target, std::move(socket));
        net::post(target.context(), [connection] { connection->start(); });
      }
      do_accept();
    });
  }

  std::unique_ptr<net::ssl::context> tls_;  // set by listen() when options.tls is
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> retry_timer_;
  std::optional<net::steady_timer> drain_timer_;  // watch_drain(), while stopping
  std::vector<std::thread> threads_;
  std::thread stopper_;
  std::vector<std::future<void>> finished_;
  std::size_t next_shard_ = 0;
  std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool started_ = false;
  bool stopped_ = false;    // stop() was called
  bool stop_done_ = false;  // and has finished
};

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
server::~server() = default;

void server::on_connection(std::function<void(const std::shared_ptr<session>&)> handler) {
  impl_->state_.connection_handlers.push_back(std::move(handler));
}

void server::on_close(std::function<void(session&, std::string_view reason)> handler) {
  impl_->state_.close_handlers.push_back(std::move(handler));
}

server_stats server::stats() const noexcept {
  server_stats total;
  for (const auto& shard : impl_->state_.shards) {
    const auto& c = shard->stats();
    constexpr auto relaxed = std::memory_order_relaxed;
    total.polling_sessions += c.polling_sessions.load(relaxed);
    total.websocket_sessions += c.websocket_sessions.load(relaxed);
    total.messages_in += c.messages_in.load(relaxed);
    total.messages_out += c.messages_out.load(relaxed);
    total.bytes_in += c.bytes_in.load(relaxed);
    total.bytes_out += c.bytes_out.load(relaxed);
  }
  return total;
}

std::error_code server::listen(std::string_view address, std::uint16_t port) {
  return impl_->listen(address, port);
}

std::uint16_t server::port() const noexcept { return impl_->port_; }
void server::start() { impl_->start(); }
void server::run() { impl_->run(); }
void server::stop() { impl_->stop(); }
const server_options& server::options() const noexcept { return impl_->state_.options; }
unsigned server::threads() const noexcept { return impl_->state_.options.threads; }
bool server::running() const noexcept { return impl_->running(); }

boost::asio::io_context& server::context(unsigned index) noexcept {
  return impl_->state_.shards[index]->context();
}

std::size_t server::session_count() const noexcept {
  return impl_->state_.session_count.load(std::memory_order_relaxed);
}

std::uint64_t server::cross_shard_requests() const noexcept {
  return impl_->state_.cross_shard_requests.load(std::memory_order_relaxed);
}

}  // namespace sockio::engine
