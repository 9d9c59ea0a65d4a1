// A classic Redis cluster node: its two connections and its namespaces' routes.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "node_core.hpp"
#include "sockio/redis/cluster.hpp"
#include "sockio/redis/redis_adapter.hpp"
#include "sockio/redis/wire.hpp"

namespace sockio::redis::detail {

class classic_adapter;

/// The classic protocol's node: one connection publishes, one subscribes. Everything
/// below runs on the node's thread unless marked "any thread".
struct node_state : node_core {
  explicit node_state(adapter_options o);
  ~node_state();

  /// Any thread: starts the thread and the connections (once).
  void start();
  /// Any thread (not the node's): stops the connections, then the thread.
  void shutdown();

  /// Any thread: PUBLISH, counted; a refusal is counted as dropped.
  void publish(std::string channel, std::string payload);
  /// The number of connections subscribed to `channel` (PUBSUB NUMSUB): the nodes.
  void count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done);

  /// Registers `a`'s channels and subscribes to them; `remove` undoes it.
  void add(classic_adapter& a);
  void remove(classic_adapter& a);

  std::string new_request_id() const;

  adapter_options options;
  connection pub;
  connection sub;
  std::unique_ptr<cluster> masters;  // with redis_cluster: counts the nodes on every master

 private:
  void on_message(const pubsub_message& m);
  void on_response(std::string_view payload);

  mutable std::mutex routes_mutex_;  // adapters register from shard threads
  std::unordered_map<std::string, classic_adapter*> by_pattern_;
  std::unordered_map<std::string, classic_adapter*> by_request_channel_;
  std::unordered_map<std::string, int> response_channels_;  // channel → namespaces using it
};

}  // namespace sockio::redis::detail
