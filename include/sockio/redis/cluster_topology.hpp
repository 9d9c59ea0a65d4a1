// Which node of a Redis Cluster serves which hash slots, and the redirects that say so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sockio/redis/reply.hpp"

namespace sockio::redis {

/// A node of a Redis Cluster as the cluster announces it.
struct cluster_node {
  std::string host;
  std::uint16_t port = 0;
  std::string id;  ///< the node's 40-character name (empty when not announced)

  bool operator==(const cluster_node& o) const noexcept { return host == o.host && port == o.port; }
};

/// A run of consecutive slots, its master and its replicas.
struct slot_range {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  cluster_node master;
  std::vector<cluster_node> replicas;
};

/// The slot map of a Redis Cluster at one moment.
///
/// @code
/// seed.command({"CLUSTER", "SLOTS"}, [](std::error_code ec, redis::reply r) {
///   auto map = redis::cluster_topology::from_cluster_slots(r, "127.0.0.1");
///   if (map) std::cout << map->master_for(redis::key_slot("socket.io#/#"))->port << "\n";
/// });
/// @endcode
class cluster_topology {
 public:
  /// The map in a `CLUSTER SLOTS` reply; a node announced without a host ("" or "?") is
  /// on `seed_host`, the host that answered. nullopt when `r` is not such a reply.
  static std::optional<cluster_topology> from_cluster_slots(const reply& r, std::string_view seed_host);

  /// A Redis that is not a cluster, as one master serving every slot.
  static cluster_topology single_node(cluster_node node);
  /// The master serving `slot`; nullptr when no node does.
  const cluster_node* master_for(std::uint16_t slot) const noexcept;
  /// Every master, once each, in the order of their first slot.
  std::vector<cluster_node> masters() const;
  /// True when every slot has a master.
  bool covers_all_slots() const noexcept;
  const std::vector<slot_range>& ranges() const noexcept { return ranges_; }

 private:
  std::vector<slot_range> ranges_;  // sorted by first slot, not overlapping
};

/// A cluster's answer that a slot lives elsewhere: `MOVED` (for good: the map changed) or
/// `ASK` (for the next command only, while the slot migrates).
struct redirect {
  enum class kind { moved, ask };
  kind type = kind::moved;
  std::uint16_t slot = 0;
  std::string host;  ///< empty when the error named none (":port": the same host)
  std::uint16_t port = 0;
};

/// Reads "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381" (an error reply's text);
/// nullopt for any other text.
std::optional<redirect> parse_redirect(std::string_view error);

}  // namespace sockio::redis
