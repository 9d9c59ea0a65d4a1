// The shared part of a Redis cluster node: its thread, its two connections, its
// namespaces' routes and the requests it waits answers for.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "sockio/redis/redis_adapter.hpp"
#include "sockio/redis/wire.hpp"

namespace sockio::redis::detail {

class classic_adapter;

/// A request of this node, waiting for one answer per other node.
struct pending_request {
  wire::request_type type;
  std::size_t expected = 0;  ///< answers awaited; 0: until the timer
  std::size_t received = 0;
  std::function<void(const wire::json&)> on_response;  ///< each answer
  std::function<void(std::error_code)> on_done;        ///< once: all answered, or the timer
  std::unique_ptr<boost::asio::steady_timer> timer;
  const void* owner = nullptr;  ///< the adapter that asked (its requests end with it)
};

/// Everything below runs on the node's thread unless marked "any thread".
struct node_state : std::enable_shared_from_this<node_state> {
  explicit node_state(adapter_options o);
  ~node_state();

  /// Any thread: starts the thread and the connections (once).
  void start();
  /// Any thread (not the node's): stops the connections, then the thread.
  void shutdown();

  /// Any thread: runs `fn` on the node's thread.
  void post(std::function<void()> fn);
  /// Any thread: runs `fn` on the node's thread and waits for it (at once when there).
  void run_and_wait(const std::function<void()>& fn);

  /// Any thread: PUBLISH, counted; a refusal is counted as dropped.
  void publish(std::string channel, std::string payload);
  /// The number of connections subscribed to `channel` (PUBSUB NUMSUB): the nodes.
  void count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done);

  /// Registers `a`'s channels and subscribes to them; `remove` undoes it.
  void add(classic_adapter& a);
  void remove(classic_adapter& a);

  std::string new_request_id() const;
  /// Keeps `r` under `id` until it is answered or `timeout` passes (`on_done` with
  /// `timed_out` then).
  void begin_request(const std::string& id, pending_request r, std::chrono::milliseconds timeout);
  bool has_request(const std::string& id) const { return requests.contains(id); }
  /// Ends every request of `owner` without calling it back.
  void forget_requests(const void* owner);

  /// A message that did not decode: counted, logged at most once a second.
  void drop(std::string_view channel, std::string_view reason);

  adapter_options options;
  const std::string uid;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::thread thread;
  connection pub;
  connection sub;

  std::atomic<std::int64_t> peers{0};
  std::atomic<std::uint64_t> publishes{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> request_timeouts{0};
  std::atomic<std::uint64_t> dropped{0};

 private:
  void on_message(const pubsub_message& m);
  void on_response(std::string_view payload);
  void finish(const std::string& id, std::error_code ec);

  std::once_flag started_;
  mutable std::mutex routes_mutex_;  // adapters register from shard threads
  std::unordered_map<std::string, classic_adapter*> by_pattern_;
  std::unordered_map<std::string, classic_adapter*> by_request_channel_;
  std::unordered_map<std::string, int> response_channels_;  // channel → namespaces using it

  std::unordered_map<std::string, pending_request> requests;
  std::chrono::steady_clock::time_point last_drop_log_{};
  std::uint64_t drops_since_log_ = 0;
};

}  // namespace sockio::redis::detail
