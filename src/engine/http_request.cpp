#include "detail/http_request.hpp"

namespace sockio::engine::detail {

request_info make_request_info(const http::request_header<>& req, const tcp_socket& socket, bool secure) {
  request_info info;
  info.secure = secure;
  info.method = std::string(req.method_string());
  info.url = std::string(req.target());
  std::size_t bytes = 0, fields = 0;
  for (const auto& field : req) {
    bytes += field.name_string().size() + field.value().size();
    ++fields;
  }
  info.headers.reserve(bytes, fields);
  for (const auto& field : req) info.headers.add(field.name_string(), field.value());
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) {
    info.remote_address = remote.address().to_string();
    info.remote_port = remote.port();
  }
  return info;
}

}  // namespace sockio::engine::detail
