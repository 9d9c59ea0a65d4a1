#include "detail/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ssl/stream.hpp>

#include "detail/http_connection.hpp"

namespace sockio::engine::detail {

std::error_code listener::listen(std::string_view address, std::uint16_t port) {
  namespace net = boost::asio;
  boost::system::error_code ec;
  if (const auto& tls = server_.options.tls) {
    tls_ = make_tls_context(*tls, ec);
    if (ec) return ec;
  }
  const auto addr = net::ip::make_address(address, ec);
  if (ec) return ec;
  const tcp::endpoint endpoint(addr, port);
  acceptor_.emplace(server_.shards[0]->context());
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

void listener::close() {
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
  }
  if (retry_timer_) retry_timer_->cancel();
}

void listener::do_accept() {
  auto& target = *server_.shards[next_shard_++ % server_.shards.size()];
  acceptor_->async_accept(target.context(), [this, &target](boost::system::error_code ec, tcp_socket socket) {
    on_accept(target, ec, std::move(socket));
  });
}

void listener::on_accept(shard& target, boost::system::error_code ec, tcp_socket socket) {
  namespace net = boost::asio;
  if (ec == net::error::operation_aborted || !acceptor_ || !acceptor_->is_open()) return;
  if (ec) {
    spdlog::warn("engine: accept failed: {}", ec.message());
    retry_timer_.emplace(server_.shards[0]->context(), tuning::accept_retry);
    retry_timer_->async_wait([this](boost::system::error_code e) {
      if (!e && acceptor_ && acceptor_->is_open()) do_accept();
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls_) {
    start_http_connection(server_, target, tls_stream(std::move(socket), *tls_));
  } else {
    start_http_connection(server_, target, std::move(socket));
  }
  do_accept();
}

}  // namespace sockio::engine::detail
