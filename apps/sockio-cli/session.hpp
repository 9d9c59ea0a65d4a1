// One run of sockio-cli: connect, execute the commands, wait for --count events.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli_options.hpp"
#include "command.hpp"
#include "shared_state.hpp"
#include "sockio/client/manager.hpp"
#include "sockio/client/socket.hpp"

namespace sockio::cli {

/// A manager on its own thread and the socket of one namespace. Its listeners print the
/// connection's lines as they happen (on the manager's thread); the main thread executes
/// the commands in order and decides the exit status. Every step that blocks is bounded
/// by the run's deadline (`--timeout`).
///
/// @code
/// sockio::cli::session s(std::move(options));  // throws std::invalid_argument on a bad URL
/// return s.run();
/// @endcode
class session {
 public:
  /// Throws `std::invalid_argument` when the manager rejects the URL or the TLS files.
  explicit session(cli_options opts);

  /// Runs to the end; the exit status (0, 1, 2 or 3, see --help).
  int run();

 private:
  using clock = shared_state::clock;
  /// nullopt: go on; a value: the run ends with that status.
  using step = std::optional<int>;

  void add_listeners();
  step connect();
  step run_commands();
  step read_commands();
  step await_count();
  step execute(const command& c);
  step call(const command& c);
  step wait(const command& c);
  step sleep(const command& c);
  step disconnect();

  /// The end of a wait that did not become ready: the handler's status, or 3 past the
  /// run's deadline.
  int stopped(shared_state::outcome o);
  /// A command that failed: its error line, then `code`, or go on when interactive.
  step command_failed(const std::string& message, int code);
  bool lost();

  cli_options opts_;
  bool from_stdin_;
  bool interactive_;
  clock::time_point deadline_;
  std::shared_ptr<shared_state> state_;
  bool left_ = false;  // the `disconnect` command ran
  client::manager manager_;
  client::socket socket_;
};

}  // namespace sockio::cli
