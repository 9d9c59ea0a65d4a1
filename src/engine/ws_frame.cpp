#include "detail/ws_frame.hpp"

namespace sockio::engine::detail::ws {

std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t length) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  if (length < 126) {
    out[1] = static_cast<std::uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(length >> 8);
    out[3] = static_cast<std::uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
  return 10;
}

bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    for (std::size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

reader::parse reader::parse_header(const char* data, std::size_t size, frame& f) {
  if (size < 2) return parse::need_more;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  f.fin = (b0 & 0x80) != 0;
  const auto op = b0 & 0x0F;
  const bool masked = (b1 & 0x80) != 0;
  if ((b0 & 0x70) != 0 || masked != from_client_) return error_ = protocol_error, parse::error;  // RSV; masking
  if (op > 2 && op != 8 && op != 9 && op != 10) return error_ = protocol_error, parse::error;
  f.op = static_cast<opcode>(op);
  std::uint64_t length = b1 & 0x7F;
  std::size_t pos = 2;
  if (length == 126) {
    if (size < 4) return parse::need_more;
    length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[2])) << 8) | static_cast<std::uint8_t>(data[3]);
    if (length < 126) return error_ = protocol_error, parse::error;
    pos = 4;
  } else if (length == 127) {
    if (size < 10) return parse::need_more;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(data[2 + i]);
    if (length <= 0xFFFF || (length >> 63) != 0) return error_ = protocol_error, parse::error;
    pos = 10;
  }
  if (op >= 8 && (!f.fin || length > 125)) return error_ = protocol_error, parse::error;
  if (length > max_message_) return error_ = message_too_big, parse::error;
  const std::size_t mask_size = masked ? 4 : 0;
  if (size < pos + mask_size) return parse::need_more;
  f.mask = masked ? reinterpret_cast<const std::uint8_t*>(data + pos) : nullptr;
  f.header_size = pos + mask_size;
  f.length = length;
  return parse::ok;
}

}  // namespace sockio::engine::detail::ws
