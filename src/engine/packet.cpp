#include "sockio/engine/packet.hpp"

#include <array>

#include "sockio/engine/error.hpp"

namespace sockio::engine {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr auto reverse = make_reverse();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  const auto rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int values[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        values[k] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      values[k] = reverse[static_cast<unsigned char>(c)];
      if (values[k] < 0) return std::nullopt;
    }
    const unsigned n = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

void encode_packet(const packet_view& p, std::string& out) {
  if (p.binary) {
    out += 'b';
    out += base64_encode(p.data);
    return;
  }
  out += type_char(p.type);
  out += p.data;
}

void encode_payload(std::span<const packet_view> packets, std::string& out) {
  bool first = true;
  for (const auto& p : packets) {
    if (!first) out += record_separator;
    first = false;
    encode_packet(p, out);
  }
}

std::error_code decode_packet(std::string_view text, packet& out) {
  if (text.empty()) return errc::invalid_packet;
  if (text.front() == 'b') {
    auto bytes = base64_decode(text.substr(1));
    if (!bytes) return errc::invalid_base64;
    out = packet{packet_type::message, std::move(*bytes), true};
    return {};
  }
  const char c = text.front();
  if (c < '0' || c > '6') return errc::invalid_packet;
  out = packet{static_cast<packet_type>(c - '0'), std::string(text.substr(1)), false};
  return {};
}

std::error_code decode_payload(std::string_view payload, std::vector<packet>& out) {
  while (true) {
    const auto end = payload.find(record_separator);
    packet p;
    if (auto ec = decode_packet(payload.substr(0, end), p)) return ec;
    out.push_back(std::move(p));
    if (end == std::string_view::npos) return {};
    payload.remove_prefix(end + 1);
  }
}

}  // namespace sockio::engine
