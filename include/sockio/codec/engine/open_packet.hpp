// The Engine.IO v4 open packet's JSON: written by a server, read by a client. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sockio::engine {

/// What the server tells a client in the open packet (`0{...}`).
struct open_packet {
  std::string sid;
  /// Transports the client may upgrade to ("websocket"); empty over WebSocket.
  std::vector<std::string> upgrades;
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  /// Largest payload the server accepts (`maxPayload`).
  std::uint64_t max_payload = 1000000;

  friend bool operator==(const open_packet&, const open_packet&) = default;
};

/// The JSON text of `p` (the open packet's data, without the type digit), in
/// engine.io's key order: sid, upgrades, pingInterval, pingTimeout, maxPayload.
std::string encode_open_packet(const open_packet& p);

/// Reads the open packet's JSON; nullopt when it is not an object with a string `sid`
/// and numeric `pingInterval`/`pingTimeout` (`upgrades` and `maxPayload` are optional).
std::optional<open_packet> decode_open_packet(std::string_view json_text);

}  // namespace sockio::engine
