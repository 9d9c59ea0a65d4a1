// The HTTP request that opened a session, with its header fields in one buffer.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sockio::engine {

/// HTTP header fields with lower-case names, in arrival order. All fields share one
/// buffer (a session keeps its handshake request for its whole life, so this is one
/// allocation per connection instead of a few per field). Iterating yields
/// `std::pair<std::string_view, std::string_view>` (name, value).
class header_fields {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = header_fields::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    iterator() = default;
    value_type operator*() const noexcept;
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      auto old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.at_ == b.at_; }

   private:
    friend class header_fields;
    explicit iterator(const char* at) noexcept : at_(at) {}
    const char* at_ = nullptr;
  };

  header_fields() = default;
  header_fields(std::initializer_list<value_type> fields);

  /// Appends a field; the name is stored in lower case. Both end at a NUL character,
  /// if any (HTTP forbids them).
  void add(std::string_view name, std::string_view value);
  /// Reserves room for `bytes` of names and values (and `fields` separators).
  void reserve(std::size_t bytes, std::size_t fields) { text_.reserve(bytes + 2 * fields); }

  iterator begin() const noexcept { return iterator(text_.data()); }
  iterator end() const noexcept { return iterator(text_.data() + text_.size()); }
  bool empty() const noexcept { return text_.empty(); }
  std::size_t size() const noexcept;
  /// The first field named `name` (case-insensitive).
  std::optional<std::string_view> find(std::string_view name) const noexcept;

 private:
  std::string text_;  // name '\0' value '\0', field after field
};

/// The HTTP request that opened (or is opening) a session.
struct request_info {
  std::string method;
  /// Request target, e.g. `/engine.io/?EIO=4&transport=polling`.
  std::string url;
  /// Header fields with lower-case names, in arrival order.
  header_fields headers;
  std::string remote_address;
  std::uint16_t remote_port = 0;
  bool secure = false;

  /// The first header named `name` (case-insensitive), if present.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The percent-decoded value of query parameter `name`, if present.
  std::optional<std::string> query(std::string_view name) const;
  /// All query parameters, percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> query_params() const;
};

}  // namespace sockio::engine
