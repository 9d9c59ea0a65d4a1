// The HTTP request as Beast parses it, and what the engine derives from it.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sockio/engine/server.hpp"
#include "stream.hpp"

namespace sockio::engine::detail {

namespace beast = boost::beast;
namespace http = beast::http;

/// A request with its body (polling POSTs, the application's requests, upgrades).
using request = http::request<http::string_body>;

/// The engine's copy of a request's method, target, header fields and peer address.
request_info make_request_info(const http::request_header<>& req, const tcp_socket& socket, bool secure);

/// Adds the CORS header fields of the npm `cors` package's behaviour to `res`;
/// `preflight` for the answer to an OPTIONS request.
void apply_cors(const cors_options& cors, const http::request_header<>& req, http::response<http::string_body>& res,
                bool preflight);

}  // namespace sockio::engine::detail
