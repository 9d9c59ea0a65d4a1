#include "redis_cluster.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "sockio/codec/random_id.hpp"

namespace sockio::test {

namespace {

/// Runs a shell command; its standard output.
std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + command);
  std::array<char, 4096> buf;
  while (const auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  if (status != 0) throw std::runtime_error("failed (" + std::to_string(status) + "): " + command + "\n" + out);
  return out;
}

}  // namespace

std::string redis_cluster::cli(std::uint16_t port, const std::string& command) {
  return run("redis-cli -h 127.0.0.1 -p " + std::to_string(port) + " " + command + " 2>&1");
}

redis_cluster::redis_cluster(int masters, int replicas_per_master)
    : dir_(std::filesystem::temp_directory_path() / ("sockio-redis-cluster-" + codec::random_id(8))) {
  std::filesystem::create_directories(dir_);
  const int count = masters * (1 + replicas_per_master);
  std::string endpoints;
  for (int i = 0; i < count; ++i) {
    const auto port = redis_server::free_port();
    const auto conf = (dir_ / ("nodes-" + std::to_string(port) + ".conf")).string();
    nodes_.push_back(std::make_unique<redis_server>(
        // The bus port is given: by default it is the port + 10000, which may be taken or
        // above 65535 for a port picked by the kernel.
        std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file", conf, "--dir", dir_.string(),
                                 "--cluster-node-timeout", "2000", "--cluster-port",
                                 std::to_string(redis_server::free_port())},
        port));
    endpoints += " 127.0.0.1:" + std::to_string(port);
  }
  run("redis-cli --cluster create" + endpoints + " --cluster-replicas " + std::to_string(replicas_per_master) +
      " --cluster-yes 2>&1");
  // Formed: every node reports the cluster ok and knows every node, connected, in its
  // role; every replica has finished its first sync (CLUSTER SLOTS lists it then).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto formed = [&](std::uint16_t port) {
    if (cli(port, "CLUSTER INFO").find("cluster_state:ok") == std::string::npos) return false;
    const auto table = cli(port, "CLUSTER NODES");
    std::size_t lines = 0, replicas = 0, connected = 0, pos = 0;
    for (auto end = table.find('\n'); end != std::string::npos; pos = end + 1, end = table.find('\n', pos)) {
      const auto line = table.substr(pos, end - pos);
      ++lines;
      if (line.find("slave") != std::string::npos) ++replicas;
      if (line.find(" connected") != std::string::npos) ++connected;
    }
    if (lines != static_cast<std::size_t>(count) || connected != lines ||
        replicas != static_cast<std::size_t>(masters * replicas_per_master)) {
      return false;
    }
    const auto replication = cli(port, "INFO replication");
    return replication.find("role:slave") == std::string::npos ||
           replication.find("master_link_status:up") != std::string::npos;
  };
  for (const auto& n : nodes_) {
    while (!formed(n->port())) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the Redis Cluster did not form");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

redis_cluster::~redis_cluster() {
  nodes_.clear();  // killed
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<redis_server*> redis_cluster::nodes() const {
  std::vector<redis_server*> out;
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

}  // namespace sockio::test
