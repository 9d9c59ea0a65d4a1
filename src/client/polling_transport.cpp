// HTTP long-polling, client side: one kept-alive connection for the GETs, one for the
// POSTs; packets queued while a POST is in flight leave together in the next one.
#include <algorithm>

#include "detail/http_exchange.hpp"
#include "detail/transport.hpp"
#include "sockio/client/error.hpp"

namespace sockio::client::detail {

namespace {

class polling_transport final : public transport, public std::enable_shared_from_this<polling_transport> {
 public:
  explicit polling_transport(std::shared_ptr<connection_context> ctx)
      : ctx_(ctx), get_(std::make_shared<http_exchange>(ctx)), post_(std::make_shared<http_exchange>(ctx)) {}

  const char* name() const noexcept override { return "polling"; }

  void open(std::string sid) override {
    sid_ = std::move(sid);
    if (events_.on_open) events_.on_open();
    if (phase_ != phase::stopped) do_poll();
  }
  void set_sid(std::string sid) override { sid_ = std::move(sid); }

  void send(std::vector<engine::packet> packets) override {
    std::move(packets.begin(), packets.end(), std::back_inserter(pending_));
    if (!posting_) do_post();
  }
  bool writable() const noexcept override { return !posting_ && phase_ <= phase::paused; }

  void pause(std::function<void()> done) override {
    if (phase_ != phase::running) return;
    phase_ = phase::paused;
    on_paused_ = std::move(done);
    check_paused();
  }

  void resume() override {
    if (phase_ != phase::paused) return;
    phase_ = phase::running;
    on_paused_ = nullptr;
    if (!polling_) do_poll();
  }

  void close() override {
    if (phase_ >= phase::closing) return;
    // What is queued leaves first, then the close packet that ends the session on the
    // server; nothing is reported after it.
    pending_.push_back(engine::packet{engine::packet_type::close, {}, false});
    phase_ = phase::closing;
    closing_self_ = shared_from_this();  // until the close packet is out (or abort())
    if (!posting_) do_post();
    get_->close();
    silence();
  }

  void abort() override {
    phase_ = phase::stopped;
    silence();
    get_->close();
    post_->close();
    auto keep = std::move(closing_self_);
  }

  /// The server's limit on one POST, from the open packet.
  void set_max_payload(std::uint64_t n) override { max_payload_ = n; }

 private:
  void silence() { events_ = {}; }

  void do_poll() {
    polling_ = true;
    get_->request(
        "GET " + ctx_->target("polling", sid_) + " HTTP/1.1", {},
        [weak = weak_from_this()](std::error_code ec, std::string description, unsigned status, std::string body) {
          // Weak: the transport owns the exchange, whose pending request holds this.
          auto self = weak.lock();
          if (!self) return;
          self->polling_ = false;
          if (self->phase_ >= phase::closing) return;
          if (ec || status != 200) {
            return self->error(errc::poll_error, ec ? description : "HTTP " + std::to_string(status) + " " + body);
          }
          std::vector<engine::packet> packets;
          if (engine::decode_payload(body, packets)) return self->error(errc::parse_error, "bad payload");
          for (auto& p : packets) {
            if (p.type == engine::packet_type::close) {
              auto on_close = self->events_.on_close;
              self->abort();
              if (on_close) on_close("transport closed by the server");
              return;
            }
            if (self->events_.on_packet) self->events_.on_packet(std::move(p));
            if (self->phase_ >= phase::closing) return;
          }
          if (self->phase_ == phase::paused) return self->check_paused();
          self->do_poll();
        });
  }

  void do_post() {
    if (pending_.empty()) return;
    // As many packets as the server's maxPayload allows in one POST (at least one).
    std::vector<engine::packet_view> views;
    std::size_t size = 0, taken = 0;
    for (const auto& p : pending_) {
      const auto n = p.data.size() + (p.binary ? p.data.size() / 3 + 4 : 2);
      if (taken > 0 && size + n > max_payload_) break;
      views.push_back({p.type, p.data, p.binary});
      size += n;
      ++taken;
    }
    std::string body;
    engine::encode_payload(views, body);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken));
    posting_ = true;
    const auto length = std::to_string(body.size());
    post_->request(
        "POST " + ctx_->target("polling", sid_) +
            " HTTP/1.1\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: " + length,
        std::move(body),
        [weak = weak_from_this()](std::error_code ec, std::string description, unsigned status, std::string) {
          auto self = weak.lock();
          if (!self) return;
          self->posting_ = false;
          if (self->phase_ == phase::closing) {
            if (!self->pending_.empty()) return self->do_post();
            self->phase_ = phase::stopped;
            self->post_->close();
            self->closing_self_.reset();
            return;
          }
          if (self->phase_ == phase::stopped) return;
          if (ec || status != 200) {
            return self->error(errc::post_error, ec ? description : "HTTP " + std::to_string(status));
          }
          if (!self->pending_.empty()) return self->do_post();
          if (self->events_.on_drain) self->events_.on_drain();
          if (self->phase_ == phase::paused) self->check_paused();
        });
  }

  void check_paused() {
    if (phase_ == phase::paused && !polling_ && !posting_ && on_paused_) {
      auto done = std::move(on_paused_);
      done();
    }
  }

  void error(errc which, std::string description) {
    auto on_error = events_.on_error;
    abort();
    if (on_error) on_error(make_error_code(which), std::move(description));
  }

  std::shared_ptr<connection_context> ctx_;
  std::shared_ptr<http_exchange> get_;
  std::shared_ptr<http_exchange> post_;
  std::string sid_;
  std::vector<engine::packet> pending_;
  std::function<void()> on_paused_;
  std::uint64_t max_payload_ = 1'000'000;
  /// running ──pause()──▶ paused ──resume()──▶ running
  /// running/paused ──close()──▶ closing ──last POST done──▶ stopped
  /// (abort(), a failure or the server's close packet: stopped at once)
  enum class phase { running, paused, closing, stopped };
  phase phase_ = phase::running;
  std::shared_ptr<polling_transport> closing_self_;
  bool polling_ = false;  // a GET in flight
  bool posting_ = false;  // a POST in flight
};

}  // namespace

std::shared_ptr<transport> make_polling_transport(std::shared_ptr<connection_context> ctx) {
  return std::make_shared<polling_transport>(std::move(ctx));
}

}  // namespace sockio::client::detail
