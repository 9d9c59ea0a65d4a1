// sockio-cli: a command-line Socket.IO client; one JSON object per line on stdout.
#include <iostream>
#include <optional>
#include <stdexcept>

#include "cli_options.hpp"
#include "json_lines.hpp"
#include "session.hpp"

int main(int argc, char** argv) {
  auto parsed = sockio::cli::parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  std::optional<sockio::cli::session> session;
  try {
    session.emplace(std::move(*parsed.options));
  } catch (const std::invalid_argument& e) {
    // A URL or TLS file the manager cannot use: bad usage, like a bad option.
    std::cout << sockio::cli::lines::dump(sockio::cli::lines::error(e.what())) << '\n' << std::flush;
    return 2;
  }
  const int code = session->run();
  // Closes the connection (what is queued leaves first) before the program ends.
  session.reset();
  return code;
}
