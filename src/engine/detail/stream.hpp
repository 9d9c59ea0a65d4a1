// The two kinds of stream a connection runs on: plain TCP and TLS over TCP.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <type_traits>

namespace sockio::engine::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
/// A connection's TCP socket, bound to its shard's `io_context`: its executor is one
/// pointer instead of the type-erased `any_io_executor`, which makes the socket and every
/// operation waiting on it smaller (an idle connection holds both).
using tcp_socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;
using tls_stream = net::ssl::stream<tcp_socket>;

/// Connections are class templates over the stream, instantiated for both kinds in their
/// own .cpp; other files reach them through overloaded factories (as Beast's
/// advanced_server_flex does).
template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

/// The TCP socket under a stream.
inline tcp_socket& lowest(tcp_socket& s) {
  return s;
}
inline tcp_socket& lowest(tls_stream& s) {
  return s.next_layer();
}

/// Shuts both directions of `socket` and closes it, ignoring errors (the peer may be gone).
inline void shut_and_close(tcp_socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp_socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace sockio::engine::detail
