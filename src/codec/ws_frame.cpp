#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "detail/byte_scan.hpp"
#include "sockio/codec/ws/frame.hpp"
#include "sockio/codec/ws/frame_reader.hpp"

namespace sockio::ws {
namespace {

std::size_t encode_length(std::uint8_t* out, std::uint8_t mask_bit, std::uint64_t length) noexcept {
  if (length < 126) {
    out[1] = static_cast<std::uint8_t>(mask_bit | length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = mask_bit | 126;
    out[2] = static_cast<std::uint8_t>(length >> 8);
    out[3] = static_cast<std::uint8_t>(length);
    return 4;
  }
  out[1] = mask_bit | 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
  return 10;
}

}  // namespace

std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t length) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  return encode_length(out, 0, length);
}

std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t length, const mask_key& key) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  const auto size = encode_length(out, 0x80, length);
  for (std::size_t i = 0; i < key.size(); ++i) out[size + i] = key[i];
  return size + key.size();
}

void apply_mask(char* data, std::size_t size, const mask_key& key, std::size_t offset) noexcept {
  if ((key[0] | key[1] | key[2] | key[3]) == 0) return;  // a zero key changes nothing
  std::size_t i = 0;
  if (size >= 8) {
    // Eight bytes a step: the key repeated, starting where `offset` is in it.
    std::array<char, 8> rotated;
    for (std::size_t k = 0; k < 8; ++k) rotated[k] = static_cast<char>(key[(offset + k) & 3]);
    const auto word_key = codec::detail::load8(rotated.data());
    for (; i + 8 <= size; i += 8) {
      const auto word = codec::detail::load8(data + i) ^ word_key;
      std::memcpy(data + i, &word, sizeof word);
    }
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ key[(offset + i) & 3]);
}

mask_key make_mask_key() {
  mask_key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return key;
}

frame_reader::parse frame_reader::parse_header(const char* data, std::size_t size, frame& f) {
  if (size < 2) return parse::need_more;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  f.fin = (b0 & 0x80) != 0;
  const auto op = b0 & 0x0F;
  const bool masked = (b1 & 0x80) != 0;
  if ((b0 & 0x70) != 0 || masked != (role_ == role::server)) {
    return error_ = protocol_error, parse::error;  // RSV bits; masking against the role
  }
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
  f.masked = masked;
  if (masked) {
    for (std::size_t i = 0; i < f.mask.size(); ++i) f.mask[i] = static_cast<std::uint8_t>(data[pos + i]);
  }
  f.header_size = pos + mask_size;
  f.length = length;
  return parse::ok;
}

}  // namespace sockio::ws
