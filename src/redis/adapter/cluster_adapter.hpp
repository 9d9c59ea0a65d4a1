// socket.io-adapter's ClusterAdapter: the cluster semantics the sharded adapter and the
// Streams adapter share, over a transport each of them provides.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "node_core.hpp"
#include "sockio/adapter/in_memory_adapter.hpp"
#include "sockio/redis/cluster_wire.hpp"

namespace sockio::redis::detail {

/// The in-memory adapter for this node's sockets, plus the cluster part: what it does
/// locally it also publishes (a ClusterMessage `{uid, nsp, type, data}`), and what other
/// nodes publish it applies locally. Requests wait for one answer per other node, counted
/// by the transport. A subclass says how a message travels (`publisher`, `responder`,
/// `count_nodes`) and calls `close()` first in its destructor.
class cluster_adapter : public sio::in_memory_adapter {
 public:
  cluster_adapter(sio::namespace_& nsp, std::shared_ptr<node_core> core, std::chrono::milliseconds requests_timeout);
  ~cluster_adapter() override;

  void broadcast(sio::packet p, const sio::broadcast_options& options) override;
  void broadcast_with_ack(sio::packet p, const sio::broadcast_options& options, sio::ack_callback callback) override;
  void fetch_sockets(const sio::broadcast_options& options,
                     std::function<void(std::error_code, std::vector<sio::remote_socket>)> callback) override;
  void add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) override;
  void del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) override;
  void disconnect_sockets(const sio::broadcast_options& options, bool close) override;
  void server_side_emit(sio::json data, sio::ack_callback ack) override;
  void server_count(std::function<void(std::size_t)> callback) override;

  /// On the node's thread: a message that arrived on `where` (a channel or a stream, for
  /// log lines); `offset`: its stream entry id, empty off a stream. Its own messages and
  /// other namespaces' are skipped.
  void on_message(const cluster_wire::message& m, std::string_view where, const std::string& offset = {});

 protected:
  /// Sends `type`/`data` to the other nodes: built on the calling thread, run later on any
  /// thread, holding the node and not this adapter. `broadcast`: the options of a broadcast
  /// without acks (where its channel may depend on them), else null.
  virtual std::function<void()> publisher(cluster_wire::message_type type, const cluster_wire::ojson& data,
                                          const sio::broadcast_options* broadcast) = 0;
  /// What answers `requester`: callable from any thread, holding the node and not this adapter.
  virtual std::function<void(cluster_wire::message_type, const cluster_wire::ojson&)> responder(
      const std::string& requester) = 0;
  /// On the node's thread: the number of nodes listening to this namespace, this one included.
  virtual void count_nodes(std::function<void(std::error_code, std::size_t)> done) = 0;
  /// On the node's thread: a broadcast without acks from another node, `offset` its stream
  /// entry id (or empty). Delivers it to this node's sockets.
  virtual void on_remote_broadcast(sio::packet p, const sio::broadcast_options& options, const std::string& offset);

  /// Publishes after what the calling shard has queued (its local writes), keeping the
  /// order of this adapter's publishes from one thread.
  void publish_in_order(cluster_wire::message_type type, const cluster_wire::ojson& data,
                        const sio::broadcast_options* broadcast = nullptr);
  /// Runs `fn` on the node's thread while this adapter lives.
  void on_node(std::function<void()> fn);
  /// Ends this adapter's part on the node's thread: nothing of it runs there afterwards.
  void close();
  /// Set while this adapter lives; read on the node's thread, where `close()` resets it.
  std::weak_ptr<int> alive() const { return alive_; }
  /// A message that could not be used: counted, logged.
  void drop(std::string_view where, std::string_view reason) { core_->drop(where, reason); }

  std::shared_ptr<node_core> core_;
  const std::chrono::milliseconds requests_timeout_;

 private:
  /// Counts the nodes; when there are others, publishes `make(request_id)` and waits up
  /// to `timeout` for one answer from each: `on_response` for each, then `on_done(ec)`
  /// once. On the node's thread.
  void ask_cluster(std::chrono::milliseconds timeout,
                   std::function<std::pair<cluster_wire::message_type, cluster_wire::ojson>(const std::string&)> make,
                   std::function<void(const sio::json&)> on_response, std::function<void(std::error_code)> on_done);

  void on_broadcast(const cluster_wire::message& m, std::string_view where, const std::string& offset);
  void on_fetch_sockets(const cluster_wire::message& m, std::string_view where);
  void on_server_side_emit(const cluster_wire::message& m, std::string_view where);
  void on_response(const cluster_wire::message& m, std::string_view where);

  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // reset on the node's thread by close()
};

/// A request id of the ClusterAdapter (16 hexadecimal digits).
std::string cluster_request_id();

}  // namespace sockio::redis::detail
