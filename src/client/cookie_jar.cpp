#include "detail/cookie_jar.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <optional>

namespace sockio::client::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

/// An HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT").
std::optional<cookie_jar::clock::time_point> parse_http_date(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) && !strptime(s.c_str(), "%a, %d-%b-%Y %H:%M:%S", &tm)) {
    return std::nullopt;
  }
  return cookie_jar::clock::from_time_t(timegm(&tm));
}

}  // namespace

void cookie_jar::set(std::string_view set_cookie, clock::time_point now) {
  auto rest = set_cookie;
  const auto first = rest.substr(0, rest.find(';'));
  const auto eq = first.find('=');
  if (eq == std::string_view::npos) return;
  cookie c{std::string(trim(first.substr(0, eq))), std::string(trim(first.substr(eq + 1)))};
  if (c.name.empty()) return;
  std::optional<clock::time_point> expires;
  std::optional<long long> max_age;
  while (true) {
    const auto semi = rest.find(';');
    if (semi == std::string_view::npos) break;
    rest = rest.substr(semi + 1);
    const auto attr = trim(rest.substr(0, rest.find(';')));
    const auto aeq = attr.find('=');
    const auto key = trim(attr.substr(0, aeq));
    const auto value = aeq == std::string_view::npos ? std::string_view{} : trim(attr.substr(aeq + 1));
    if (iequals(key, "expires")) {
      expires = parse_http_date(value);
    } else if (iequals(key, "max-age")) {
      long long n = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), n).ec == std::errc()) max_age = n;
    }
  }
  // Max-Age wins over Expires (RFC 6265 section 5.3).
  if (max_age) {
    // Bounded (ten years) so that the sum cannot overflow the clock.
    c.expires = now + std::chrono::seconds(std::clamp<long long>(*max_age, -1, 315'360'000));
  } else if (expires) {
    c.expires = *expires;
  }
  std::erase_if(cookies_, [&](const cookie& old) { return old.name == c.name; });
  if (c.expires > now) cookies_.push_back(std::move(c));
}

std::string cookie_jar::header(clock::time_point now) const {
  std::string out;
  for (const auto& c : cookies_) {
    if (c.expires <= now) continue;
    if (!out.empty()) out += "; ";
    out += c.name;
    out += '=';
    out += c.value;
  }
  return out;
}

}  // namespace sockio::client::detail
