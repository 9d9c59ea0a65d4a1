#include "command.hpp"

#include <charconv>

#include "json_lines.hpp"

namespace sockio::cli {

namespace {

constexpr std::string_view spaces = " \t\r\n";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(spaces);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(spaces) - first + 1);
}

/// Splits the first word (or a JSON string, for event names with spaces) off `rest`.
std::optional<std::string> next_token(std::string_view& rest, std::string& error) {
  rest = trim(rest);
  if (rest.empty()) return std::nullopt;
  if (rest.front() == '"') {
    std::size_t end = 1;
    while (end < rest.size() && rest[end] != '"') end += rest[end] == '\\' ? 2 : 1;
    if (end >= rest.size()) {
      error = "unterminated event name";
      return std::nullopt;
    }
    const auto quoted = rest.substr(0, end + 1);
    rest.remove_prefix(end + 1);
    const auto parsed = json::parse(quoted, nullptr, false);
    if (!parsed.is_string()) {
      error = "bad event name " + std::string(quoted);
      return std::nullopt;
    }
    return parsed.get<std::string>();
  }
  const auto end = std::min(rest.find_first_of(spaces), rest.size());
  std::string token(rest.substr(0, end));
  rest.remove_prefix(end);
  return token;
}

std::optional<std::chrono::milliseconds> parse_ms(std::string_view text) {
  std::int64_t ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms < 0) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

/// The arguments of `emit`/`call`: the rest of the line, a JSON array (none: no args).
std::optional<json> parse_args(std::string_view text, std::string& error) {
  text = trim(text);
  if (text.empty()) return json::array();
  json args;
  try {
    args = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's "[json.exception.parse_error.101] " prefix tells a user nothing.
    std::string what = e.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos) what.erase(0, bracket + 2);
    error = "bad JSON: " + what;
    return std::nullopt;
  }
  if (!args.is_array()) {
    error = "expected a JSON array of arguments, got " + std::string(text);
    return std::nullopt;
  }
  if (auto bad = text_to_binary(args)) {
    error = *bad;
    return std::nullopt;
  }
  return args;
}

command_parse fail(std::string message) {
  return {std::nullopt, std::move(message)};
}

command_parse parse_emit(std::string_view word, std::string_view rest) {
  std::string error;
  auto event = next_token(rest, error);
  if (!event) return fail(error.empty() ? std::string(word) + ": missing EVENT" : error);
  auto args = parse_args(rest, error);
  if (!args) return fail(error);
  if (word == "emit") return {command::emit(std::move(*event), std::move(*args)), {}};
  return {command::call(std::move(*event), std::move(*args)), {}};
}

command_parse parse_wait(std::string_view rest) {
  std::string error;
  auto event = next_token(rest, error);
  if (!event) return fail(error.empty() ? "wait: missing EVENT" : error);
  rest = trim(rest);
  if (rest.empty()) return {command::wait(std::move(*event), std::nullopt), {}};
  const auto ms = parse_ms(rest);
  if (!ms) return fail("wait: expected a duration in milliseconds, got " + std::string(rest));
  return {command::wait(std::move(*event), ms), {}};
}

command_parse parse_sleep(std::string_view rest) {
  rest = trim(rest);
  const auto ms = parse_ms(rest);
  if (!ms) return fail("sleep: expected a duration in milliseconds, got \"" + std::string(rest) + "\"");
  return {command::sleep(*ms), {}};
}

}  // namespace

command command::emit(std::string event, json args) {
  command c;
  c.type = kind::emit;
  c.event = std::move(event);
  c.args = std::move(args);
  return c;
}

command command::call(std::string event, json args) {
  command c = emit(std::move(event), std::move(args));
  c.type = kind::call;
  return c;
}

command command::wait(std::string event, std::optional<std::chrono::milliseconds> limit) {
  command c;
  c.type = kind::wait;
  c.event = std::move(event);
  c.duration = limit;
  return c;
}

command command::sleep(std::chrono::milliseconds duration) {
  command c;
  c.type = kind::sleep;
  c.duration = duration;
  return c;
}

command command::disconnect() {
  command c;
  c.type = kind::disconnect;
  return c;
}

command_parse parse_command(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return {};
  const auto end = std::min(line.find_first_of(spaces), line.size());
  const auto word = line.substr(0, end);
  const auto rest = line.substr(end);
  if (word == "emit" || word == "call") return parse_emit(word, rest);
  if (word == "wait") return parse_wait(rest);
  if (word == "sleep") return parse_sleep(rest);
  if (word == "disconnect") {
    if (!trim(rest).empty()) return fail("disconnect takes no arguments");
    return {command::disconnect(), {}};
  }
  return fail("unknown command \"" + std::string(word) + "\" (emit, call, wait, sleep, disconnect)");
}

}  // namespace sockio::cli
