// A Redis reply (RESP2), as a value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sockio::redis {

/// One RESP2 reply: a simple string (status), an error, an integer, a bulk string, nil
/// or an array of replies.
struct reply {
  enum class kind { nil, status, error, integer, string, array };
  kind type = kind::nil;
  std::string str;  ///< status, error and bulk string text
  std::int64_t integer = 0;
  std::vector<reply> elements;

  bool is_error() const noexcept { return type == kind::error; }
  bool is_array() const noexcept { return type == kind::array; }
  /// The text of a status, error or bulk string (empty for the others).
  std::string_view text() const noexcept { return str; }
};

}  // namespace sockio::redis
