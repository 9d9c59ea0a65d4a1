// The lean WebSocket transport: sockio's own framing (sockio/codec/ws), used unless
// permessage-deflate is enabled.
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cassert>
#include <span>
#include <variant>

#include "detail/buffer_pool.hpp"
#include "detail/websocket_start.hpp"
#include "detail/ws_session_link.hpp"
#include "sockio/codec/ws/frame_reader.hpp"
#include "sockio/codec/ws/handshake.hpp"
#include "sockio/io/read_ready.hpp"

namespace sockio::engine::detail {
namespace {

/// The WebSocket handshake answer for `req`, or the HTTP error to send instead.
std::variant<std::string, http_reply> websocket_accept(const request& req) {
  const auto key = req[http::field::sec_websocket_key];
  switch (ws::check_upgrade(req[http::field::sec_websocket_version], key, req.method() == http::verb::get,
                            req.version() == 11)) {
    case ws::upgrade_check::unsupported_version:
      return http_reply{
          426, "text/plain; charset=UTF-8", "Unsupported WebSocket version", {{"Sec-WebSocket-Version", "13"}}};
    case ws::upgrade_check::bad_handshake: return http_reply::text(400, "Bad WebSocket handshake");
    case ws::upgrade_check::ok: break;
  }
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         ws::accept_key(key) + "\r\n\r\n";
}

/// The write under way: frame headers and small payloads copied into `flat`, large
/// payloads referenced; `count` queued packets.
struct write_batch {
  std::string flat;
  std::vector<net::const_buffer> buffers;
  std::size_t count = 0;
  /// Empties it; false when it grew too large to keep in the pool.
  bool clear() noexcept {
    flat.clear();
    buffers.clear();
    count = 0;
    return flat.capacity() <= tuning::pool_max_capacity && buffers.capacity() <= tuning::pool_max_capacity;
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
      : server_(server),
        home_(home),
        stream_(std::move(stream)),
        reader_(ws::role::server, server.options.max_http_buffer_size) {}
  ~lean_ws_connection() override { home_.remove_connection(*this); }

  void stop() override { close(); }

  void abort() override {
    beast::error_code ignored;
    lowest(stream_).close(ignored);
  }

  std::shared_ptr<connection> lock() noexcept override { return this->weak_from_this().lock(); }

  /// A new session over WebSocket (no sid in the request).
  void accept_direct(request req) {
    if (!answer_upgrade(req)) return;
    auto s =
        link_.open_session(server_, home_, make_request_info(req, lowest(stream_), is_tls<Stream>), shared_from_this());
    do_read();
    server_.opened(s);
  }

  /// The probe of an upgrade for session `sid` (which lives on this shard).
  void accept_upgrade(const std::string& sid, request req) {
    auto found = ws_session_link::find_session(home_, sid);
    if (auto refused = std::get_if<errc>(&found)) return reject(error_reply(*refused));
    if (!answer_upgrade(req)) return;
    if (!link_.probe(std::get<std::shared_ptr<session_impl>>(found), shared_from_this())) return close();
    do_read();
  }

  void send(outgoing packet) override {
    assert(on_own_thread());
    if (phase_ != phase::open) return;
    queued_bytes_ += packet.size();
    buffer_pool<std::vector<outgoing>>::lend(queue_);
    queue_.push_back(std::move(packet));
    schedule_write();
  }

  std::size_t buffered_bytes() const noexcept override { return queued_bytes_; }

  /// Sends what is queued, then a close frame; the socket closes when the client answers
  /// (or after a grace period).
  void close() override {
    if (phase_ != phase::open) return;
    close_frame(ws::normal);
  }

 private:
  /// The connection's life; it only moves forward (a refusal jumps to `closed`):
  ///   open ──notify_closed()──▶ closing ──▶ closed          (transport gone, no close frame)
  ///   open/closing ──close_frame()──▶ close_queued ──do_write()──▶ close_sent ──▶ closed
  /// Packets are taken only while `open`; messages are delivered only while `open`; in
  /// `close_sent` the socket's sending side is shut and we linger for the client's answer.
  enum class phase { open, closing, close_queued, close_sent, closed };
  /// At most one write in flight; `scheduled` gathers what is queued within one turn.
  enum class write_state { idle, scheduled, in_flight };

  bool on_own_thread() { return home_.context().get_executor().running_in_this_thread(); }

  /// Checks the request and queues the 101 answer; false (and an error answer) if refused.
  bool answer_upgrade(const request& req) {
    home_.add_connection(*this);
    auto answer = websocket_accept(req);
    if (auto* refused = std::get_if<http_reply>(&answer)) {
      reject(std::move(*refused));
      return false;
    }
    control_ = std::make_unique<std::string>(std::move(std::get<std::string>(answer)));
    schedule_write();
    return true;
  }

  void reject(const http_reply& r) {
    phase_ = phase::closed;
    control_ = std::make_unique<std::string>(r.to_wire());
    net::async_write(stream_, net::buffer(*control_),
                     [self = shared_from_this()](beast::error_code, std::size_t) { self->close_socket(); });
  }

  void do_read() {
    if (phase_ == phase::closed) return;
    if constexpr (is_tls<Stream>) {
      // TLS keeps its own buffers anyway; a small one of ours is the simple way here.
      if (tls_buffer_.empty()) tls_buffer_.resize(tuning::tls_read_buffer);
      stream_.async_read_some(net::buffer(tls_buffer_),
                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                self->on_data(ec, self->tls_buffer_.data(), n);
                              });
    } else {
      stream_.async_wait(tcp_socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
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
      notify_closed(transport_close_reason(ec, phase_ >= phase::close_sent));
      return close_socket();
    }
    auto self = shared_from_this();  // a handler below may drop the session's reference
    const bool ok = reader_.feed(data, n, [this](const ws::event& e) {
      switch (e.op) {
        case ws::opcode::text:
        case ws::opcode::binary:
          // Once closing, data is read (to find the client's answer) but not delivered.
          if (phase_ == phase::open) link_.deliver(this, e.data, e.op == ws::opcode::binary);
          break;
        case ws::opcode::ping:
          if (phase_ == phase::open) control_frame(ws::opcode::pong, e.data);
          break;
        case ws::opcode::close:
          // The client's close: answer it (unless ours already went) and end.
          close_frame(e.code == 1005 ? static_cast<std::uint16_t>(ws::normal) : e.code);
          notify_closed("transport close");
          return false;
        default: break;
      }
      return true;
    });
    if (!ok) {
      close_frame(reader_.error());
      return notify_closed("transport error");
    }
    do_read();
  }

  void control_frame(ws::opcode op, std::string_view payload) {
    std::uint8_t header[ws::max_header_size];
    const auto size = ws::encode_header(header, op, payload.size());
    if (!control_) control_ = std::make_unique<std::string>();
    control_->append(reinterpret_cast<const char*>(header), size);
    control_->append(payload);
    schedule_write();
  }

  /// Queues a close frame after the data already queued.
  void close_frame(std::uint16_t code) {
    if (phase_ >= phase::close_queued) return;
    phase_ = phase::close_queued;
    close_code_ = code;
    schedule_write();
  }

  /// Writes at the end of this turn of the loop, so that packets queued meanwhile go
  /// in the same write.
  void schedule_write() {
    if (write_ != write_state::idle || phase_ == phase::closed) return;
    write_ = write_state::scheduled;
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->write_ = write_state::idle;
      self->do_write();
    });
  }

