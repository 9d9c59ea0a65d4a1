#include "sockio/engine/request_info.hpp"

#include <algorithm>
#include <cctype>

#include "sockio/codec/url.hpp"

namespace sockio::engine {

namespace {
/// `text` up to its first NUL character, if any (HTTP forbids them; the buffer uses them
/// as separators).
std::string_view until_nul(std::string_view text) noexcept {
  return text.substr(0, text.find('\0'));
}
}  // namespace

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
  name = until_nul(name);  // a NUL would end the field early: cut there
  value = until_nul(value);
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

request_info::request_info(std::string_view method, std::string_view url, std::string_view remote_address,
                           std::uint16_t remote_port, bool secure)
    : remote_port_(remote_port), secure_(secure) {
  method = until_nul(method);
  url = until_nul(url);
  remote_address = until_nul(remote_address);
  auto& text = headers_.text_;
  text.reserve(method.size() + url.size() + remote_address.size() + 3);
  text.append(method).append(1, '\0').append(url).append(1, '\0').append(remote_address).append(1, '\0');
  headers_.begin_ = static_cast<std::uint32_t>(text.size());
}

std::string_view request_info::text(int index) const noexcept {
  if (headers_.begin_ == 0) return {};
  const char* at = headers_.text_.data();
  for (; index > 0; --index) at += std::char_traits<char>::length(at) + 1;
  return at;
}

void request_info::set_text(int index, std::string_view value) {
  const std::string copy(until_nul(value));  // `value` may view this buffer
  auto& buffer = headers_.text_;
  if (headers_.begin_ == 0) {  // no texts yet: three empty ones before the fields
    buffer.insert(0, 3, '\0');
    headers_.begin_ = 3;
  }
  const auto old = text(index);
  const auto at = static_cast<std::size_t>(old.data() - buffer.data());
  headers_.begin_ = static_cast<std::uint32_t>(headers_.begin_ - old.size() + copy.size());
  buffer.replace(at, old.size(), copy);
}

std::string_view request_info::method() const noexcept {
  return text(0);
}
std::string_view request_info::url() const noexcept {
  return text(1);
}
std::string_view request_info::remote_address() const noexcept {
  return text(2);
}

void request_info::set_remote(std::string_view address, std::uint16_t port) {
  set_text(2, address);
  remote_port_ = port;
}

std::optional<std::string_view> request_info::header(std::string_view name) const {
  return headers_.find(name);
}

std::optional<std::string> request_info::query(std::string_view name) const {
  return codec::find_query(url(), name);
}

std::vector<std::pair<std::string, std::string>> request_info::query_params() const {
  return codec::parse_query(url());
}

}  // namespace sockio::engine
