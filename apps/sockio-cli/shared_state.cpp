#include "shared_state.hpp"

#include <iostream>

namespace sockio::cli {

void shared_state::write_locked(const line& l) {
  if (finished_) return;
  std::cout << lines::dump(l) << '\n' << std::flush;
}

void shared_state::print(const line& l) {
  std::lock_guard lock(mutex_);
  write_locked(l);
}

void shared_state::print_last(const line& l) {
  std::lock_guard lock(mutex_);
  write_locked(l);
  finished_ = true;
}

void shared_state::note(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (!finished_) std::cerr << text << '\n' << std::flush;
}

void shared_state::connected(const line& l) {
  std::lock_guard lock(mutex_);
  write_locked(l);
  status_.connected = true;
  changed_.notify_all();
}

void shared_state::event(const std::string& name, const line* l) {
  std::lock_guard lock(mutex_);
  status_.arrived.insert(name);
  if (l && !finished_) {
    write_locked(*l);
    ++status_.printed;
    // A burst must not print past --count while the main thread wakes up.
    if (last_event_ && status_.printed >= *last_event_) finished_ = true;
  }
  changed_.notify_all();
}

void shared_state::connect_failed(const line& l, bool fatal) {
  std::lock_guard lock(mutex_);
  write_locked(l);
  if (fatal && !status_.fatal) {
    status_.fatal = 1;
    // The connect_error line is the run's last.
    finished_ = true;
  }
  changed_.notify_all();
}

void shared_state::disconnected(const line& l, bool for_good) {
  std::lock_guard lock(mutex_);
  write_locked(l);
  status_.connected = false;
  status_.lost = status_.lost || for_good;
  changed_.notify_all();
}

void shared_state::call_completed(const line& l, bool acked) {
  std::lock_guard lock(mutex_);
  write_locked(l);
  if (!acked && !interactive_) finished_ = true;
  status_.call_acked = acked;
  changed_.notify_all();
}

void shared_state::barrier_passed() {
  std::lock_guard lock(mutex_);
  ++status_.barriers;
  changed_.notify_all();
}

void shared_state::fail(const line& l, int code) {
  std::lock_guard lock(mutex_);
  write_locked(l);
  if (!status_.fatal) status_.fatal = code;
  finished_ = true;
  changed_.notify_all();
}

void shared_state::wait_for_request() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return line_wanted_; });
  line_wanted_ = false;
  if (interactive_ && !finished_) std::cerr << "> " << std::flush;
}

void shared_state::line_read(std::optional<std::string> text) {
  std::lock_guard lock(mutex_);
  if (text) {
    status_.input.push_back(std::move(*text));
  } else {
    status_.eof = true;
  }
  changed_.notify_all();
}

shared_state::outcome shared_state::await(clock::time_point until,
                                          const std::function<bool(const run_status&)>& ready) {
  std::unique_lock lock(mutex_);
  const bool woke = changed_.wait_until(lock, until, [&] { return status_.fatal || ready(status_); });
  if (status_.fatal) return outcome::fatal;
  return woke ? outcome::ready : outcome::expired;
}

void shared_state::request_line() {
  std::lock_guard lock(mutex_);
  if (!status_.input.empty() || status_.eof) return;
  line_wanted_ = true;
  changed_.notify_all();
}

std::optional<std::string> shared_state::take_line() {
  std::lock_guard lock(mutex_);
  if (status_.input.empty()) return std::nullopt;
  auto text = std::move(status_.input.front());
  status_.input.pop_front();
  return text;
}

void shared_state::command_finished() {
  std::lock_guard lock(mutex_);
  status_.arrived.clear();
}

void shared_state::start_call() {
  std::lock_guard lock(mutex_);
  status_.call_acked.reset();
}

void shared_state::finish() {
  std::lock_guard lock(mutex_);
  finished_ = true;
}

void shared_state::finish_at(std::uint64_t count) {
  std::lock_guard lock(mutex_);
  last_event_ = count;
  if (status_.printed >= count) finished_ = true;
}

}  // namespace sockio::cli
