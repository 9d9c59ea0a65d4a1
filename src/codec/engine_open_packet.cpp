#include <nlohmann/json.hpp>

#include "sockio/codec/engine/open_packet.hpp"

namespace sockio::engine {

std::string encode_open_packet(const open_packet& p) {
  // Written by hand: the sid is ours (URL-safe characters only), so nothing needs escaping,
  // and the key order matches engine.io's.
  std::string json = "{\"sid\":\"" + p.sid + "\",\"upgrades\":[";
  for (std::size_t i = 0; i < p.upgrades.size(); ++i) {
    if (i > 0) json += ',';
    json += '"' + p.upgrades[i] + '"';
  }
  json += "],\"pingInterval\":" + std::to_string(p.ping_interval.count()) +
          ",\"pingTimeout\":" + std::to_string(p.ping_timeout.count()) +
          ",\"maxPayload\":" + std::to_string(p.max_payload) + "}";
  return json;
}

std::optional<open_packet> decode_open_packet(std::string_view json_text) {
  const auto value = nlohmann::json::parse(json_text, nullptr, false);
  if (!value.is_object()) return std::nullopt;
  const auto sid = value.find("sid");
  const auto interval = value.find("pingInterval");
  const auto timeout = value.find("pingTimeout");
  if (sid == value.end() || !sid->is_string() || interval == value.end() || !interval->is_number_unsigned() ||
      timeout == value.end() || !timeout->is_number_unsigned()) {
    return std::nullopt;
  }
  open_packet p;
  p.sid = sid->get<std::string>();
  p.ping_interval = std::chrono::milliseconds(interval->get<std::uint64_t>());
  p.ping_timeout = std::chrono::milliseconds(timeout->get<std::uint64_t>());
  if (const auto upgrades = value.find("upgrades"); upgrades != value.end()) {
    if (!upgrades->is_array()) return std::nullopt;
    for (const auto& u : *upgrades) {
      if (!u.is_string()) return std::nullopt;
      p.upgrades.push_back(u.get<std::string>());
    }
  }
  if (const auto max = value.find("maxPayload"); max != value.end()) {
    if (!max->is_number_unsigned()) return std::nullopt;
    p.max_payload = max->get<std::uint64_t>();
  }
  return p;
}

}  // namespace sockio::engine
