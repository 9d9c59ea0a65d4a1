#include "sockio/codec/base64.hpp"
#include "sockio/codec/engine/error.hpp"
#include "sockio/codec/engine/packet.hpp"

namespace sockio::engine {

void encode_packet(const packet_view& p, std::string& out) {
  if (p.binary) {
    out += 'b';
    out += codec::base64_encode(p.data);
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
  packet_view view;
  std::string storage;
  if (auto ec = decode_packet(text, view, storage)) return ec;
  out = packet{view.type, view.binary ? std::move(storage) : std::string(view.data), view.binary};
  return {};
}

std::error_code decode_packet(std::string_view text, packet_view& out, std::string& storage) {
  if (text.empty()) return errc::invalid_packet;
  if (text.front() == 'b') {
    auto bytes = codec::base64_decode(text.substr(1));
    if (!bytes) return errc::invalid_base64;
    storage = std::move(*bytes);
    out = packet_view{packet_type::message, storage, true};
    return {};
  }
  const char c = text.front();
  if (c < '0' || c > '6') return errc::invalid_packet;
  out = packet_view{static_cast<packet_type>(c - '0'), text.substr(1), false};
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
