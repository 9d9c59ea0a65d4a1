// WebSocket, client side, with sockio's own framing (sockio/codec/ws, client role):
// masked frames, fragmented messages reassembled, pings answered, the close handshake.
// Idle plain-TCP connections hold no read buffer: they wait for readability and read
// into the thread's scratch buffer.
#include <openssl/rand.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cctype>

#include "detail/transport.hpp"
#include "sockio/client/error.hpp"
#include "sockio/codec/ws/frame_reader.hpp"
#include "sockio/codec/ws/handshake.hpp"
#include "sockio/io/read_ready.hpp"

namespace sockio::client::detail {

namespace {

namespace asio = boost::asio;

constexpr std::size_t max_handshake_answer = 16384;
constexpr std::size_t tls_read_buffer = 16384;
constexpr std::size_t small_buffer = 1024;

/// The value of header `name` in an HTTP answer's head (case-insensitive), each one.
template <class F>
void for_each_header(std::string_view head, std::string_view name, F&& f) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const auto start = pos + 2;
    const auto end = head.find("\r\n", start);
    const auto line = head.substr(start, end - start);
    const auto colon = line.find(':');
    if (colon == name.size() && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      f(value);
    }
    pos = end;
  }
}

/// A frame's masking key, from a strong source as RFC 6455 (section 10.3) requires: OpenSSL's
/// generator, drawn 1 KiB at a time per thread (one RAND_bytes call per frame cost ~15 % of
/// a client's CPU per ack).
ws::mask_key next_mask_key() {
  thread_local std::array<std::uint8_t, 1024> pool;
  thread_local std::size_t used = pool.size();
  if (used == pool.size()) {
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) return ws::make_mask_key();
    used = 0;
  }
  ws::mask_key key;
  std::copy_n(pool.begin() + static_cast<std::ptrdiff_t>(used), key.size(), key.begin());
  used += key.size();
  return key;
}

std::string& scratch() {
  thread_local std::string buffer(64 * 1024, '\0');
  return buffer;
}

class websocket_transport final : public transport, public std::enable_shared_from_this<websocket_transport> {
 public:
  explicit websocket_transport(std::shared_ptr<connection_context> ctx)
      : ctx_(std::move(ctx)), reader_(ws::role::client, ctx_->opts.max_message_size) {}

  const char* name() const noexcept override { return "websocket"; }
  void set_sid(std::string) override {}

  void open(std::string sid) override {
    open_stream(ctx_, [self = shared_from_this(), sid = std::move(sid)](std::error_code ec, std::string description,
                                                                        std::shared_ptr<client_stream> s) {
      if (self->phase_ == phase::closed) return;
      if (ec) return self->fail(make_error_code(errc::websocket_error), std::move(description));
      self->stream_ = std::move(s);
      self->do_handshake(sid);
    });
  }

  void send(std::vector<engine::packet> packets) override {
    if (phase_ != phase::open) return;
    for (const auto& p : packets) {
      if (p.binary) {
        frame(ws::opcode::binary, {}, p.data);
      } else {
        const char type = engine::type_char(p.type);
        frame(ws::opcode::text, std::string_view(&type, 1), p.data);
      }
    }
    do_write();
  }
  bool writable() const noexcept override { return phase_ == phase::open && writing_.empty(); }

  void close() override {
    if (phase_ != phase::open) return abort();
    events_ = {};
    close_frame(ws::normal);
  }

  void abort() override {
    phase_ = phase::closed;
    events_ = {};
    if (stream_) stream_->close();
  }

 private:
  /// connecting ──101──▶ open ──close frame sent──▶ closing ──written──▶ closed
  /// (any failure, or `abort()`, goes to closed at once)
  enum class phase { connecting, open, closing, closed };

