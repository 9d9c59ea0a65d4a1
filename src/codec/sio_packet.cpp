#include <array>
#include <charconv>

#include "sockio/codec/json_text.hpp"
#include "sockio/codec/sio/packet.hpp"

namespace sockio::sio {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockio.sio.parse"; }
  std::string message(int value) const override {
    switch (static_cast<parse_errc>(value)) {
      case parse_errc::ok: return "success";
      case parse_errc::unknown_type: return "unknown packet type";
      case parse_errc::invalid_attachments: return "illegal attachments";
      case parse_errc::too_many_attachments: return "too many attachments";
      case parse_errc::invalid_namespace: return "invalid namespace";
      case parse_errc::invalid_ack_id: return "invalid ack id";
      case parse_errc::invalid_json: return "invalid payload";
      case parse_errc::too_deep: return "payload nested too deeply";
      case parse_errc::invalid_payload: return "invalid payload for packet type";
      case parse_errc::reserved_event: return "reserved event name";
      case parse_errc::unexpected_binary: return "unexpected binary data";
      case parse_errc::invalid_placeholder: return "invalid attachment placeholder";
    }
    return "unknown error";
  }
};

constexpr std::array<std::string_view, 6> reserved_events{"connect",       "connect_error", "disconnect",
                                                          "disconnecting", "newListener",   "removeListener"};

bool has_binary(const json& value) {
  switch (value.type()) {
    case json::value_t::binary: return true;
    case json::value_t::array:
    case json::value_t::object:
      for (const auto& item : value) {
        if (has_binary(item)) return true;
      }
      return false;
    default: return false;
  }
}

/// Replaces binary values by placeholders, moving their bytes to `out` in order.
json deconstruct(const json& value, std::vector<std::string>& out) {
  switch (value.type()) {
    case json::value_t::binary: {
      const auto& bytes = value.get_binary();
      out.emplace_back(bytes.begin(), bytes.end());
      return json{{"_placeholder", true}, {"num", out.size() - 1}};
    }
    case json::value_t::array: {
      json result = json::array();
      for (const auto& item : value) result.push_back(deconstruct(item, out));
      return result;
    }
    case json::value_t::object: {
      json result = json::object();
      for (const auto& [key, item] : value.items()) result[key] = deconstruct(item, out);
      return result;
    }
    default: return value;
  }
}

/// Puts attachments back where their placeholders are.
bool reconstruct(json& value, std::vector<std::string>& attachments) {
  if (value.is_object()) {
    const auto placeholder = value.find("_placeholder");
    if (placeholder != value.end() && *placeholder == true) {
      const auto num = value.find("num");
      if (num == value.end() || !num->is_number_unsigned() || num->get<std::uint64_t>() >= attachments.size()) {
        return false;
      }
      const auto& bytes = attachments[num->get<std::size_t>()];
      value = json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
      return true;
    }
  }
  if (value.is_object() || value.is_array()) {
    for (auto& item : value) {
      if (!reconstruct(item, attachments)) return false;
    }
  }
  return true;
}

bool payload_valid(const packet& p) {
  switch (p.type) {
    case packet_type::connect: return !p.has_data() || p.data.is_object();
    case packet_type::disconnect: return !p.has_data();
    case packet_type::connect_error: return p.has_data() && (p.data.is_string() || p.data.is_object());
    case packet_type::event:
    case packet_type::binary_event:
      return p.data.is_array() && !p.data.empty() && (p.data[0].is_string() || p.data[0].is_number());
    case packet_type::ack:
    case packet_type::binary_ack: return p.data.is_array();
  }
  return false;
}

}  // namespace

