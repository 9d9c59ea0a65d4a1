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
  return request_of(*this).headers();
}

std::optional<std::string_view> handshake::header(std::string_view name) const {
  return request_of(*this).header(name);
}

json handshake::query() const {
  json q = json::object();
  for (auto& [key, value] : request_of(*this).query_params()) q[key] = std::move(value);
  return q;
}

std::string_view handshake::url() const noexcept {
  return request_of(*this).url();
}
std::string_view handshake::address() const noexcept {
  return request_of(*this).remote_address();
}
bool handshake::secure() const noexcept {
  return request_of(*this).secure();
}
bool handshake::xdomain() const noexcept {
  return header("origin").has_value();
}

const json& handshake::auth() const noexcept {
  static const json empty = json::object();
  return auth_.is_object() ? auth_ : empty;
}

void handshake::set_auth(json payload) {
  if (payload.is_object() && !payload.empty()) {
    auth_ = std::move(payload);
  } else {
    auth_ = nullptr;
  }
}

std::string handshake::time() const {
  const std::time_t t = static_cast<std::time_t>(issued / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
  return buf;
}

json to_json(const handshake& hs) {
  json headers = json::object();
  for (const auto& [name, value] : hs.headers()) {
    auto& field = headers[std::string(name)];
    if (field.is_string()) {
      field = field.get<std::string>() + ", " + std::string(value);
    } else {
      field = std::string(value);
    }
  }
  return json{{"headers", std::move(headers)},
              {"time", hs.time()},
              {"address", hs.address()},
              {"xdomain", hs.xdomain()},
              {"secure", hs.secure()},
              {"issued", hs.issued},
              {"url", hs.url()},
              {"query", hs.query()},
              {"auth", hs.auth()}};
}

handshake handshake_from_json(const json& j) {
  handshake hs;
  if (!j.is_object()) return hs;
  const auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view();
  };
  const auto secure = j.find("secure");
  auto request = std::make_shared<engine::request_info>(
      "GET", text("url"), text("address"), 0, secure != j.end() && secure->is_boolean() && secure->get<bool>());
  if (const auto it = j.find("headers"); it != j.end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) {
      if (value.is_string()) request->add_header(name, value.get_ref<const std::string&>());
    }
  }
  hs.request = std::move(request);
  if (const auto it = j.find("auth"); it != j.end()) hs.set_auth(*it);
  if (const auto it = j.find("issued"); it != j.end() && it->is_number()) hs.issued = it->get<std::int64_t>();
  return hs;
}

}  // namespace sockio::sio
