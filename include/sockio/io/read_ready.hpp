// Reading what a socket already holds, after a readiness wait, without blocking.
// Header-only over Asio (target sockio::io): shared by the engine, the client and the bench.
#pragma once

#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstddef>

namespace sockio::io {

/// Reads what `socket` holds now (up to `size` bytes) into `data`; `ec` is
/// `would_block` when nothing is there and `eof` when the peer has closed.
///
/// The socket is left in blocking mode on purpose: with Asio's io_uring backend
/// (`SOCKIO_IO_URING`), writes on a blocking socket are submitted to the ring and leave
/// in one `io_uring_enter` per loop turn for all connections, whereas a non-blocking
/// socket makes Asio write with one `sendmsg` each. `MSG_DONTWAIT` makes this one read
/// non-blocking under either backend.
template <class Executor>
std::size_t read_ready(boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>& socket, void* data,
                       std::size_t size, boost::system::error_code& ec) {
  for (;;) {
    const auto n = ::recv(socket.native_handle(), data, size, MSG_DONTWAIT);
    if (n > 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (n == 0) {
      ec = boost::asio::error::eof;
      return 0;
    }
    if (errno != EINTR) {
      ec.assign(errno, boost::system::system_category());
      return 0;
    }
  }
}

}  // namespace sockio::io
