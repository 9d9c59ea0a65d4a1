// What the manager's thread, the stdin reader and the main thread of sockio-cli share.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "json_lines.hpp"

namespace sockio::cli {

/// The facts the main thread waits on; written by handlers, read under the lock.
struct run_status {
  bool connected = false;
  /// The socket is gone and no reconnection will bring it back.
  bool lost = false;
  /// An exit status decided by a handler (a fatal connect_error).
  std::optional<int> fatal;
  /// Names of the events that arrived since the last command finished.
  std::set<std::string> arrived;
  /// Event lines printed (for --count).
  std::uint64_t printed = 0;
  /// The outcome of the `call` in flight: true when acked.
  std::optional<bool> call_acked;
  /// Barriers posted to the manager's loop that ran.
  std::uint64_t barriers = 0;
  /// Lines read from stdin, not yet taken; `eof` once it ended.
  std::deque<std::string> input;
  bool eof = false;
};

/// One mutex and one condition variable over stdout, stderr and the run's status, so
/// that lines never interleave and each change wakes the main thread. Once `finish()`
/// is called, handlers print nothing more: the program's last line is the one that
/// decided its exit.
class shared_state {
 public:
  using clock = std::chrono::steady_clock;
  enum class outcome { ready, fatal, expired };

  /// `interactive` (stdin is a terminal): "> " on stderr when a line is wanted, and a
  /// failed command does not end the run.
  explicit shared_state(bool interactive) : interactive_(interactive) {}

  /// Writes `l` on stdout, unless finished.
  void print(const line& l);
  /// Writes `l` as the run's last line: nothing is printed after it.
  void print_last(const line& l);
  /// Writes `text` as a line on stderr, unless finished.
  void note(const std::string& text);

  // ---- handlers, on the manager's thread
  void connected(const line& l);
  /// An event: recorded for `wait`, printed and counted when `l` is given.
  void event(const std::string& name, const line* l);
  void connect_failed(const line& l, bool fatal);
  void disconnected(const line& l, bool for_good);
  /// The `call` in flight ended; a failure outside an interactive session is the last line.
  void call_completed(const line& l, bool acked);
  void barrier_passed();
  /// Ends the run with `code` after printing `l`.
  void fail(const line& l, int code);

  // ---- the stdin reader
  /// Blocks until the main thread wants a line; writes the prompt.
  void wait_for_request();
  void line_read(std::optional<std::string> text);

  // ---- the main thread
  /// Waits until `ready(status)`, a fatal status or `until`.
  outcome await(clock::time_point until, const std::function<bool(const run_status&)>& ready);
  /// Asks the stdin reader for the next line.
  void request_line();
  /// Takes the next stdin line; nullopt at EOF. Call after `await` saw one.
  std::optional<std::string> take_line();
  /// Reads the status under the lock: `f(const run_status&)`.
  template <class F>
  auto inspect(F&& f) {
    std::lock_guard lock(mutex_);
    return std::forward<F>(f)(static_cast<const run_status&>(status_));
  }
  /// Events before this moment no longer satisfy a `wait`.
  void command_finished();
  /// Forgets the outcome of the previous `call`.
  void start_call();
  /// Handlers print nothing from now on.
  void finish();
  /// Handlers stop printing once `count` event lines were printed (the run's last line).
  void finish_at(std::uint64_t count);

 private:
  void write_locked(const line& l);

  std::mutex mutex_;
  std::condition_variable changed_;
  run_status status_;
  bool finished_ = false;
  std::optional<std::uint64_t> last_event_;  // finish_at
  bool interactive_ = false;
  bool line_wanted_ = false;
};

}  // namespace sockio::cli
