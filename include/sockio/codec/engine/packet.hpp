// Engine.IO v4 packet and payload codec: pure functions, no I/O (library sockio::codec).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sockio::engine {

/// Engine.IO v4 packet types, with their wire digit as value.
enum class packet_type : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

/// One decoded packet. `binary` is only ever true for `message` packets.
struct packet {
  packet_type type = packet_type::message;
  std::string data;
  bool binary = false;

  friend bool operator==(const packet&, const packet&) = default;
};

/// A packet to encode, viewing its data (no copy).
struct packet_view {
  packet_type type = packet_type::message;
  std::string_view data;
  bool binary = false;
};

/// Record separator between packets of an HTTP long-polling payload.
inline constexpr char record_separator = '\x1e';

/// The wire character of a packet type ('0'..'6').
constexpr char type_char(packet_type t) noexcept {
  return static_cast<char>('0' + static_cast<int>(t));
}

/// Appends the text form of `p` to `out`: type digit then data, or for binary data
/// `b` followed by base64 (the form used by HTTP long-polling).
void encode_packet(const packet_view& p, std::string& out);

/// Appends a long-polling payload: the packets separated by `record_separator`.
void encode_payload(std::span<const packet_view> packets, std::string& out);

/// Decodes one packet in text form (a WebSocket text frame or one payload record).
/// Errors: `errc::invalid_packet`, `errc::invalid_base64`.
std::error_code decode_packet(std::string_view text, packet& out);

/// The same without a copy: `out` views `text`, or `storage` for base64 data (`b…`).
std::error_code decode_packet(std::string_view text, packet_view& out, std::string& storage);

/// Decodes a long-polling payload; on error `out` holds the packets before the bad one.
std::error_code decode_payload(std::string_view payload, std::vector<packet>& out);

}  // namespace sockio::engine
