// A thread-safe list of event strings that tests wait on (no sleeps).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace sockio::test {

class event_log {
 public:
  void push(std::string event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    changed_.notify_all();
  }

  /// Waits until `event` was pushed `n` times; false after `timeout`.
  bool wait_for(const std::string& event, std::size_t n = 1,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), event)) >= n;
    });
  }

  /// Waits for an event starting with `prefix`; returns it, or "" after `timeout`.
  std::string wait_prefix(const std::string& prefix, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    std::string found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& e : events_) {
        if (e.starts_with(prefix)) {
          found = e;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::size_t count(const std::string& event) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), event));
  }

  std::vector<std::string> all() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

}  // namespace sockio::test
