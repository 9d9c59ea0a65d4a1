// The default adapter: one node, rooms per shard, recovery data in memory.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "sockio/adapter/adapter.hpp"
#include "sockio/adapter/local_sockets.hpp"

namespace sockio::sio {

/// The default adapter: rooms kept per shard, broadcasts encoded once and posted to every
/// shard, recovery data in memory. It reaches sockets only through `local_sockets`, as
/// a cluster adapter does; a cluster adapter extends it with the network part.
class in_memory_adapter : public adapter {
 public:
  explicit in_memory_adapter(namespace_& nsp);
  ~in_memory_adapter() override;

  void add_all(socket& s, const std::set<room>& rooms) override;
  void del(socket& s, const room& r) override;
  void del_all(socket& s) override;
  void broadcast(packet p, const broadcast_options& options) override;
  void broadcast_with_ack(packet p, const broadcast_options& options, ack_callback callback) override;
  void fetch_sockets(const broadcast_options& options,
                     std::function<void(std::error_code, std::vector<remote_socket>)> callback) override;
  void add_sockets(const broadcast_options& options, const std::vector<room>& rooms) override;
  void del_sockets(const broadcast_options& options, const std::vector<room>& rooms) override;
  void disconnect_sockets(const broadcast_options& options, bool close) override;
  void server_side_emit(json args, ack_callback ack) override;
  void all_rooms(std::function<void(std::error_code, std::set<room>)> callback) override;
  void server_count(std::function<void(std::size_t)> callback) override;
  void persist_session(session_snapshot session) override;
  void restore_session(std::string pid, std::string offset,
                       std::function<void(std::optional<restored_session>)> callback) override;

  /// The sockets of `shard` selected by `options` (call on that shard).
  std::vector<std::shared_ptr<socket>> select_local(unsigned shard, const broadcast_options& options) const;
  /// Local members of a room on `shard` (call on that shard).
  std::size_t room_size(unsigned shard, const room& r) const;

 protected:
  /// Sends `p` (encoded once) to the local sockets selected by `options`, keeping nothing
  /// for recovery: for a cluster adapter that keeps the packets elsewhere.
  void deliver(packet p, const broadcast_options& options);
  /// Sends `p` (its ack id set) to the local sockets selected by `options` and waits for
  /// their acknowledgements: `count(n)` runs once per shard, on it, with its number of
  /// recipients; `each(args)` once per acknowledgement. A cluster adapter reports both
  /// to the node that asked.
  void deliver_with_ack(packet p, const broadcast_options& options, std::function<void(std::size_t)> count,
                        std::function<void(json)> each);

  namespace_& nsp_;
  local_sockets sockets_;

 private:
  using clock = std::chrono::steady_clock;
  /// Runs `fn` on every selected local socket of every shard, on its shard.
  void for_each_selected(const broadcast_options& options, std::function<void(socket&)> fn);
  /// With recovery on: appends the offset to an event and keeps it.
  void persist_packet(json& data, const broadcast_options& options);

  /// The socket whose own room (its id) `r` is, if it is on `shard` and still in it.
  socket* own_room_member(unsigned shard, const room& r) const;

  // Per shard: the members of every room, but for each socket's membership of its own
  // room (its id), which the shard's socket map already finds by id (a set of one per
  // socket would be ~300 bytes each). A room named after a socket may have other members.
  std::vector<std::unordered_map<room, std::unordered_set<socket*>>> rooms_;

  struct stored_packet {
    std::string offset;
    broadcast_options options;
    json data;
    clock::time_point at;
  };
  struct stored_session {
    session_snapshot session;
    clock::time_point disconnected_at;
  };
  std::mutex recovery_mutex_;
  std::deque<stored_packet> packets_;
  std::unordered_map<std::string, stored_session> sessions_;
  std::uint64_t next_offset_ = 0;
  std::string offset_prefix_;  // random: offsets of an earlier run never match
};

}  // namespace sockio::sio
