// A Redis Cluster client on an Asio executor: the slot map read from any node, a
// connection per master, commands routed by their key's slot with MOVED / ASK followed,
// sharded subscriptions kept on the master serving each channel, and the map read again
// when a master goes away (a failover) or a slot moves.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sockio/redis/cluster_topology.hpp"
#include "sockio/redis/connection.hpp"

namespace sockio::redis {

/// How a cluster client finds the cluster and talks to its nodes.
struct cluster_options {
  /// One or more nodes of the cluster, any role (`redis://host:port`, `rediss://…` with the
  /// user and password every node accepts); the rest is discovered from them. A Redis
  /// that is not a cluster is taken as one master serving every slot.
  std::vector<std::string> seeds{"redis://127.0.0.1:6379"};
  /// Every node's connections are made with these options; their URL takes the first
  /// seed's scheme, user and password and the node's host and port.
  connection_options connection;
  /// While a master announced by the slot map is unreachable, the map is read again this
  /// often (a replica takes over after the cluster's node timeout).
  std::chrono::milliseconds refresh_interval{500};
  /// A command followed more MOVED / ASK redirects than this fails with the last one.
  unsigned max_redirects = 5;
  /// Commands made before the first slot map is known wait for it, up to this many; more
  /// fail at once with `errc::not_connected`.
  std::size_t max_waiting_commands = 10'000;
};

/// A client of one Redis Cluster, living on one executor (strand or single-threaded loop).
/// Every public function may be called from any thread; handlers run on the executor. It
/// may be destroyed from any thread while its loop lives: no handler runs afterwards.
///
/// @code
/// redis::cluster c(io.get_executor(), {.seeds = {"redis://127.0.0.1:7000"}});
/// c.on_message([](const redis::pubsub_message& m) { std::cout << m.payload << "\n"; });
/// c.start();
/// c.ssubscribe({"socket.io#/#"});
/// c.command("socket.io#/#", {"SPUBLISH", "socket.io#/#", "hello"});
/// @endcode
class cluster {
 public:
  using reply_handler = connection::reply_handler;
  using replies_handler = std::function<void(std::error_code, std::vector<reply>)>;
  using topology_handler = std::function<void(const cluster_topology&)>;

  /// Throws `std::invalid_argument` when there is no seed or a seed is not a Redis URL.
  cluster(boost::asio::any_io_executor executor, cluster_options options);
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  /// Set before `start()`: sharded messages ("smessage") from every node.
  void on_message(connection::message_handler handler);
  /// Set before `start()`: each slot map read that differs from the previous one.
  void on_topology(topology_handler handler);
  /// Set before `start()`: each change of `connected()`.
  void on_state(connection::state_handler handler);

  /// Connects to the seeds, reads the slot map and keeps it current until `stop()`.
  void start();
  void stop();

  /// Sends `args` to the master serving `key`'s slot, following redirects. Errors as
  /// `connection::command`'s; `errc::not_connected` also when no node serves the slot.
  void command(std::string key, std::vector<std::string> args, reply_handler handler = {});
  /// Sends `args` to every master (`PUBSUB SHARDNUMSUB`, `PUBSUB NUMSUB`): their replies in
  /// the order of the masters' first slots, or the first error.
  void command_masters(std::vector<std::string> args, replies_handler handler);

  /// SSUBSCRIBE on the master serving each channel, moved with its slot (after a failover
  /// or a resharding); `done` runs once each of those masters has answered.
  void ssubscribe(std::vector<std::string> channels, std::function<void()> done = {});
  void sunsubscribe(std::vector<std::string> channels);

  /// The last slot map read; any thread.
  std::optional<cluster_topology> topology() const;
  /// True when a slot map is known and every master it names is connected; any thread.
  bool connected() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sockio::redis
