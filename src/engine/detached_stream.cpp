#include "detail/detached_stream.hpp"

#include <unistd.h>

#include <utility>

namespace sockio::engine::detail {

std::optional<detached_stream> detached_stream::release(tcp_socket& socket) {
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return std::nullopt;
  const int fd = socket.release(ec);
  if (ec) return std::nullopt;
  return detached_stream(protocol, fd, nullptr);
}

std::optional<detached_stream> detached_stream::release(tls_stream& stream) {
  boost::system::error_code ec;
  const auto protocol = stream.next_layer().local_endpoint(ec).protocol();
  if (ec) return std::nullopt;
  tls_stream old(std::move(stream));
  SSL* ssl = old.native_handle();
  SSL_up_ref(ssl);
  const int fd = old.next_layer().release(ec);
  if (ec) {
    SSL_free(ssl);
    return std::nullopt;
  }
  return detached_stream(protocol, fd, ssl);
}

detached_stream::detached_stream(detached_stream&& other) noexcept
    : protocol_(other.protocol_), fd_(std::exchange(other.fd_, -1)), ssl_(std::exchange(other.ssl_, nullptr)) {}

detached_stream::~detached_stream() {
  if (fd_ >= 0) ::close(fd_);
  if (ssl_) SSL_free(ssl_);
}

std::optional<tcp_socket> detached_stream::attach(net::io_context& context) {
  tcp_socket socket(context);
  boost::system::error_code ec;
  socket.assign(protocol_, fd_, ec);
  if (ec) return std::nullopt;
  fd_ = -1;
  return socket;
}

std::optional<tls_stream> detached_stream::attach_tls(net::io_context& context) {
  auto socket = attach(context);
  if (!socket) return std::nullopt;
  return tls_stream(std::move(*socket), std::exchange(ssl_, nullptr));
}

}  // namespace sockio::engine::detail
