// The byte stream under a Redis connection: TCP, TLS over TCP, or a Unix socket.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <variant>

namespace sockio::redis::detail {

/// One of the three streams a Redis URL names, with the operations the connection needs.
class redis_stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using tls = boost::asio::ssl::stream<tcp::socket>;
  using unix_socket = boost::asio::local::stream_protocol::socket;

  explicit redis_stream(tcp::socket s) : stream_(std::move(s)) {}
  redis_stream(tcp::socket s, boost::asio::ssl::context& ctx) : stream_(std::in_place_type<tls>, std::move(s), ctx) {}
  explicit redis_stream(unix_socket s) : stream_(std::move(s)) {}

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { s.async_read_some(buffers, std::forward<Handler>(handler)); }, stream_);
  }
  template <class Buffers, class Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { boost::asio::async_write(s, buffers, std::forward<Handler>(handler)); }, stream_);
  }
  /// Closes the socket at once (no TLS close_notify: the connection is being dropped).
  void close() {
    boost::system::error_code ignored;
    std::visit(
        [&](auto& s) {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tls>) {
            s.lowest_layer().close(ignored);
          } else {
            s.close(ignored);
          }
        },
        stream_);
  }
  tls* as_tls() noexcept { return std::get_if<tls>(&stream_); }

 private:
  std::variant<tcp::socket, tls, unix_socket> stream_;
};

}  // namespace sockio::redis::detail