  void do_handshake(const std::string& sid) {
    key_ = ws::make_client_key();
    out_ = "GET " + ctx_->target("websocket", sid) + " HTTP/1.1\r\n" + ctx_->common_headers() +
           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key_ +
           "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    asio::async_write(*stream_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (self->phase_ == phase::closed) return;
                        if (ec) return self->fail(make_error_code(errc::websocket_error), ec.message());
                        self->out_.clear();
                        asio::async_read_until(
                            *self->stream_, asio::dynamic_buffer(self->in_, max_handshake_answer), "\r\n\r\n",
                            [self](boost::system::error_code ec, std::size_t size) { self->on_handshake(ec, size); });
                      });
  }

  void on_handshake(boost::system::error_code ec, std::size_t head_size) {
    if (phase_ == phase::closed) return;
    if (ec) return fail(make_error_code(errc::websocket_error), ec.message());
    const std::string_view head(in_.data(), head_size);
    // "HTTP/1.1 101 Switching Protocols"
    const auto status = head.substr(0, head.find("\r\n"));
    if (status.size() < 12 || status.substr(9, 3) != "101") {
      return fail(make_error_code(errc::websocket_error),
                  "Unexpected server response: " + std::string(status.size() >= 12 ? status.substr(9, 3) : status));
    }
    bool accepted = false;
    for_each_header(head, "sec-websocket-accept", [&](std::string_view v) { accepted = v == ws::accept_key(key_); });
    if (!accepted) return fail(make_error_code(errc::websocket_error), "Invalid Sec-WebSocket-Accept header");
    for_each_header(head, "set-cookie", [&](std::string_view v) { ctx_->take_cookie(v); });
    std::string rest = in_.substr(head_size);  // frames that came with the answer
    std::string().swap(in_);
    std::string().swap(key_);
    phase_ = phase::open;
    auto self = shared_from_this();
    if (events_.on_open) events_.on_open();
    if (!rest.empty() && !on_bytes(rest.data(), rest.size())) return;
    do_read();
  }

  void do_read() {
    if (phase_ == phase::closed) return;
    if (auto* tls = stream_->as_tls()) {
      if (tls_buffer_.empty()) tls_buffer_.resize(tls_read_buffer);
      tls->async_read_some(asio::buffer(tls_buffer_),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                             self->on_data(ec, self->tls_buffer_.data(), n);
                           });
      return;
    }
    stream_->socket().async_wait(
        asio::ip::tcp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
          if (ec) return self->on_data(ec, nullptr, 0);
          auto& buffer = scratch();
          const auto n = io::read_ready(self->stream_->socket(), buffer.data(), buffer.size(), ec);
          if (ec == asio::error::would_block || ec == asio::error::try_again) return self->do_read();
          self->on_data(ec, buffer.data(), n);
        });
  }

  void on_data(boost::system::error_code ec, char* data, std::size_t n) {
    if (phase_ == phase::closed) return;
    if (ec) {
      if (phase_ == phase::closing) return abort();
      return fail_closed(ec == asio::error::eof ? "websocket connection closed" : ec.message());
    }
    if (on_bytes(data, n)) do_read();
  }

  /// Feeds bytes to the frame reader; false once the transport is done.
  bool on_bytes(char* data, std::size_t n) {
    auto self = shared_from_this();  // a handler below may drop the engine's reference
    bool closed_by_server = false;
    const bool ok = reader_.feed(data, n, [&](const ws::event& e) {
      switch (e.op) {
        case ws::opcode::text: {
          engine::packet p;
          if (engine::decode_packet(e.data, p)) {
            fail(make_error_code(errc::parse_error), "bad Engine.IO packet");
            return false;
          }
          if (events_.on_packet) events_.on_packet(std::move(p));
          break;
        }
        case ws::opcode::binary:
          if (events_.on_packet)
            events_.on_packet(engine::packet{engine::packet_type::message, std::string(e.data), true});
          break;
        case ws::opcode::ping:
          frame(ws::opcode::pong, {}, e.data);
          do_write();
          break;
        case ws::opcode::close: closed_by_server = true; return false;
        default: break;
      }
      return phase_ == phase::open;
    });
    if (closed_by_server) {
      auto on_close = events_.on_close;
      close_frame(ws::normal);
      if (on_close) on_close("websocket connection closed");
      return false;
    }
    if (!ok && phase_ == phase::open) {
      const auto code = reader_.error();
      close_frame(code);
      auto on_error = events_.on_error;
      events_ = {};
      if (on_error) {
        on_error(make_error_code(code == ws::message_too_big ? errc::message_too_large : errc::websocket_error),
                 code == ws::message_too_big ? "message too large"
                                             : "bad WebSocket frame (close code " + std::to_string(code) + ")");
      }
      return false;
    }
    return ok;
  }

  /// Appends a masked frame of `prefix` + `payload` to the output.
  void frame(ws::opcode op, std::string_view prefix, std::string_view payload) {
    const auto key = next_mask_key();
    std::uint8_t header[ws::max_header_size];
    const auto size = ws::encode_header(header, op, prefix.size() + payload.size(), key);
    out_.append(reinterpret_cast<const char*>(header), size);
    const auto start = out_.size();
    out_.append(prefix);
    out_.append(payload);
    ws::apply_mask(out_.data() + start, out_.size() - start, key);
  }

  void close_frame(std::uint16_t code) {
    if (phase_ != phase::open) return;
    const char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    frame(ws::opcode::close, {}, std::string_view(payload, 2));
    phase_ = phase::closing;
    events_ = {};
    do_write();
  }

  void do_write() {
    if (!writing_.empty() || out_.empty() || phase_ == phase::closed) return;
    writing_.swap(out_);
    asio::async_write(*stream_, asio::buffer(writing_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_.clear();
                        if (self->phase_ == phase::closed) return;
                        if (ec) return self->fail(make_error_code(errc::websocket_error), ec.message());
                        // What was queued during this write (a close frame among it) goes next.
                        if (!self->out_.empty()) return self->do_write();
                        if (self->phase_ == phase::closing) {
                          // Our close frame is out: the server answers and closes; we do not wait for it.
                          return self->abort();
                        }
                        // Small buffers stay, so that a steady flow of small messages allocates
                        // nothing; a large one is given back.
                        if (self->writing_.capacity() > small_buffer) std::string().swap(self->writing_);
                        if (self->events_.on_drain) self->events_.on_drain();
                      });
  }

  void fail(std::error_code ec, std::string description) {
    auto on_error = events_.on_error;
    abort();
    if (on_error) on_error(ec, std::move(description));
  }
  /// The server went away without a close frame (or the socket broke).
  void fail_closed(std::string description) {
    auto on_close = events_.on_close;
    abort();
    if (on_close) on_close(std::move(description));
  }

  std::shared_ptr<connection_context> ctx_;
  std::shared_ptr<client_stream> stream_;
  ws::frame_reader reader_;
  std::string key_;
  std::string in_;   // the handshake's answer
  std::string out_;  // frames waiting to be written
  std::string writing_;
  std::string tls_buffer_;
  phase phase_ = phase::connecting;
};

}  // namespace

std::shared_ptr<transport> make_websocket_transport(std::shared_ptr<connection_context> ctx) {
  return std::make_shared<websocket_transport>(std::move(ctx));
}

}  // namespace sockio::client::detail
