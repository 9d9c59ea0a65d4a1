// The two kinds of stream a connection runs on: plain TCP and TLS over TCP.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <type_traits>

namespace sockio::engine::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using tls_stream = net::ssl::stream<tcp::socket>;

/// Connections are class templates over the stream, instantiated for both kinds in their
/// own .cpp; other files reach them through overloaded factories (as Beast's
/// advanced_server_flex does).
template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

/// The TCP socket under a stream.
inline tcp::socket& lowest(tcp::socket& s) {
  return s;
}
inline tcp::socket& lowest(tls_stream& s) {
  return s.next_layer();
}

/// Shuts both directions of `socket` and closes it, ignoring errors (the peer may be gone).
inline void shut_and_close(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace sockio::engine::detail
