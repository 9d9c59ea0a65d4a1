// The byte stream under a client connection: TCP, or TLS over TCP.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <variant>

namespace sockio::client::detail {

/// A TCP or TLS stream with the operations Beast's HTTP reader and the transports need.
class client_stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using tls = boost::asio::ssl::stream<tcp::socket>;
  using executor_type = tcp::socket::executor_type;

  explicit client_stream(tcp::socket s) : stream_(std::move(s)) {}
  explicit client_stream(tls s) : stream_(std::move(s)) {}

  executor_type get_executor() { return socket().get_executor(); }
  tcp::socket& socket() noexcept {
    if (auto* t = std::get_if<tls>(&stream_)) return t->next_layer();
    return std::get<tcp::socket>(stream_);
  }
  tls* as_tls() noexcept { return std::get_if<tls>(&stream_); }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { s.async_read_some(buffers, std::forward<Handler>(handler)); }, stream_);
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { s.async_write_some(buffers, std::forward<Handler>(handler)); }, stream_);
  }
  /// Closes the socket at once.
  void close() noexcept {
    boost::system::error_code ignored;
    socket().close(ignored);
  }

 private:
  std::variant<tcp::socket, tls> stream_;
};

}  // namespace sockio::client::detail
