#include "detail/http_request.hpp"

namespace sockio::engine::detail {

request_info make_request_info(const http::request_header<>& req, const tcp_socket& socket, bool secure) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string address = ec ? std::string() : remote.address().to_string();
  request_info info(req.method_string(), req.target(), address, ec ? 0 : remote.port(), secure);
  std::size_t bytes = 0, fields = 0;
  for (const auto& field : req) {
    bytes += field.name_string().size() + field.value().size();
    ++fields;
  }
  info.reserve_headers(bytes, fields);
  for (const auto& field : req) info.add_header(field.name_string(), field.value());
  return info;
}

}  // namespace sockio::engine::detail
