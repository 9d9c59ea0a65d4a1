// JWT verification with libjwt; claims checked here (libjwt 1.10 checks signatures only).
#include "auth.hpp"

#include <jwt.h>

#include <chrono>
#include <memory>

#include "sockio/engine/server.hpp"

namespace sockio::gateway {

bool matches(std::string_view pattern, std::string_view room) {
  // Greedy wildcard match with backtracking to the last '*'.
  std::size_t p = 0, r = 0, star = std::string_view::npos, mark = 0;
  while (r < room.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = r;
    } else if (p < pattern.size() && pattern[p] == room[r]) {
      ++p;
      ++r;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      r = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view room) {
  for (const auto& p : patterns) {
    if (matches(p, room)) return true;
  }
  return false;
}

authenticator::authenticator(const config& c) : config_(c) {
  if (c.auth_algorithm == "HS256") {
    key_ = c.auth_secret;
  } else {
    key_ = file_contents(c.auth_public_key);
  }
}

std::variant<json, std::string> authenticator::verify(std::string_view token) const {
  if (key_.empty()) return std::string("invalid token");  // nothing to verify against
  jwt_t* raw = nullptr;
  const std::string text(token);
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                 static_cast<int>(key_.size())) != 0) {
    return std::string("invalid token");
  }
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  // The algorithm is ours to choose, not the token's: an HS256 token "signed" with our
  // public key must not pass.
  if (jwt_get_alg(jwt.get()) != jwt_str_alg(config_.auth_algorithm.c_str())) {
    return std::string("invalid token");
  }
  std::unique_ptr<char, decltype(&std::free)> grants(jwt_get_grants_json(jwt.get(), nullptr), std::free);
  json claims = grants ? json::parse(grants.get(), nullptr, false) : json::object();
  if (!claims.is_object()) return std::string("invalid token");

  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto exp = claims.find("exp"); exp != claims.end()) {
    if (!exp->is_number() || exp->get<double>() <= static_cast<double>(now)) return std::string("token expired");
  }
  if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number() || nbf->get<double>() > static_cast<double>(now)) {
      return std::string("token not yet valid");
    }
  }
  if (!config_.auth_issuer.empty()) {
    auto iss = claims.find("iss");
    if (iss == claims.end() || *iss != config_.auth_issuer) return std::string("invalid issuer");
  }
  if (!config_.auth_audience.empty()) {
    auto aud = claims.find("aud");
    bool ok = false;
    if (aud != claims.end() && aud->is_string()) ok = *aud == config_.auth_audience;
    if (aud != claims.end() && aud->is_array()) {
      for (const auto& a : *aud) ok = ok || a == config_.auth_audience;
    }
    if (!ok) return std::string("invalid audience");
  }
  return claims;
}

namespace {

std::optional<std::string> token_of(const sio::handshake& hs) {
  if (auto t = hs.auth().find("token"); t != hs.auth().end() && t->is_string()) return t->get<std::string>();
  if (auto h = hs.header("authorization")) {
    constexpr std::string_view bearer = "Bearer ";
    if (h->size() > bearer.size() && h->substr(0, bearer.size()) == bearer) {
      return std::string(h->substr(bearer.size()));
    }
  }
  if (hs.request) {
    if (auto q = hs.request->query("token")) return std::move(*q);
  }
  return std::nullopt;
}

std::vector<std::string> patterns(const json& acl, const char* what, const std::vector<std::string>& fallback) {
  if (!acl.is_object()) return fallback;
  auto list = acl.find(what);
  if (list == acl.end() || !list->is_array()) return {};  // an ACL that omits a right denies it
  std::vector<std::string> out;
  for (const auto& p : *list) {
    if (p.is_string()) out.push_back(p.get<std::string>());
  }
  return out;
}

/// A printable name of at most 32 bytes (cut between UTF-8 sequences), or "".
std::string clean_name(const json& value) {
  if (!value.is_string()) return {};
  const auto& text = value.get_ref<const std::string&>();
  std::string name;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (name.size() + length > 32) break;
    if (lead >= 0x20 && lead != 0x7f) name.append(text, i, length);
    i += length;
  }
  return name;
}

}  // namespace

std::variant<identity, std::string> authenticator::identify(const sio::handshake& hs) const {
  identity id;
  json acl;  // discarded: the defaults apply
  if (auto token = token_of(hs)) {
    auto verified = verify(*token);
    if (auto* error = std::get_if<std::string>(&verified)) return *error;
    const auto& claims = std::get<json>(verified);
    if (auto sub = claims.find("sub"); sub != claims.end() && sub->is_string()) id.user = sub->get<std::string>();
    if (auto a = claims.find(config_.auth_acl_claim); a != claims.end()) acl = *a;
    if (auto n = claims.find("name"); n != claims.end()) id.name = clean_name(*n);
  } else if (!config_.auth_anonymous) {
    return std::string("authentication required");
  }
  id.join = patterns(acl, "join", config_.auth_default_join);
  id.publish = patterns(acl, "publish", config_.auth_default_publish);
  if (auto n = hs.auth().find("name"); id.name.empty() && n != hs.auth().end()) id.name = clean_name(*n);
  if (id.name.empty()) id.name = id.user.value_or("anonymous");
  return id;
}

}  // namespace sockio::gateway
