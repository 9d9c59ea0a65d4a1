// JSON text in and out of nlohmann values, on the message path: the packets' payloads are
// read and written here without nlohmann's lexer and serializer, with the same results.
// Pure: no I/O.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sockio::codec {

using json = nlohmann::json;

/// What `parse_json` made of its input.
enum class json_parse_result {
  ok,        ///< `out` holds the value
  invalid,   ///< not one JSON text (RFC 8259)
  too_deep,  ///< arrays and objects nested deeper than the limit
};

/// Parses one JSON text into `out`, accepting and refusing what `json::parse` does and
/// giving the same values: a leading UTF-8 byte order mark and whitespace around the value
/// are allowed; strings must be valid UTF-8 without raw control characters; integers
/// become `number_unsigned` (not negative) or `number_integer` (negative) when they fit,
/// other numbers `number_float` (a number too large for a double is refused); the last
/// of duplicate object keys wins. Nesting deeper than `max_depth` containers is refused
/// before it is built. Never throws for bad input and needs no stack for nesting; `out`
/// is unspecified when the result is not `ok`.
json_parse_result parse_json(std::string_view text, json& out, std::size_t max_depth);

/// Appends `value` as `value.dump(-1, ' ', false, json::error_handler_t::replace)`
/// writes it (compact, UTF-8 kept, invalid UTF-8 replaced by U+FFFD), without building
/// an intermediate string.
void append_json(std::string& out, const json& value);

/// Empties `value`'s arrays and objects from the inside out, so that destroying it
/// allocates nothing (nlohmann's destructor moves the elements of every non-empty array
/// or object into a temporary vector first). For values on the message path, which are
/// destroyed once per packet.
inline void clear_json(json& value) noexcept {
  if (value.is_array()) {
    auto& items = value.get_ref<json::array_t&>();
    for (auto& item : items) clear_json(item);
    items.clear();
  } else if (value.is_object()) {
    auto& members = value.get_ref<json::object_t&>();
    for (auto& [key, item] : members) clear_json(item);
    members.clear();
  }
}

}  // namespace sockio::codec
