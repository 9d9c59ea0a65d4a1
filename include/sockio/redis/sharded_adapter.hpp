// The sharded adapter of @socket.io/redis-adapter 8.x (createShardedAdapter): sockio
// servers and Node socket.io servers on one Redis Cluster (or one Redis ≥ 7) serve one
// application over sharded pub/sub, each channel on the master owning its slot.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sockio/adapter/adapter.hpp"
#include "sockio/redis/cluster.hpp"
#include "sockio/redis/cluster_wire.hpp"
#include "sockio/redis/redis_adapter.hpp"

namespace sockio::redis {

/// Options of the sharded adapter, named as createShardedAdapter's.
struct sharded_adapter_options {
  /// Where the cluster is: one seed URL of any node is enough. A Redis that is not a
  /// cluster (`cluster_enabled:0`) is served as one node owning every slot.
  cluster_options cluster;
  std::string channel_prefix = "socket.io";  ///< `<prefix>#<nsp>#…` channels
  /// `static`: a namespace's main and response channels only; `dynamic` (Node's default):
  /// also a channel per room that is not a socket id, while it has members here;
  /// `dynamic_private`: a channel per room, socket ids included. Every node of the
  /// application must use the same mode.
  cluster_wire::subscription_mode subscription_mode = cluster_wire::subscription_mode::dynamic;
  /// How long fetch_sockets (without a timeout flag of its own) and server_side_emit with
  /// an ack wait for the other nodes (Node: 5,000 ms); also the timeout of a broadcast
  /// with acks that has none.
  std::chrono::milliseconds requests_timeout{5000};
};

namespace detail {
struct sharded_state;
}

/// This server as one node of a socket.io cluster on sharded pub/sub: one node id, one
/// connection per master (and a subscriber per master serving one of its channels), on
/// a thread of its own. A server with N shards is one node.
///
/// @code
/// redis::sharded_node cluster({.cluster = {.seeds = {"redis://127.0.0.1:7000"}}});
/// sio::server_options options;
/// options.adapter = cluster.adapter_factory();
/// sio::server io(options);
/// @endcode
///
/// Broadcasts (a broadcast to one room goes to that room's channel in the dynamic
/// modes), acks from every node's clients, fetch_sockets (with operations on remote
/// sockets), sockets_join / sockets_leave / disconnect_sockets, server_side_emit with and
/// without acks and server_count (`PUBSUB SHARDNUMSUB`, summed over the masters) reach
/// the whole cluster; all_rooms is this node's, as with Node's sharded adapter (the
/// protocol has no such request). The redis emitter speaks the classic protocol only.
class sharded_node final : public adapter_node {
 public:
  /// Throws `std::invalid_argument` for a bad seed URL.
  explicit sharded_node(sharded_adapter_options options);
  /// Stops the connections and the thread. Destroy the server (its namespaces) first.
  ~sharded_node() override;
  sharded_node(const sharded_node&) = delete;
  sharded_node& operator=(const sharded_node&) = delete;

  sio::adapter_factory adapter_factory() override;
  /// The node id on the wire (16 hexadecimal digits, as Node's ClusterAdapter).
  const std::string& uid() const noexcept override;
  /// `up`: a slot map is known and every master is connected; `peers` from SHARDNUMSUB.
  cluster_stats stats() const override;

 private:
  std::shared_ptr<detail::sharded_state> state_;
};

}  // namespace sockio::redis
