#include "stream_opener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/connect.hpp>

namespace sockio::redis::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// TCP keepalive after 15 s of silence, then a probe every 5 s, 3 unanswered: a Redis
/// that vanished without closing (a dead host, a dropped route) is noticed within 30 s,
/// and what waits on it fails instead of hanging.
void keep_alive(tcp::socket& s) {
  boost::system::error_code ignored;
  s.set_option(asio::socket_base::keep_alive(true), ignored);
  const int fd = s.native_handle();
  const int idle = 15, interval = 5, count = 3;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

/// Forgets `what` if it still names `mine` (a later open may have replaced it).
template <class T>
void forget(std::weak_ptr<T>& what, const std::shared_ptr<T>& mine) {
  if (what.lock() == mine) what.reset();
}

}  // namespace

stream_opener::stream_opener(asio::any_io_executor executor, const url& endpoint, std::string tls_ca_file)
    : executor_(std::move(executor)), endpoint_(endpoint), tls_ca_file_(std::move(tls_ca_file)), resolver_(executor_) {}

void stream_opener::open(handler done) {
  const auto attempt = attempt_;
  if (endpoint_.kind == url::scheme::unix_socket) {
    auto s = std::make_shared<redis_stream::unix_socket>(executor_);
    connecting_unix_ = s;
    s->async_connect(asio::local::stream_protocol::endpoint(endpoint_.path),
                     [this, s, done = std::move(done)](boost::system::error_code ec) {
                       forget(connecting_unix_, s);
                       if (ec) return done(ec, nullptr);
                       done({}, std::make_shared<redis_stream>(std::move(*s)));
                     });
    return;
  }
  resolver_.async_resolve(
      endpoint_.host, std::to_string(endpoint_.port),
      [this, attempt, done = std::move(done)](boost::system::error_code ec,
                                              tcp::resolver::results_type results) mutable {
        if (ec) return done(ec, nullptr);
        if (attempt != attempt_) return done(make_error_code(std::errc::operation_canceled), nullptr);
        auto s = std::make_shared<tcp::socket>(executor_);
        connecting_ = s;
        asio::async_connect(
            *s, results, [this, s, attempt, done = std::move(done)](boost::system::error_code ec, const auto&) mutable {
              forget(connecting_, s);
              if (ec) return done(ec, nullptr);
              if (attempt != attempt_) {
                return done(make_error_code(std::errc::operation_canceled), nullptr);
              }
              s->set_option(tcp::no_delay(true), ec);
              keep_alive(*s);
              on_tcp_connected(std::move(*s), std::move(done));
            });
      });
}

void stream_opener::on_tcp_connected(tcp::socket s, handler done) {
  if (endpoint_.kind != url::scheme::tls) return done({}, std::make_shared<redis_stream>(std::move(s)));
  if (!tls_context_) {
    // Kept only once complete: a context whose CAs failed to load must not be reused
    // (it would verify nothing).
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    if (tls_ca_file_.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(tls_ca_file_, ec);
    }
    if (ec) return done(ec, nullptr);
    tls_context_ = std::move(ctx);
  }
  auto st = std::make_shared<redis_stream>(std::move(s), *tls_context_);
  auto* tls = st->as_tls();
  tls->set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
  SSL_set_tlsext_host_name(tls->native_handle(), endpoint_.host.c_str());
  handshaking_ = st;
  tls->async_handshake(asio::ssl::stream_base::client,
                       [this, st, done = std::move(done)](boost::system::error_code ec) {
                         if (handshaking_ == st) handshaking_.reset();
                         if (ec) return done(ec, nullptr);
                         done({}, st);
                       });
}

void stream_opener::cancel() {
  ++attempt_;  // a step that completed before the cancellation goes no further
  boost::system::error_code ignored;
  resolver_.cancel();
  if (auto s = connecting_.lock()) s->close(ignored);
  if (auto s = connecting_unix_.lock()) s->close(ignored);
  if (handshaking_) handshaking_->close();
  handshaking_.reset();
}

}  // namespace sockio::redis::detail
