// Socket.IO v5 packet codec with binary attachments: pure, no I/O (library sockio::codec).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sockio::sio {

using json = nlohmann::json;

/// A binary argument: `socket.emit("file", sio::binary(bytes))`.
inline json binary(std::string_view bytes) {
  return json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

/// The bytes of a binary argument as a string (empty if `value` is not binary).
inline std::string to_bytes(const json& value) {
  if (!value.is_binary()) return {};
  const auto& b = value.get_binary();
  return std::string(b.begin(), b.end());
}

/// Socket.IO v5 packet types, with their wire digit as value.
enum class packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

/// A decoded (or to-be-encoded) packet. Binary values anywhere in `data` are
/// `json::binary_t`; the codec turns them into attachments and back.
struct packet {
  packet_type type = packet_type::event;
  std::string nsp = "/";
  /// The payload; `discarded` (the default) means none.
  json data = json(json::value_t::discarded);
  std::optional<std::uint64_t> id;

  bool has_data() const noexcept { return !data.is_discarded(); }

  /// EVENT: `data` is `[event, ...args]` (see `event_data`); with `id`, an ack is asked.
  static packet event(std::string nsp, json data, std::optional<std::uint64_t> id = std::nullopt);
  /// ACK of packet `id`: `args` is the array of the acknowledgement's arguments.
  static packet ack(std::string nsp, json args, std::uint64_t id);
  /// CONNECT: from a client with its `auth` payload (or none), from a server with `{sid, pid}`.
  static packet connect(std::string nsp, json data = json(json::value_t::discarded));
  /// CONNECT_ERROR with socket.io's `{message, data?}` payload.
  static packet connect_error(std::string nsp, json error);
  /// DISCONNECT of a namespace.
  static packet disconnect(std::string nsp);
};

/// An event's packet data: `[event, ...args]`, where `args` is an array of arguments (or
/// one argument).
json event_data(std::string_view event, json args);

/// The deepest bracket nesting of a JSON text (strings skipped). The decoder checks its
/// limit while parsing (`codec::parse_json`); this scan is the same limit for a text
/// that is not parsed here (the fuzz targets compare against nlohmann's parser with it).
std::size_t json_depth(std::string_view text) noexcept;

/// Errors of the Socket.IO codec; all of them close the connection with "parse error".
enum class parse_errc {
  ok = 0,
  unknown_type,
  invalid_attachments,
  too_many_attachments,
  invalid_namespace,
  invalid_ack_id,
  invalid_json,
  too_deep,
  invalid_payload,
  reserved_event,
  unexpected_binary,
  invalid_placeholder,
};

const std::error_category& parse_category() noexcept;
inline std::error_code make_error_code(parse_errc e) noexcept {
  return {static_cast<int>(e), parse_category()};
}

/// A packet in wire form: one text message, then its binary attachments in order.
struct encoded_packet {
  std::string text;
  std::vector<std::string> attachments;
};

/// Encodes `p`. An EVENT or ACK whose data holds binary values is sent as BINARY_EVENT or
/// BINARY_ACK with placeholders (`{"_placeholder":true,"num":k}`).
encoded_packet encode(const packet& p);

/// Names that clients may not use as event names.
bool is_reserved_event(std::string_view name) noexcept;

/// Decoder limits.
struct decoder_options {
  /// Largest number of binary attachments one packet may announce.
  std::size_t max_attachments = 10;
  /// Deepest JSON nesting accepted (protects against stack exhaustion).
  std::size_t max_depth = 64;
};

/// Decodes the messages of one connection; a binary packet is complete once all its
/// attachments have arrived.
class decoder {
 public:
  explicit decoder(decoder_options options = {}) : options_(options) {}

  /// Feeds a text message. On success, `out` holds the packet if it is complete.
  std::error_code add_text(std::string_view text, std::optional<packet>& out);
  /// Feeds a binary message (an attachment of the pending packet).
  std::error_code add_binary(std::string_view bytes, std::optional<packet>& out);
  /// True while a binary packet waits for attachments.
  bool pending() const noexcept { return pending_ != nullptr; }

 private:
  std::error_code finish(std::optional<packet>& out);

  /// A binary packet and the attachments it announced.
  struct binary_packet {
    packet p;
    std::size_t expected = 0;
    std::vector<std::string> attachments;
  };

  decoder_options options_;
  std::unique_ptr<binary_packet> pending_;  // only while attachments are due
};

}  // namespace sockio::sio

template <>
struct std::is_error_code_enum<sockio::sio::parse_errc> : std::true_type {};
