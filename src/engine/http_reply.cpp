#include "detail/http_reply.hpp"

#include <boost/beast/http/status.hpp>
#include <cstdio>

namespace sockio::engine::detail {

http_reply http_reply::text(unsigned status, std::string body) {
  return http_reply{status, "text/plain; charset=UTF-8", std::move(body)};
}

http_reply http_reply::json(unsigned status, std::string body) {
  return http_reply{status, "application/json", std::move(body)};
}

http_reply http_reply::empty(unsigned status) {
  return http_reply{status, "", ""};
}

std::string http_reply::to_wire() const {
  namespace http = boost::beast::http;
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " +
                     std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\r\n";
  if (!content_type.empty()) text += "Content-Type: " + content_type + "\r\n";
  text += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  return text + "\r\n" + body;
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

http_reply error_reply(errc e, std::string_view message) {
  const int code = handshake_error_code(e);
  const auto text = message.empty() ? handshake_error_message(e) : message;
  return http_reply::json(e == errc::forbidden ? 403u : 400u,
                          "{\"code\":" + std::to_string(code) + ",\"message\":" + json_quote(text) + "}");
}

}  // namespace sockio::engine::detail
