// A Redis Cluster of a test's own on loopback ports: masters (and replicas), created
// with redis-cli --cluster create, removed with the object.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace sockio::test {

class redis_cluster {
 public:
  /// Starts `masters` cluster-enabled redis-servers and `replicas_per_master` replicas of
  /// each, creates the cluster, and waits until every node reports it ok.
  explicit redis_cluster(int masters = 3, int replicas_per_master = 0);
  ~redis_cluster();
  redis_cluster(const redis_cluster&) = delete;
  redis_cluster& operator=(const redis_cluster&) = delete;

  /// Every node, masters first (the replicas' masters are chosen by redis-cli).
  std::vector<redis_server*> nodes() const;
  redis_server& node(std::size_t i) const { return *nodes_.at(i); }
  /// A seed URL: the first node's.
  std::string url() const { return nodes_.front()->url(); }

  /// One line of redis-cli's output for `command` sent to the node on `port`.
  static std::string cli(std::uint16_t port, const std::string& command);

 private:
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<redis_server>> nodes_;
};

}  // namespace sockio::test
