#include "sockio/engine/request_info.hpp"

#include <algorithm>
#include <cctype>

#include "sockio/codec/url.hpp"

namespace sockio::engine {

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
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
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
  return codec::find_query(url, name);
}

std::vector<std::pair<std::string, std::string>> request_info::query_params() const {
  return codec::parse_query(url);
}

}  // namespace sockio::engine
