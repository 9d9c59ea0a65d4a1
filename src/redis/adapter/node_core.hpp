// What every kind of Redis cluster node shares: its thread, the requests it waits
// answers for, its counters and its log of dropped messages.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sockio/redis/error.hpp"
#include "sockio/redis/redis_adapter.hpp"
#include "sockio/redis/reply.hpp"
#include "sockio/redis/wire.hpp"

namespace sockio::redis::detail {

/// A request of this node, waiting for one answer per other node.
struct pending_request {
  std::size_t expected = 0;  ///< answers awaited; 0: until the timer
  std::size_t received = 0;
  std::function<void(const wire::json&)> on_response;  ///< each answer
  std::function<void(std::error_code)> on_done;        ///< once: all answered, or the timer
  std::unique_ptr<boost::asio::steady_timer> timer;
  const void* owner = nullptr;  ///< the adapter that asked (its requests end with it)
};

/// Everything below runs on the node's thread unless marked "any thread".
struct node_core {
  explicit node_core(std::string node_uid);
  ~node_core();
  node_core(const node_core&) = delete;
  node_core& operator=(const node_core&) = delete;

  /// Any thread: starts the thread (once), after `before` ran on the calling thread.
  void start(const std::function<void()>& before);
  /// Any thread (not the node's): runs `stop_connections` on the node's thread, ends every
  /// request, then stops the thread.
  void shutdown(const std::function<void()>& stop_connections);

  /// Any thread: runs `fn` on the node's thread.
  void post(std::function<void()> fn);
  /// Any thread: runs `fn` on the node's thread and waits for it (at once when there).
  void run_and_wait(const std::function<void()>& fn);

  /// Keeps `r` under `id` until it is answered or `timeout` passes (`on_done` with
  /// `timed_out` then).
  void begin_request(const std::string& id, pending_request r, std::chrono::milliseconds timeout);
  bool has_request(const std::string& id) const { return requests_.contains(id); }
  /// An answer to request `id` (ignored when it is not one of this node's, or ended).
  void answer(const std::string& id, const wire::json& response);
  /// Ends every request of `owner` without calling it back.
  void forget_requests(const void* owner);
  /// The answers request `id` has had, and the number it waits for.
  std::pair<std::size_t, std::size_t> progress(const std::string& id) const;

  /// Ends a count of the nodes: `replies` are `[channel, count]` answers of PUBSUB NUMSUB
  /// or SHARDNUMSUB, one per master asked; their sum goes to `done` and sets `peers`.
  void counted(std::error_code ec, const std::vector<reply>& replies,
               const std::function<void(std::error_code, std::size_t)>& done);

  /// Whether the thread runs (started, not shut down).
  bool running() const noexcept { return thread_.joinable(); }
  /// The counters, with `up` as the node's connections say.
  cluster_stats stats(bool up) const;

  /// A message that did not decode: counted, logged at most once a second.
  void drop(std::string_view channel, std::string_view reason);

  const std::string uid;
  boost::asio::io_context io;

  std::atomic<std::int64_t> peers{0};
  std::atomic<std::uint64_t> publishes{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> request_timeouts{0};
  std::atomic<std::uint64_t> dropped{0};

 private:
  void finish(const std::string& id, std::error_code ec);

  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::once_flag started_;
  std::unordered_map<std::string, pending_request> requests_;
  std::chrono::steady_clock::time_point last_drop_log_{};
  std::uint64_t drops_since_log_ = 0;
};

}  // namespace sockio::redis::detail
