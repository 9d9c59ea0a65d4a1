#include "detail/url.hpp"

#include <cctype>

#include "sockio/engine/server.hpp"

namespace sockio::engine {
namespace detail {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() &&
               hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view target_path(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view target) {
  std::vector<std::pair<std::string, std::string>> params;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return params;
  auto query = target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    if (!item.empty()) {
      const auto eq = item.find('=');
      params.emplace_back(percent_decode(item.substr(0, eq)),
                          eq == std::string_view::npos ? std::string()
                                                       : percent_decode(item.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

std::optional<std::string> find_query(std::string_view target, std::string_view name) {
  for (auto& [key, value] : parse_query(target)) {
    if (key == name) return std::move(value);
  }
  return std::nullopt;
}

}  // namespace detail

header_fields::value_type header_fields::iterator::operator*() const noexcept {
  const std::string_view name(at_);
  return {name, std::string_view(at_ + name.size() + 1)};
}

header_fields::iterator& header_fields::iterator::operator++() noexcept {
  const auto [name, value] = **this;
  at_ = value.data() + value.size() + 1;
  return *this;
}

header_fields::header_fields(std::initializer_list<value_type> fields) {
  for (const auto& [name, value] : fields) add(name, value);
}

void header_fields::add(std::string_view name, std::string_view value) {
  name = name.substr(0, name.find('\0'));  // a NUL would end the field early: cut there
  value = value.substr(0, value.find('\0'));
  for (const char c : name) text_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  text_ += '\0';
  text_ += value;
  text_ += '\0';
}

std::size_t header_fields::size() const noexcept {
  return static_cast<std::size_t>(std::distance(begin(), end()));
}

std::optional<std::string_view> header_fields::find(std::string_view name) const noexcept {
  for (const auto [key, value] : *this) {  // names are stored in lower case
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return static_cast<unsigned char>(a) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> request_info::header(std::string_view name) const {
  return headers.find(name);
}

std::optional<std::string> request_info::query(std::string_view name) const {
  return detail::find_query(url, name);
}

std::vector<std::pair<std::string, std::string>> request_info::query_params() const {
  return detail::parse_query(url);
}

}  // namespace sockio::engine
