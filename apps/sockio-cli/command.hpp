// One sockio-cli command (`emit`, `call`, `wait`, `sleep`, `disconnect`) and its parser.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sockio::cli {

using json = nlohmann::json;

/// A parsed command line, as given to --execute or read from stdin. Binary arguments
/// (`{"_binary":"<base64>"}`) are already `json::binary` values.
///
/// @code
/// auto parsed = parse_command(R"(call echo [1, {"_binary":"AQID"}])");
/// // parsed.cmd->type == command::kind::call, parsed.cmd->args[1].is_binary()
/// @endcode
struct command {
  enum class kind { emit, call, wait, sleep, disconnect };

  kind type = kind::emit;
  std::string event;          ///< emit, call, wait
  json args = json::array();  ///< emit, call: the event's arguments
  /// wait: how long at most (none: until --timeout); sleep: how long.
  std::optional<std::chrono::milliseconds> duration;

  static command emit(std::string event, json args);
  static command call(std::string event, json args);
  static command wait(std::string event, std::optional<std::chrono::milliseconds> limit);
  static command sleep(std::chrono::milliseconds duration);
  static command disconnect();
};

/// The outcome of parsing one line: a command, nothing (a blank line or a `#` comment),
/// or an error message for an error line.
struct command_parse {
  std::optional<command> cmd;
  std::string error;

  bool failed() const noexcept { return !error.empty(); }
};

command_parse parse_command(std::string_view line);

}  // namespace sockio::cli