  void do_write() {
    if (write_ == write_state::in_flight || phase_ == phase::closed) return;
    // One batch: control bytes (the 101 answer, pongs), the queued packets, then the
    // close frame once nothing else is left.
    const auto count = std::min<std::size_t>(queue_.size(), tuning::max_batch);
    const bool with_close = phase_ == phase::close_queued && count == queue_.size();
    if (!control_ && count == 0 && !with_close) return;
    write_ = write_state::in_flight;
    // Frame headers, type characters and small payloads are copied into one buffer;
    // large payloads are written from their shared bytes (TLS: everything is copied,
    // one record per batch). So a burst of small packets costs one sendmsg.
    constexpr std::size_t copy_limit = is_tls<Stream> ? SIZE_MAX : tuning::copy_limit;
    std::size_t flat_size = (control_ ? control_->size() : 0) + ws::max_header_size + 2;
    for (std::size_t i = 0; i < count; ++i) {
      const auto n = queue_[i].view().size();
      flat_size += ws::max_header_size + 1 + (n <= copy_limit ? n : 0);
    }
    batch_ = object_pool<write_batch>::lend();
    batch_->count = count;
    auto& flat = batch_->flat;
    auto& buffers = batch_->buffers;
    flat.reserve(flat_size);  // no reallocation below: buffers point into it
    std::size_t segment = 0;  // start of the part of flat not yet in buffers
    const auto close_segment = [&] {
      if (flat.size() > segment) buffers.emplace_back(flat.data() + segment, flat.size() - segment);
      segment = flat.size();
    };
    if (control_) flat += *control_;
    control_.reset();
    std::uint8_t header[ws::max_header_size];
    for (std::size_t i = 0; i < count; ++i) {
      const auto& p = queue_[i];
      const auto data = p.view();
      const bool text = !p.binary;
      const auto size =
          ws::encode_header(header, text ? ws::opcode::text : ws::opcode::binary, data.size() + (text ? 1 : 0));
      flat.append(reinterpret_cast<const char*>(header), size);
      if (text) flat += type_char(p.type);
      if (data.size() <= copy_limit) {
        flat += data;
      } else {
        close_segment();
        buffers.emplace_back(net::buffer(data));
      }
    }
    if (with_close) {
      phase_ = phase::close_sent;
      const auto size = ws::encode_header(header, ws::opcode::close, 2);
      flat.append(reinterpret_cast<const char*>(header), size);
      flat += static_cast<char>(close_code_ >> 8);
      flat += static_cast<char>(close_code_ & 0xFF);
    }
    close_segment();
    net::async_write(stream_, std::span<const net::const_buffer>(buffers),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    write_ = write_state::idle;
    const auto written = std::min(batch_ ? batch_->count : 0, queue_.size());  // close_socket() may have emptied it
    for (std::size_t i = 0; i < written; ++i) queued_bytes_ -= queue_[i].size();
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(written));
    // Idle connections keep no write buffers.
    object_pool<write_batch>::give_back(batch_);
    if (queue_.empty()) buffer_pool<std::vector<outgoing>>::give_back(queue_);
    if (ec) {
      queue_.clear();
      queued_bytes_ = 0;
      return;  // the read side reports the broken connection
    }
    if (phase_ == phase::closed) return close_socket();  // a refusal went out
    if (phase_ == phase::close_sent) return linger();
    if (!queue_.empty() || control_ || phase_ == phase::close_queued) return do_write();
    link_.drained(this);
  }

