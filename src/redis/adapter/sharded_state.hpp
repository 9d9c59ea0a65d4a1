// A sharded Redis cluster node: its cluster client and its namespaces' channels.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "node_core.hpp"
#include "sockio/redis/sharded_adapter.hpp"

namespace sockio::redis::detail {

class sharded_adapter;

/// Everything below runs on the node's thread unless marked "any thread".
struct sharded_state : node_core {
  explicit sharded_state(sharded_adapter_options o);
  ~sharded_state();

  /// Any thread: starts the thread and the cluster client (once).
  void start();
  /// Any thread (not the node's): stops the cluster client, then the thread.
  void shutdown();

  /// Any thread: SPUBLISH on the channel's master, counted; a refusal is counted as dropped.
  void publish(std::string channel, std::string payload);
  /// The subscribers of `channel` summed over the masters (PUBSUB SHARDNUMSUB): the nodes.
  void count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done);

  /// Any thread: routes `channels` to `a` and subscribes to them; `unsubscribe` undoes it.
  void subscribe(std::vector<std::string> channels, sharded_adapter& a);
  void unsubscribe(std::vector<std::string> channels);

  sharded_adapter_options options;
  cluster redis;

 private:
  void on_message(const pubsub_message& m);

  mutable std::mutex routes_mutex_;                           // adapters subscribe from shard threads
  std::unordered_map<std::string, sharded_adapter*> routes_;  // channel → its namespace's adapter
};

}  // namespace sockio::redis::detail
