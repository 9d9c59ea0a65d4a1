// append_json: nlohmann's compact output written straight into the caller's buffer.
// Strings are copied in runs; what is rare on the message path (invalid UTF-8, binary
// values, discarded values) is left to nlohmann's own serializer, so that the output is
// the same byte for byte.
#include <array>
#include <charconv>
#include <cmath>

#include "detail/byte_scan.hpp"
#include "sockio/codec/json_text.hpp"
#include "sockio/codec/ws/utf8.hpp"

namespace sockio::codec {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

void append_escaped(std::string& out, const std::string& s) {
  const auto start = out.size();
  out += '"';
  const char* p = s.data();
  const char* end = p + s.size();
  bool high = false;
  while (p != end) {
    const char* run = p;
    p = detail::skip_plain_json(p, end, high);
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    out += '\\';
    switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\t': out += 't'; break;
      case '\n': out += 'n'; break;
      case '\f': out += 'f'; break;
      case '\r': out += 'r'; break;
      default:
        out += "u00";
        out += hex_digits[c >> 4];
        out += hex_digits[c & 0xF];
        break;
    }
  }
  if (high && !ws::valid_utf8(s)) {
    // Broken sequences: nlohmann's serializer has the rules for replacing them.
    out.resize(start);
    out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
}

}  // namespace

void append_json(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::null: out += "null"; return;
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case json::value_t::string: append_escaped(out, value.get_ref<const std::string&>()); return;
    case json::value_t::number_unsigned:
    case json::value_t::number_integer: {
      std::array<char, 24> digits;
      const auto end = value.is_number_unsigned()
                           ? std::to_chars(digits.begin(), digits.end(), value.get<std::uint64_t>()).ptr
                           : std::to_chars(digits.begin(), digits.end(), value.get<std::int64_t>()).ptr;
      out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
      return;
    }
    case json::value_t::number_float: {
      const auto x = value.get<double>();
      if (!std::isfinite(x)) {
        out += "null";
        return;
      }
      std::array<char, 64> digits;
      const auto* end = nlohmann::detail::to_chars(digits.data(), digits.data() + digits.size(), x);
      out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_ref<const json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_escaped(out, key);
        out += ':';
        append_json(out, item);
      }
      out += '}';
      return;
    }
    case json::value_t::binary:
    case json::value_t::discarded: out += value.dump(-1, ' ', false, json::error_handler_t::replace); return;
  }
}

}  // namespace sockio::codec
