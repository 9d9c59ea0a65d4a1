// One namespace's adapter on a sharded Redis cluster node (socket.io's ClusterAdapter
// protocol over sharded pub/sub).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "sockio/adapter/in_memory_adapter.hpp"
#include "sockio/redis/cluster_wire.hpp"

namespace sockio::redis::detail {

struct sharded_state;

/// The in-memory adapter for this node's sockets, plus the cluster part: what it does
/// locally it also publishes, and what other nodes publish it applies locally.
class sharded_adapter final : public sio::in_memory_adapter {
 public:
  sharded_adapter(sio::namespace_& nsp, std::shared_ptr<sharded_state> node);
  ~sharded_adapter() override;

  void add_all(sio::socket& s, const std::set<sio::room>& rooms) override;
  void del(sio::socket& s, const sio::room& r) override;
  void broadcast(sio::packet p, const sio::broadcast_options& options) override;
  void broadcast_with_ack(sio::packet p, const sio::broadcast_options& options, sio::ack_callback callback) override;
  void fetch_sockets(const sio::broadcast_options& options,
                     std::function<void(std::error_code, std::vector<sio::remote_socket>)> callback) override;
  void add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) override;
  void del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) override;
  void disconnect_sockets(const sio::broadcast_options& options, bool close) override;
  void server_side_emit(sio::json data, sio::ack_callback ack) override;
  void server_count(std::function<void(std::size_t)> callback) override;

  /// On the node's thread: a message on one of this namespace's channels.
  void on_message(std::string_view channel, std::string_view payload);

 private:
  /// Publishes after what the calling shard has queued (its local writes), keeping the
  /// order of this adapter's publishes from one thread.
  void publish_in_order(cluster_wire::message_type type, const cluster_wire::ojson& data, std::string channel = {});
  /// Answers `requester` on its response channel.
  void respond(const std::string& requester, cluster_wire::message_type type, const cluster_wire::ojson& data);
  /// Runs `fn` on the node's thread while this adapter lives.
  void on_node(std::function<void()> fn);
  /// Counts the nodes; when there are others, publishes `make(request_id)` and waits up
  /// to `timeout` for one answer from each: `on_response` for each, then `on_done(ec)`
  /// once. On the node's thread.
  void ask_cluster(std::chrono::milliseconds timeout, std::function<std::string(const std::string&)> make,
                   std::function<void(const sio::json&)> on_response, std::function<void(std::error_code)> on_done);

  void on_broadcast(const cluster_wire::message& m);
  void on_fetch_sockets(const cluster_wire::message& m);
  void on_server_side_emit(const cluster_wire::message& m);
  void on_response(const cluster_wire::message& m);

  /// A room appeared on (vanished from) this node: its channel, when the mode has one.
  void room_created(const sio::room& r, bool is_socket_id);
  void room_deleted(const sio::room& r);

  struct local_room {
    unsigned shards = 0;      // shards with members
    bool subscribed = false;  // its channel is subscribed to
  };
  std::mutex rooms_mutex_;
  std::map<std::string, local_room, std::less<>> rooms_;
  std::shared_ptr<sharded_state> node_;
  cluster_wire::sharded_channels channels_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // reset on the node's thread at the end
};

}  // namespace sockio::redis::detail