  /// Our close frame is out: stop sending and give the client a moment to answer.
  void linger() {
    beast::error_code ignored;
    lowest(stream_).shutdown(tcp_socket::shutdown_send, ignored);
    if (!linger_) {
      linger_ = std::make_unique<net::steady_timer>(stream_.get_executor(), tuning::close_linger);
      linger_->async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->close_socket();
      });
    }
  }

  /// Tells the session once, then lets the pending close frame (if any) go out.
  void notify_closed(std::string_view reason) {
    if (phase_ == phase::open) phase_ = phase::closing;
    link_.closed(this, reason);
    if (write_ == write_state::idle) {
      if (phase_ == phase::close_queued) return do_write();
      close_socket();
    }
  }

  /// Closes the socket now; queued packets are dropped.
  void close_socket() {
    if (phase_ == phase::closed && !lowest(stream_).is_open()) return;
    phase_ = phase::closed;
    queue_.clear();
    queued_bytes_ = 0;
    if (linger_) linger_->cancel();
    shut_and_close(lowest(stream_));
  }

  server_state& server_;
  shard& home_;
  Stream stream_;
  ws::frame_reader reader_;
  ws_session_link link_;
  std::vector<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  std::unique_ptr<std::string> control_;  // bytes to send before the next packets, while some wait
  std::unique_ptr<write_batch> batch_;    // the write under way, lent for its duration
  struct no_buffer {};
  [[no_unique_address]] std::conditional_t<is_tls<Stream>, std::vector<char>, no_buffer> tls_buffer_;
  std::unique_ptr<net::steady_timer> linger_;  // only while closing
  std::uint16_t close_code_ = ws::normal;
  phase phase_ = phase::open;
  write_state write_ = write_state::idle;
};

}  // namespace

void start_lean_websocket(server_state& server, shard& home, tcp_socket stream, request req, ws_target target) {
  run_websocket<lean_ws_connection>(server, home, std::move(stream), std::move(req), std::move(target));
}

void start_lean_websocket(server_state& server, shard& home, tls_stream stream, request req, ws_target target) {
  run_websocket<lean_ws_connection>(server, home, std::move(stream), std::move(req), std::move(target));
}

}  // namespace sockio::engine::detail
