// One namespace's adapter on a Redis cluster node (the classic protocol).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "sockio/adapter/in_memory_adapter.hpp"
#include "sockio/redis/wire.hpp"

namespace sockio::redis::detail {

struct node_state;

/// The in-memory adapter for this node's sockets, plus the Redis part: what it does
/// locally it also publishes, and what other nodes publish it applies locally.
class classic_adapter final : public sio::in_memory_adapter {
 public:
  classic_adapter(sio::namespace_& nsp, std::shared_ptr<node_state> node);
  ~classic_adapter() override;

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
  void all_rooms(std::function<void(std::error_code, std::set<sio::room>)> callback) override;
  void server_count(std::function<void(std::size_t)> callback) override;

  // On the node's thread, from the subscriber connection.
  void on_broadcast(std::string_view channel, std::string_view payload);
  void on_request(std::string_view payload);

  const wire::channels& channels() const noexcept { return channels_; }
  const std::string& nsp_name() const noexcept { return sockets_.name(); }

 private:
  /// Counts the nodes, and when there are others, publishes `make(request_id)` and
  /// waits up to `timeout` for one answer from each: `on_response` for each, then
  /// `on_done(ec)` once (ec set when Redis is unreachable or someone did not answer).
  /// Call on the node's thread.
  void ask_cluster(wire::request_type type, std::chrono::milliseconds timeout,
                   std::function<std::string(const std::string&)> make,
                   std::function<void(const wire::json&)> on_response, std::function<void(std::error_code)> on_done);
  /// Publishes after what the calling shard has queued (its local writes), keeping the
  /// order of this adapter's publishes from one thread.
  void publish_in_order(std::string channel, std::string payload);
  /// Runs `fn` on the node's thread while this adapter lives.
  void on_node(std::function<void()> fn);
  /// Answers `requester` (on its own channel when so configured).
  void respond(const std::string& requester, std::string payload);

  void on_fetch_request(const wire::json& request);
  void on_all_rooms_request(const wire::json& request);
  void on_sockets_request(const wire::json& request);
  void on_broadcast_request(const wire::json& request);
  void on_server_side_emit_request(const wire::json& request);

  /// Whether `r` has a member on this node (any shard): Node's filter of single-room
  /// channels, applied before a message is decoded.
  bool has_room(std::string_view r) const;

  mutable std::mutex rooms_mutex_;
  std::map<std::string, unsigned, std::less<>> room_shards_;  // room → shards with members
  std::shared_ptr<node_state> node_;
  wire::channels channels_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // reset on the node's thread at the end
};

}  // namespace sockio::redis::detail
