// Reads sockio-cli's commands from stdin on a thread of its own, one line when asked.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "shared_state.hpp"

namespace sockio::cli {

/// The stdin side of the run. Lines are read only when the main thread asks for one, so
/// that the prompt shows when a command is wanted and nothing is read past the last
/// command the run executes. The thread is detached: it may sit in read(2) at exit, and
/// it keeps the state it writes to alive by itself.
class stdin_reader {
 public:
  /// Starts the thread; it delivers lines (then EOF) through `state`.
  static void start(std::shared_ptr<shared_state> state);

 private:
  /// The next line without its newline; nullopt at EOF or on a read error.
  std::optional<std::string> next_line();

  std::string buffer_;
  bool eof_ = false;
};

}  // namespace sockio::cli
