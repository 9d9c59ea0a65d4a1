#include "sockio/redis/url.hpp"

#include <charconv>
#include <stdexcept>

#include "sockio/codec/url.hpp"

namespace sockio::redis {

namespace {

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw std::invalid_argument("invalid Redis URL \"" + std::string(text) + "\": " + std::string(why));
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string url::redacted() const {
  switch (kind) {
    case scheme::unix_socket: return "unix://" + path;
    case scheme::tcp:
    case scheme::tls: break;
  }
  std::string out = kind == scheme::tls ? "rediss://" : "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  if (db != 0) out += "/" + std::to_string(db);
  return out;
}

url parse_url(std::string_view text) {
  url u;
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) fail(text, "expected redis://, rediss:// or unix://");
  const auto scheme = text.substr(0, colon);
  auto rest = text.substr(colon + 3);
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const auto db_from_query = [&] {
    for (const auto& [name, value] : codec::parse_query("?" + std::string(query))) {
      if (name == "db" && !parse_int(value, u.db)) fail(text, "db must be a number");
      if (name == "password") u.password = value;
    }
  };
  if (scheme == "unix") {
    u.kind = url::scheme::unix_socket;
    if (rest.empty() || rest.front() != '/') fail(text, "unix:// needs an absolute path");
    u.path = codec::percent_decode(rest);
    db_from_query();
    return u;
  }
  if (scheme == "rediss") {
    u.kind = url::scheme::tls;
  } else if (scheme != "redis") {
    fail(text, "unknown scheme \"" + std::string(scheme) + "\"");
  }
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto sep = credentials.find(':');
    u.user = codec::percent_decode(credentials.substr(0, sep));
    if (sep != std::string_view::npos) u.password = codec::percent_decode(credentials.substr(sep + 1));
    // "redis://secret@host" is a password without a user, as node-redis reads it.
    if (sep == std::string_view::npos) std::swap(u.user, u.password);
  }
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) fail(text, "unclosed [ in the host");
    u.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(text, "expected :port after the host");
      port = after.substr(1);
    }
  } else {
    const auto sep = rest.rfind(':');
    u.host = std::string(rest.substr(0, sep));
    if (sep != std::string_view::npos) port = rest.substr(sep + 1);
  }
  if (u.host.empty()) fail(text, "no host");
  if (!port.empty() && (!parse_int(port, u.port) || u.port == 0)) fail(text, "bad port");
  if (!path.empty() && !parse_int(path, u.db)) fail(text, "the path must be a database number");
  if (u.db < 0) fail(text, "negative database number");
  db_from_query();
  return u;
}

}  // namespace sockio::redis
