// The nodes a Redis Cluster client talks to, and their connections.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sockio/redis/cluster.hpp"
#include "sockio/redis/connection.hpp"
#include "sockio/redis/url.hpp"

namespace sockio::redis::detail {

/// "host:port": how a node is named in the table and in log lines.
std::string node_key(const std::string& host, std::uint16_t port);

/// The nodes of a cluster client by "host:port", each with a command connection opened
/// when first named, and a subscriber connection once it serves a sharded channel. Their
/// URLs take the first seed's scheme, user and password. On the cluster's executor.
class cluster_nodes {
 public:
  struct node {
    std::unique_ptr<connection> commands;
    std::unique_ptr<connection> subscriber;
    bool ever_up = false;  // until its first connection, commands for it wait
    std::vector<std::function<void()>> waiting;
  };

  /// What the nodes' connections report, to the cluster while it lives.
  class events {
   public:
    virtual void node_state(const std::string& key, bool up) = 0;
    virtual void message(const pubsub_message& m) = 0;
    /// A node refused (`error`) or ended a sharded channel.
    virtual void shard_lost(const std::string& key, const std::string& channel, const std::string& error) = 0;

   protected:
    ~events() = default;
  };

  /// `seeds`: the cluster's, not empty once a node is named; both outlive the table.
  cluster_nodes(boost::asio::any_io_executor executor, const cluster_options& options, const std::vector<url>& seeds)
      : executor_(std::move(executor)), options_(options), seeds_(seeds) {}

  /// Where the connections report; set before the first node is named.
  void report_to(std::weak_ptr<events> to) { events_ = std::move(to); }

  /// The node at host:port, its command connection started if new.
  node& at(const std::string& host, std::uint16_t port);
  /// The node's subscriber connection, started if new.
  connection& subscriber_at(const std::string& host, std::uint16_t port);
  /// The node named `key`, or null.
  node* find(const std::string& key);
  /// True when host:port is known and its command connection is up.
  bool connected(const std::string& host, std::uint16_t port);
  /// A command connection that is up, or null.
  connection* any_connected();
  /// Leaves `channel` on the node named `key`, if it subscribed there.
  void sunsubscribe(const std::string& key, const std::string& channel);
  /// Runs what waits for a node (each fails with errc::stopped), then closes every connection.
  void stop();

 private:
  connection_options options_for(const std::string& host, std::uint16_t port, const char* role) const;

  boost::asio::any_io_executor executor_;
  const cluster_options& options_;
  const std::vector<url>& seeds_;
  std::weak_ptr<events> events_;
  std::map<std::string, node> nodes_;
};

}  // namespace sockio::redis::detail
