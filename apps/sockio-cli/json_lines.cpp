#include "json_lines.hpp"

#include "sockio/codec/base64.hpp"

namespace sockio::cli {

namespace {

constexpr const char* binary_key = "_binary";

bool is_binary_marker(const json& value) {
  return value.is_object() && value.size() == 1 && value.contains(binary_key);
}

}  // namespace

line binary_to_text(const json& value) {
  if (value.is_binary()) {
    const auto& bytes = value.get_binary();
    const std::string raw(bytes.begin(), bytes.end());
    return line{{binary_key, codec::base64_encode(raw)}};
  }
  if (value.is_array()) {
    line out = line::array();
    for (const auto& item : value) out.push_back(binary_to_text(item));
    return out;
  }
  if (value.is_object()) {
    line out = line::object();
    for (const auto& [key, item] : value.items()) out[key] = binary_to_text(item);
    return out;
  }
  return line(value);
}

std::optional<std::string> text_to_binary(json& value) {
  if (is_binary_marker(value)) {
    const auto& text = value[binary_key];
    std::optional<std::string> bytes;
    if (text.is_string()) bytes = codec::base64_decode(text.get_ref<const std::string&>());
    if (!bytes) return std::string("bad _binary value: expected a base64 string");
    value = json::binary(json::binary_t::container_type(bytes->begin(), bytes->end()));
    return std::nullopt;
  }
  if (value.is_array() || value.is_object()) {
    for (auto& item : value) {
      if (auto error = text_to_binary(item)) return error;
    }
  }
  return std::nullopt;
}

namespace lines {

line connect(const std::string& nsp, const std::string& id, const std::string& transport) {
  return {{"type", "connect"}, {"namespace", nsp}, {"id", id}, {"transport", transport}};
}

line event(const std::string& nsp, const std::string& event, const json& args) {
  return {{"type", "event"}, {"namespace", nsp}, {"event", event}, {"args", binary_to_text(args)}};
}

line ack(const std::string& event, const json& args) {
  return {{"type", "ack"}, {"event", event}, {"args", binary_to_text(args)}};
}

line connect_error(const std::string& message, const json& data) {
  return {{"type", "connect_error"}, {"message", message}, {"data", binary_to_text(data)}};
}

line disconnect(const std::string& reason) {
  return {{"type", "disconnect"}, {"reason", reason}};
}

line reconnect(std::uint64_t attempt) {
  return {{"type", "reconnect"}, {"attempt", attempt}};
}

line error(const std::string& message) {
  return {{"type", "error"}, {"message", message}};
}

std::string dump(const line& l) {
  return l.dump(-1, ' ', false, line::error_handler_t::replace);
}

}  // namespace lines

}  // namespace sockio::cli
