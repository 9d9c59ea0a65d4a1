// The listening socket: accepts connections and deals them out to the shards.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

#include "server_state.hpp"
#include "stream.hpp"

namespace sockio::engine::detail {

/// Binds, listens and accepts on shard 0's loop; each accepted connection goes to the
/// next shard in turn (round-robin) and starts there. A failed accept (typically: out of
/// file descriptors) backs off instead of spinning.
class listener {
 public:
  explicit listener(server_state& server) : server_(server) {}

  /// Binds `address:port` (port 0: any free one) and starts accepting; with the server's
  /// TLS options, connections speak TLS. Errors: bad address, bind/listen failures,
  /// unreadable certificate or key.
  std::error_code listen(std::string_view address, std::uint16_t port);
  std::uint16_t port() const noexcept { return port_; }
  /// Stops accepting (on shard 0's thread, or once the loops are stopped).
  void close();

 private:
  void do_accept();
  void on_accept(shard& target, boost::system::error_code ec, tcp_socket socket);

  server_state& server_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // with options.tls
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<boost::asio::steady_timer> retry_timer_;
  std::size_t next_shard_ = 0;
  std::uint16_t port_ = 0;
};

/// A server TLS context for `tls` (TLS 1.2 and later); sets `ec` on a bad certificate or key.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const tls_options& tls, boost::system::error_code& ec);

}  // namespace sockio::engine::detail
