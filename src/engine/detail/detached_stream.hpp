// A connection's stream between two shards: detached from one event loop, attached to another.
#pragma once

#include <openssl/ssl.h>

#include <optional>

#include "stream.hpp"

namespace sockio::engine::detail {

/// A stream detached from its shard's event loop: the socket's descriptor and, with TLS,
/// the SSL session (its state carries over; no TLS data is pending between an upgrade
/// request and its answer). Owns both until attached.
class detached_stream {
 public:
  /// Detaches `socket` from its loop; nullopt if it cannot be (it is then unusable).
  static std::optional<detached_stream> release(tcp_socket& socket);
  /// Detaches `stream`: the SSL object outlives it (one more reference), while the stream,
  /// and with it its half of the BIO pair, is destroyed here, on its own thread.
  static std::optional<detached_stream> release(tls_stream& stream);

  detached_stream(detached_stream&& other) noexcept;
  detached_stream& operator=(detached_stream&&) = delete;
  ~detached_stream();

  /// The stream on `context`'s loop (call on that loop's thread), or nullopt.
  std::optional<tcp_socket> attach(net::io_context& context);
  std::optional<tls_stream> attach_tls(net::io_context& context);

 private:
  detached_stream(tcp_socket::protocol_type p, int fd, SSL* ssl) : protocol_(p), fd_(fd), ssl_(ssl) {}

  tcp_socket::protocol_type protocol_;
  int fd_;
  SSL* ssl_ = nullptr;
};

}  // namespace sockio::engine::detail
