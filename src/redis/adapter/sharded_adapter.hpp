// One namespace's adapter on a sharded Redis cluster node (socket.io's ClusterAdapter
// protocol over sharded pub/sub).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "cluster_adapter.hpp"

namespace sockio::redis::detail {

struct sharded_state;

/// The ClusterAdapter over SPUBLISH/SSUBSCRIBE: the namespace's channel, this node's
/// response channel, and in the dynamic modes a channel per room with members here.
class sharded_adapter final : public cluster_adapter {
 public:
  sharded_adapter(sio::namespace_& nsp, std::shared_ptr<sharded_state> node);
  ~sharded_adapter() override;

  void add_all(sio::socket& s, const std::set<sio::room>& rooms) override;
  void del(sio::socket& s, const sio::room& r) override;

  /// On the node's thread: a message on one of this namespace's channels.
  void on_channel_message(std::string_view channel, std::string_view payload);

 protected:
  std::function<void()> publisher(cluster_wire::message_type type, const cluster_wire::ojson& data,
                                  const sio::broadcast_options* broadcast) override;
  std::function<void(cluster_wire::message_type, const cluster_wire::ojson&)> responder(
      const std::string& requester) override;
  void count_nodes(std::function<void(std::error_code, std::size_t)> done) override;

 private:
  struct local_room {
    unsigned shards = 0;      // shards with members
    bool subscribed = false;  // its channel is subscribed to
  };
  std::mutex rooms_mutex_;
  std::map<std::string, local_room, std::less<>> rooms_;
  std::shared_ptr<sharded_state> node_;
  cluster_wire::sharded_channels channels_;
};

}  // namespace sockio::redis::detail
