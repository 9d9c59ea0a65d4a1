// Whether a manager's loop still exists: socket handles may outlive their manager (and,
// with its own thread, its io_context), so they check before posting to it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <mutex>

namespace sockio::client::detail {

class loop_guard {
 public:
  /// Posts `f` to `ex` unless the loop is gone; false when it is.
  template <class F>
  bool post(const boost::asio::any_io_executor& ex, F&& f) {
    std::lock_guard lock(mutex_);
    if (!alive_) return false;
    boost::asio::post(ex, std::forward<F>(f));
    return true;
  }
  /// Called before the loop is destroyed; no post reaches it afterwards.
  void end() {
    std::lock_guard lock(mutex_);
    alive_ = false;
  }

 private:
  std::mutex mutex_;
  bool alive_ = true;
};

}  // namespace sockio::client::detail