std::size_t json_depth(std::string_view text) noexcept {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

packet packet::event(std::string nsp, json data, std::optional<std::uint64_t> id) {
  return packet{packet_type::event, std::move(nsp), std::move(data), id};
}

packet packet::ack(std::string nsp, json args, std::uint64_t id) {
  return packet{packet_type::ack, std::move(nsp), std::move(args), id};
}

packet packet::connect(std::string nsp, json data) {
  return packet{packet_type::connect, std::move(nsp), std::move(data), std::nullopt};
}

packet packet::connect_error(std::string nsp, json error) {
  return packet{packet_type::connect_error, std::move(nsp), std::move(error), std::nullopt};
}

packet packet::disconnect(std::string nsp) {
  return packet{packet_type::disconnect, std::move(nsp), json(json::value_t::discarded), std::nullopt};
}

json event_data(std::string_view event, json args) {
  json data = json::array({event});
  if (!args.is_array()) {
    data.push_back(std::move(args));
    return data;
  }
  for (auto& a : args) data.push_back(std::move(a));
  return data;
}

const std::error_category& parse_category() noexcept {
  static const category instance;
  return instance;
}

bool is_reserved_event(std::string_view name) noexcept {
  for (auto reserved : reserved_events) {
    if (reserved == name) return true;
  }
  return false;
}

encoded_packet encode(const packet& p) {
  encoded_packet out;
  auto type = p.type;
  const json* data = p.has_data() ? &p.data : nullptr;
  json stripped;
  if (data &&
      (type == packet_type::event || type == packet_type::ack || type == packet_type::binary_event ||
       type == packet_type::binary_ack) &&
      has_binary(*data)) {
    stripped = deconstruct(*data, out.attachments);
    data = &stripped;
    type = type == packet_type::event || type == packet_type::binary_event ? packet_type::binary_event
                                                                           : packet_type::binary_ack;
  } else if (type == packet_type::binary_event) {
    type = packet_type::event;
  } else if (type == packet_type::binary_ack) {
    type = packet_type::ack;
  }
  auto& text = out.text;
  text.reserve(64);
  text += static_cast<char>('0' + static_cast<int>(type));
  std::array<char, 24> digits;
  if (!out.attachments.empty()) {
    text.append(digits.data(), std::to_chars(digits.begin(), digits.end(), out.attachments.size()).ptr);
    text += '-';
  }
  if (!p.nsp.empty() && p.nsp != "/") {
    text += p.nsp;
    text += ',';
  }
  if (p.id) text.append(digits.data(), std::to_chars(digits.begin(), digits.end(), *p.id).ptr);
  if (data) codec::append_json(text, *data);
  return out;
}

std::error_code decoder::add_text(std::string_view text, std::optional<packet>& out) {
  out.reset();
  if (pending_) return parse_errc::unexpected_binary;  // text while attachments were due
  if (text.empty() || text[0] < '0' || text[0] > '6') return parse_errc::unknown_type;
  packet p;
  p.type = static_cast<packet_type>(text[0] - '0');
  std::size_t i = 1;
  std::size_t attachments = 0;
  const bool binary = p.type == packet_type::binary_event || p.type == packet_type::binary_ack;
  if (binary) {
    const auto dash = text.find('-', i);
    if (dash == std::string_view::npos || dash == i) return parse_errc::invalid_attachments;
    const auto digits = text.substr(i, dash - i);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), attachments);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return parse_errc::invalid_attachments;
    }
    if (attachments > options_.max_attachments) return parse_errc::too_many_attachments;
    i = dash + 1;
  }
  if (i < text.size() && text[i] == '/') {
    const auto comma = text.find(',', i);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp = std::string(text.substr(i, end - i));
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }
  if (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    auto j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + j, id);
    if (ec != std::errc() || id > 9007199254740991ull) return parse_errc::invalid_ack_id;
    p.id = id;
    i = j;
  }
  if (i < text.size()) {
    const auto body = text.substr(i);
    switch (codec::parse_json(body, p.data, options_.max_depth)) {
      case codec::json_parse_result::ok: break;
      case codec::json_parse_result::invalid: return parse_errc::invalid_json;
      case codec::json_parse_result::too_deep: return parse_errc::too_deep;
    }
  }
  if (!payload_valid(p)) return parse_errc::invalid_payload;
  if ((p.type == packet_type::ack || p.type == packet_type::binary_ack) && !p.id) {
    return parse_errc::invalid_ack_id;
  }
  if ((p.type == packet_type::event || p.type == packet_type::binary_event) && p.data[0].is_string() &&
      is_reserved_event(p.data[0].get_ref<const std::string&>())) {
    return parse_errc::reserved_event;
  }
  if (binary) {
    pending_ = std::make_unique<binary_packet>(binary_packet{std::move(p), attachments, {}});
    if (attachments > 0) return {};
    return finish(out);
  }
  out = std::move(p);
  return {};
}

std::error_code decoder::add_binary(std::string_view bytes, std::optional<packet>& out) {
  out.reset();
  if (!pending_) return parse_errc::unexpected_binary;
  pending_->attachments.emplace_back(bytes);
  if (pending_->attachments.size() < pending_->expected) return {};
  return finish(out);
}

std::error_code decoder::finish(std::optional<packet>& out) {
  const auto done = std::move(pending_);
  if (!reconstruct(done->p.data, done->attachments)) return parse_errc::invalid_placeholder;
  out = std::move(done->p);
  return {};
}

}  // namespace sockio::sio
