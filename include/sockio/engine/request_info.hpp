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
  /// Reserves room for `bytes` more of names and values (and `fields` separators).
  void reserve(std::size_t bytes, std::size_t fields) { text_.reserve(text_.size() + bytes + 2 * fields); }

  iterator begin() const noexcept { return iterator(text_.data() + begin_); }
  iterator end() const noexcept { return iterator(text_.data() + text_.size()); }
  bool empty() const noexcept { return text_.size() == begin_; }
  std::size_t size() const noexcept;
  /// The first field named `name` (case-insensitive).
  std::optional<std::string_view> find(std::string_view name) const noexcept;

 private:
  friend class request_info;
  // name '\0' value '\0', field after field, from `begin_`: a request_info keeps its
  // method, URL and remote address before them, in the same buffer.
  std::string text_;
  std::uint32_t begin_ = 0;
};

/// The HTTP request that opened (or is opening) a session.
///
/// A session keeps it for its whole life, so the method, the target, the remote address
/// and the header fields share one buffer (one allocation besides the object). Each text
/// ends at a NUL character, if any (HTTP forbids them).
class request_info {
 public:
  request_info() = default;
  request_info(std::string_view method, std::string_view url, std::string_view remote_address = {},
               std::uint16_t remote_port = 0, bool secure = false);

  /// e.g. `GET`.
  std::string_view method() const noexcept;
  /// Request target, e.g. `/engine.io/?EIO=4&transport=polling`.
  std::string_view url() const noexcept;
  /// Header fields with lower-case names, in arrival order.
  const header_fields& headers() const noexcept { return headers_; }
  std::string_view remote_address() const noexcept;
  std::uint16_t remote_port() const noexcept { return remote_port_; }
  /// https / wss.
  bool secure() const noexcept { return secure_; }

  void set_method(std::string_view method) { set_text(0, method); }
  void set_url(std::string_view url) { set_text(1, url); }
  void set_remote(std::string_view address, std::uint16_t port);
  void set_secure(bool secure) noexcept { secure_ = secure; }
  /// Appends a header field (the name is stored in lower case).
  void add_header(std::string_view name, std::string_view value) { headers_.add(name, value); }
  /// Reserves room for `bytes` of header names and values (and `fields` separators)
  /// besides the method, URL and address already set.
  void reserve_headers(std::size_t bytes, std::size_t fields) { headers_.reserve(bytes, fields); }

  /// The first header named `name` (case-insensitive), if present.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The percent-decoded value of query parameter `name`, if present.
  std::optional<std::string> query(std::string_view name) const;
  /// All query parameters, percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> query_params() const;

 private:
  // The `index`-th text before the header fields (method, URL, address).
  std::string_view text(int index) const noexcept;
  void set_text(int index, std::string_view value);

  header_fields headers_;  // its buffer starts with method '\0' url '\0' address '\0'
  std::uint16_t remote_port_ = 0;
  bool secure_ = false;
};

}  // namespace sockio::engine
