// sockio-cli's command line: the client's options, the run's limits and the commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "sockio/client/options.hpp"

namespace sockio::cli {

/// Everything the command line says, checked and converted: the manager's and the
/// socket's options ready to use, and what the run does with the connection.
struct cli_options {
  std::string url;
  /// The namespace; empty: the URL's path, as `io(url)` does.
  std::string nsp;
  client::options manager;
  client::socket_options socket;

  /// The whole run's deadline (`--timeout`); none: no limit.
  std::optional<std::chrono::milliseconds> timeout;
  /// Printed event lines after which the run may end (`--count`).
  std::optional<std::uint64_t> count;
  /// Events printed; empty: all of them (`--listen`).
  std::vector<std::string> listen;
  /// Engine.IO packets on stderr (`--verbose`).
  bool verbose = false;
  /// The `--execute` commands, parsed; none: commands come from stdin.
  std::optional<std::vector<command>> commands;
};

/// What parsing the command line gave: the options, or the exit status to end with
/// (0 after --help, 2 after bad usage, once the error line is written).
struct parse_result {
  std::optional<cli_options> options;
  int exit_code = 0;
};

/// Parses argv. Errors are written as an error line on stdout (scripts read stdout) and
/// a hint on stderr; --help prints the help on stdout.
parse_result parse_command_line(int argc, char** argv);

}  // namespace sockio::cli
