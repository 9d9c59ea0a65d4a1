// The Beast WebSocket transport (permessage-deflate). The only file that compiles
// Beast's WebSocket stream.
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <variant>

#include "detail/websocket_start.hpp"
#include "detail/ws_session_link.hpp"

namespace sockio::engine::detail {
namespace {

namespace websocket = beast::websocket;

constexpr std::string_view type_chars = "0123456";

/// A WebSocket transport on Beast's `websocket::stream`, used when permessage-deflate
/// is enabled: Beast handshake, read loop, one message per write.
template <class Stream>
class beast_ws_connection final : public ws_transport,
                                  public connection,
                                  public std::enable_shared_from_this<beast_ws_connection<Stream>> {
 public:
  using request = http::request<http::string_body>;
  using std::enable_shared_from_this<beast_ws_connection<Stream>>::shared_from_this;

  beast_ws_connection(server_state& server, shard& home, Stream stream)
      : server_(server), home_(home), ws_(std::move(stream)) {}
  ~beast_ws_connection() override { home_.remove_connection(*this); }

  void stop() override { close(); }

  void abort() override {
    beast::error_code ignored;
    lowest(ws_.next_layer()).close(ignored);
  }

  std::shared_ptr<connection> lock() noexcept override { return this->weak_from_this().lock(); }

  /// A new session over WebSocket (no sid in the request).
  void accept_direct(request req) {
    auto info = make_request_info(req, lowest(ws_.next_layer()), is_tls<Stream>);
    do_accept(std::move(req), [this, info = std::move(info)]() mutable {
      auto s = link_.open_session(server_, home_, std::move(info), shared_from_this());
      do_read();
      server_.opened(s);
    });
  }

  /// The probe of an upgrade for session `sid` (which lives on this shard).
  void accept_upgrade(const std::string& sid, request req) {
    const auto found = ws_session_link::find_session(home_, sid);
    if (auto refused = std::get_if<errc>(&found)) return reject(error_reply(*refused));
    do_accept(std::move(req), [this, sid] {
      auto s = home_.find(sid);
      if (!s || !link_.probe(s, shared_from_this())) {
        close();
        return;
      }
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
    ws_.set_option(
        websocket::stream_base::timeout{tuning::beast_handshake_timeout, websocket::stream_base::none(), false});
    ws_.read_message_max(o.max_http_buffer_size);
    ws_.auto_fragment(false);
    if (o.per_message_deflate) {
      websocket::permessage_deflate pmd;
      pmd.server_enable = true;
      ws_.set_option(pmd);
    }
    home_.add_connection(*this);
    accept_request_ = std::move(req);
    ws_.async_accept(accept_request_,
                     [self = shared_from_this(), then = std::move(then)](beast::error_code ec) mutable {
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

  void reject(const http_reply& r) {
    error_response_ = r.to_wire();
    closed_ = true;
    net::async_write(ws_.next_layer(), net::buffer(error_response_),
                     [self = shared_from_this()](beast::error_code, std::size_t) {
                       shut_and_close(lowest(self->ws_.next_layer()));
                     });
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      closed_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      link_.closed(this, transport_close_reason(ec, false));
      return;
    }
    const auto data = buffer_.cdata();
    const std::string_view view(static_cast<const char*>(data.data()), data.size());
    link_.deliver(this, view, ws_.got_binary());
    buffer_.consume(buffer_.size());
    // Idle connections should not keep a large message's buffer.
    if (buffer_.capacity() > tuning::shrink_above) buffer_.shrink_to_fit();
    do_read();
  }

  void do_write() {
    writing_ = true;
    const auto& p = queue_.front();
    auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); };
    if (p.binary) {
      ws_.binary(true);
      ws_.async_write(net::buffer(p.view()), std::move(done));
    } else {
      ws_.text(true);
      const std::array<net::const_buffer, 2> buffers{net::buffer(type_chars.data() + static_cast<int>(p.type), 1),
                                                     net::buffer(p.view())};
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
    link_.drained(this);
  }

  void do_close() {
    if (closed_) return;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
  }

  server_state& server_;
  shard& home_;
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  request accept_request_;
  std::string error_response_;
  ws_session_link link_;
  std::deque<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace

void start_beast_websocket(server_state& server, shard& home, tcp_socket stream, request req, ws_target target) {
  run_websocket<beast_ws_connection>(server, home, std::move(stream), std::move(req), std::move(target));
}

void start_beast_websocket(server_state& server, shard& home, tls_stream stream, request req, ws_target target) {
  run_websocket<beast_ws_connection>(server, home, std::move(stream), std::move(req), std::move(target));
}

}  // namespace sockio::engine::detail
