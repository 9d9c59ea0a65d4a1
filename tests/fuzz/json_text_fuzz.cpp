// Fuzz target: parse_json and append_json against nlohmann's parser and serializer, the
// oracle. For any input, parse_json must accept exactly what nlohmann accepts (within the
// depth limit) and give the same value with the same number types; append_json must write
// what `dump` writes, for the parsed value and for the input taken as one string (raw
// bytes: invalid UTF-8 and control characters included). The one difference allowed: a
// NUL byte, which nlohmann takes for the end of the text.
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sockio/codec/json_text.hpp"
#include "sockio/codec/sio/packet.hpp"

namespace {

using sockio::codec::json;

constexpr std::size_t max_depth = 16;

bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::number_float:
      return std::bit_cast<std::uint64_t>(a.get<double>()) == std::bit_cast<std::uint64_t>(b.get<double>());
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same(a[i], b[i])) return false;
      }
      return true;
    }
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
        if (i.key() != j.key() || !same(i.value(), j.value())) return false;
      }
      return true;
    }
    default: return a == b;
  }
}

std::string dumped(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void check_write(const json& v) {
  std::string out = "prefix";
  sockio::codec::append_json(out, v);
  if (out != "prefix" + dumped(v)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_write(json(std::string(text)));

  json ours;
  const auto result = sockio::codec::parse_json(text, ours, max_depth);
  const bool deep = sockio::sio::json_depth(text) > max_depth;
  const auto theirs = json::parse(text, nullptr, false);
  // nlohmann stops at a NUL byte as at the end of the input; JSON (and JavaScript's
  // JSON.parse, which the peers use) refuse it anywhere.
  const bool accepted = !deep && !theirs.is_discarded() && text.find('\0') == std::string_view::npos;
  if (accepted != (result == sockio::codec::json_parse_result::ok)) std::abort();
  if (deep && !theirs.is_discarded() && text.find('\0') == std::string_view::npos &&
      result != sockio::codec::json_parse_result::too_deep)
    std::abort();
  if (!accepted) return 0;
  if (!same(ours, theirs)) std::abort();
  check_write(ours);
  return 0;
}
