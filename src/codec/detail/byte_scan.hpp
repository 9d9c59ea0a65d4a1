// Word-at-a-time scans of text: eight bytes a step where none of them needs a closer look.
#pragma once

#include <cstdint>
#include <cstring>

namespace sockio::codec::detail {

inline constexpr std::uint64_t byte_ones = 0x0101010101010101ull;
inline constexpr std::uint64_t byte_highs = 0x8080808080808080ull;

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

/// Non-zero when a byte of `word` is below `n` (n ≤ 128); exact for "any", not for which.
constexpr std::uint64_t has_less(std::uint64_t word, std::uint8_t n) noexcept {
  return (word - byte_ones * n) & ~word & byte_highs;
}

/// Non-zero when a byte of `word` is `c`.
constexpr std::uint64_t has_byte(std::uint64_t word, std::uint8_t c) noexcept {
  return has_less(word ^ (byte_ones * c), 1);
}

/// The first byte from `p` that a JSON string cannot hold as it is ('"', '\\' or a
/// control character), or `end`; `high` is set when a byte before it is past ASCII.
inline const char* skip_plain_json(const char* p, const char* end, bool& high) noexcept {
  std::uint64_t seen = 0;
  while (end - p >= 8) {
    const auto word = load8(p);
    if (has_less(word, 0x20) | has_byte(word, '"') | has_byte(word, '\\')) break;
    seen |= word;
    p += 8;
  }
  high |= (seen & byte_highs) != 0;
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20) break;
    high |= c >= 0x80;
  }
  return p;
}

}  // namespace sockio::codec::detail
