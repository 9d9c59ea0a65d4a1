// Opens the byte stream a Redis URL names.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "redis_stream.hpp"
#include "sockio/redis/url.hpp"

namespace sockio::redis::detail {

/// Opens streams to one endpoint: a Unix socket, TCP (no delay, keepalive), or TLS over
/// TCP with the server's certificate and host name verified. One open at a time; its
/// owner keeps the opener alive until the handler ran (the handler may hold the owner).
class stream_opener {
 public:
  using handler = std::function<void(std::error_code, std::shared_ptr<redis_stream>)>;

  /// `tls_ca_file`: PEM file of the authorities to trust (rediss://); empty: the system's.
  stream_opener(boost::asio::any_io_executor executor, const url& endpoint, std::string tls_ca_file);

  /// Opens a stream; `done` runs on the executor with it or with the error. After
  /// `cancel()`, it runs with an error (or not at all when the open already completed).
  void open(handler done);
  /// Stops the open in flight, if any: resolving, connecting or the TLS handshake.
  void cancel();

 private:
  void on_tcp_connected(boost::asio::ip::tcp::socket s, handler done);

  boost::asio::any_io_executor executor_;
  const url& endpoint_;
  std::string tls_ca_file_;
  boost::asio::ip::tcp::resolver resolver_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;  // before the streams that use it
  std::weak_ptr<boost::asio::ip::tcp::socket> connecting_;
  std::weak_ptr<redis_stream::unix_socket> connecting_unix_;
  std::shared_ptr<redis_stream> handshaking_;
  std::uint64_t attempt_ = 0;  // bumped by cancel(): the steps of an older open stop
};

}  // namespace sockio::redis::detail
