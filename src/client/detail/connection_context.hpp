// What every HTTP request and WebSocket of one manager shares: the loop, the server's
// address, the TLS context, the cookies, the options.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "detail/client_stream.hpp"
#include "detail/client_url.hpp"
#include "detail/cookie_jar.hpp"
#include "sockio/client/options.hpp"

namespace sockio::client::detail {

/// Shared by a manager's transports; lives on the manager's loop.
struct connection_context {
  /// Throws `std::invalid_argument` for a URL, a proxy or TLS files that cannot be used.
  connection_context(boost::asio::any_io_executor executor, const std::string& url, options opts);

  boost::asio::any_io_executor executor;
  client_url url;
  options opts;
  std::optional<client_url> proxy;
  std::optional<boost::asio::ssl::context> tls;  // for https / wss only
  cookie_jar cookies;
  /// Set once a connection of this manager upgraded to WebSocket (`remember_upgrade`).
  bool prior_websocket_success = false;

  /// The request target for the Engine.IO endpoint with `transport` and `sid` (may be empty).
  std::string target(std::string_view transport, std::string_view sid) const;
  /// The request's common header lines (Host, extra headers, Cookie), each ending in CRLF.
  std::string common_headers() const;
  /// Reads the `Set-Cookie` headers of an answer (when `with_credentials`).
  void take_cookie(std::string_view set_cookie);
};

using stream_handler = std::function<void(std::error_code, std::string description, std::shared_ptr<client_stream>)>;

/// Opens a stream to the manager's server: resolve, connect (through the proxy with
/// CONNECT when there is one), TLS handshake with certificate and host-name checks.
/// `done` runs on the context's executor.
void open_stream(const std::shared_ptr<connection_context>& ctx, stream_handler done);

}  // namespace sockio::client::detail
