#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

#include "client.hpp"

namespace sockio::bench {
namespace {

namespace http = beast::http;

/// One Socket.IO client over HTTP long-polling only (the polling-echo scenario): one
/// kept-alive connection, closed loop: POST the event, then GET until its ack is in.
class polling_client final : public client, public std::enable_shared_from_this<polling_client> {
 public:
  polling_client(net::io_context& ioc, shared_state& shared, stats& st) : client(ioc, shared, st) {}

  void start(const tcp::endpoint& endpoint) override {
    socket_.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      self->request(http::verb::get, "", [self](const std::string& body) {
        const auto at = body.find("\"sid\":\"");
        if (!body.starts_with("0{") || at == std::string::npos) return self->fail("handshake: " + body.substr(0, 80));
        self->sid_ = body.substr(at + 7, body.find('"', at + 7) - at - 7);
        self->post("40", [self] { self->poll(); });
      });
    });
  }

 private:
  /// One request on the kept-alive connection; `then` gets the body of a 200 answer.
  void request(http::verb method, std::string body, std::function<void(const std::string&)> then) {
    req_ = {method, "/socket.io/?EIO=4&transport=polling" + (sid_.empty() ? "" : "&sid=" + sid_), 11};
    req_.set(http::field::host, shared_.opt.host);
    req_.body() = std::move(body);
    req_.prepare_payload();
    http::async_write(
        socket_, req_, [self = shared_from_this(), then = std::move(then)](beast::error_code ec, std::size_t) mutable {
          if (ec) return self->fail("write: " + ec.message());
          self->res_ = {};
          http::async_read(
              self->socket_, self->buffer_, self->res_,
              [self, then = std::move(then)](beast::error_code ec, std::size_t) {
                if (ec) return self->fail("read: " + ec.message());
                if (self->res_.result() != http::status::ok) {
                  return self->fail("HTTP " + std::to_string(self->res_.result_int()) + ": " + self->res_.body());
                }
                then(self->res_.body());
              });
        });
  }

  void post(std::string packets, std::function<void()> then) {
    request(http::verb::post, std::move(packets), [then = std::move(then)](const std::string&) { then(); });
  }

  /// GETs and handles the packets of the answer.
  void poll() {
    request(http::verb::get, "", [self = shared_from_this()](const std::string& body) {
      bool acked = false, pinged = false;
      for (std::size_t start = 0; start <= body.size();) {
        const auto end = std::min(body.find('\x1e', start), body.size());
        const std::string_view p(body.data() + start, end - start);
        if (p == "2") pinged = true;
        if (p.starts_with("40")) self->on_connected();
        if (p.starts_with("43")) acked = true;
        if (p == "1" || p.starts_with("44")) return self->fail("closed or refused: " + std::string(p));
        start = end + 1;
      }
      if (acked) self->on_ack();
      if (pinged) return self->post("3", [self] { self->next(); });
      self->next();
    });
  }

  void on_connected() {
    ++stats_.connected;
    ++shared_.ready;
    connected_ = true;
  }

  /// The next step of the loop: send an echo when none is out, else wait for its ack.
  void next() {
    if (shared_.done) return;
    if (!connected_ || shared_.opt.scenario != "polling-echo" || waiting_) return poll();
    waiting_ = true;
    sent_at_ = now_us();
    post("42" + std::to_string(++ack_id_) + "[\"echo\",\"" + payload_ + "\"]",
         [self = shared_from_this()] { self->poll(); });
  }

  void on_ack() {
    waiting_ = false;
    record_ack(sent_at_);
  }

  std::string sid_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  bool connected_ = false;
  bool waiting_ = false;
  std::uint64_t ack_id_ = 0;
  std::int64_t sent_at_ = 0;
};

}  // namespace

std::shared_ptr<client> make_polling_client(net::io_context& ioc, shared_state& shared, stats& st) {
  return std::make_shared<polling_client>(ioc, shared, st);
}

}  // namespace sockio::bench
