// A socket's handshake: derived from the Engine.IO session's request on demand.
#include <ctime>

#include "sockio/engine/server.hpp"
#include "sockio/sio/types.hpp"

namespace sockio::sio {

namespace {
const engine::request_info& request_of(const handshake& hs) noexcept {
  static const engine::request_info none;
  return hs.request ? *hs.request : none;
}
}  // namespace

const engine::header_fields& handshake::headers() const noexcept {
  return request_of(*this).headers;
}

std::optional<std::string_view> handshake::header(std::string_view name) const {
  return request_of(*this).header(name);
}

json handshake::query() const {
  json q = json::object();
  for (auto& [key, value] : request_of(*this).query_params()) q[key] = std::move(value);
  return q;
}

const std::string& handshake::url() const noexcept {
  return request_of(*this).url;
}
const std::string& handshake::address() const noexcept {
  return request_of(*this).remote_address;
}
bool handshake::secure() const noexcept {
  return request_of(*this).secure;
}
bool handshake::xdomain() const noexcept {
  return header("origin").has_value();
}

std::string handshake::time() const {
  const std::time_t t = static_cast<std::time_t>(issued / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
  return buf;
}

}  // namespace sockio::sio
