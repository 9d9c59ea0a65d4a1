// The classic Redis adapter of @socket.io/redis-adapter 8.x: sockio servers and Node
// socket.io servers on one Redis serve one application.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sockio/adapter/adapter.hpp"
#include "sockio/redis/connection.hpp"

namespace sockio::redis {

/// Options of the classic adapter, named as @socket.io/redis-adapter's.
struct adapter_options {
  /// Where Redis is, and how the two connections (publish, subscribe) behave.
  connection_options connection;
  std::string key = "socket.io";  ///< prefix of every channel
  /// How long fetch_sockets, all_rooms and server_side_emit with an ack wait for the
  /// other nodes; also the timeout of a broadcast with acks that has none of its own.
  std::chrono::milliseconds requests_timeout{5000};
  /// Answer requests on the requester's own channel (`<key>-response#<nsp>#<uid>#`)
  /// instead of the shared one.
  bool publish_on_specific_response_channel = false;
  /// `connection.url` is a node of a Redis Cluster: PUBLISH and SUBSCRIBE go to that node
  /// (the cluster forwards every message to every node), and the nodes are counted with
  /// PUBSUB NUMSUB on every master, summed, as Node's adapter does with a cluster client.
  bool redis_cluster = false;
};

/// What a node saw of the cluster; read from any thread.
struct cluster_stats {
  bool up = false;                     ///< every Redis connection the node needs is up
  std::int64_t peers = 0;              ///< other nodes seen at the last count (PUBSUB (SHARD)NUMSUB - 1)
  std::uint64_t publishes = 0;         ///< messages published
  std::uint64_t received = 0;          ///< messages received from other nodes (and emitters)
  std::uint64_t request_timeouts = 0;  ///< cluster requests that ended without every answer
  std::uint64_t dropped = 0;           ///< messages from Redis that did not decode, and publishes Redis refused
};

/// A node of a socket.io cluster on Redis, whatever the protocol (classic: `node`,
/// sharded: `sharded_node`): what a server needs of it, and what it reports.
class adapter_node {
 public:
  virtual ~adapter_node() = default;
  /// For `sio::server_options::adapter`: one adapter per namespace, all on this node.
  virtual sio::adapter_factory adapter_factory() = 0;
  /// The node id on the wire.
  virtual const std::string& uid() const noexcept = 0;
  virtual cluster_stats stats() const = 0;
};

namespace detail {
struct node_state;
}

/// This server as one node of a socket.io cluster on Redis (the classic protocol): one
/// node id, one subscriber connection for all its namespaces, one publishing connection,
/// on a thread of its own. A server with N shards is one node.
///
/// @code
/// redis::node cluster({.connection = {.url = "redis://127.0.0.1:6379"}});
/// sio::server_options options;
/// options.adapter = cluster.adapter_factory();
/// sio::server io(options);
/// @endcode
///
/// Broadcasts (to / except / volatile / compress; `local()` stays on this node), acks
/// from every node's clients, fetch_sockets (with operations on remote sockets),
/// sockets_join / sockets_leave / disconnect_sockets, server_side_emit with and without
/// acks, all_rooms and server_count reach the whole cluster. While Redis is unreachable
/// the node keeps serving its own clients; cluster requests fail with their timeout
/// error at once.
class node final : public adapter_node {
 public:
  /// Throws `std::invalid_argument` for a bad Redis URL.
  explicit node(adapter_options options);
  /// Stops the connections and the thread. Destroy the server (its namespaces) first.
  ~node() override;
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  sio::adapter_factory adapter_factory() override;
  /// The node id on the wire (6 characters, as Node's uid2(6)).
  const std::string& uid() const noexcept override;
  cluster_stats stats() const override;

 private:
  std::shared_ptr<detail::node_state> state_;
};

}  // namespace sockio::redis
