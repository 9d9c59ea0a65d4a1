// One namespace's adapter on a Streams adapter node (socket.io's ClusterAdapter protocol
// over a Redis stream and pub/sub, as @socket.io/redis-streams-adapter 0.3.x).
#pragma once

#include <memory>
#include <string>

#include "cluster_adapter.hpp"

namespace sockio::redis::detail {

struct streams_state;

/// The ClusterAdapter over a stream (broadcasts, room changes, disconnections) and
/// pub/sub (requests and answers), with connection state recovery kept in Redis.
class streams_adapter final : public cluster_adapter {
 public:
  streams_adapter(sio::namespace_& nsp, std::shared_ptr<streams_state> node);
  ~streams_adapter() override;

  void broadcast(sio::packet p, const sio::broadcast_options& options) override;
  void add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) override;
  void del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) override;
  void disconnect_sockets(const sio::broadcast_options& options, bool close) override;
  void persist_session(sio::session_snapshot session) override;
  void restore_session(std::string pid, std::string offset,
                       std::function<void(std::optional<sio::restored_session>)> callback) override;

  const std::string& nsp_name() const noexcept { return sockets_.name(); }
  /// On the node's thread: a message on one of this namespace's channels.
  void on_channel_message(std::string_view channel, std::string_view payload);

 protected:
  std::function<void()> publisher(cluster_wire::message_type type, const cluster_wire::ojson& data,
                                  const sio::broadcast_options* broadcast) override;
  std::function<void(cluster_wire::message_type, const cluster_wire::ojson&)> responder(
      const std::string& requester) override;
  void count_nodes(std::function<void(std::error_code, std::size_t)> done) override;
  void on_remote_broadcast(sio::packet p, const sio::broadcast_options& options, const std::string& offset) override;

 private:
  /// Whether a delivered event carries its offset (recovery on, an event without ack, not
  /// volatile), as Node's addOffsetIfNecessary.
  bool takes_offset(const sio::packet& p, const sio::broadcast_options& options) const;
  /// XADDs `type`/`data` after the calling shard's queued writes, then runs `local` with
  /// the entry id (empty if Redis refused it) on the node's thread while this adapter lives.
  void append_then(cluster_wire::message_type type, const cluster_wire::ojson& data,
                   std::function<void(std::string)> local);
  /// The missed events of a restored session: `XRANGE` after `offset`, again after the
  /// last entry while entries come (at most 100 calls, as Node).
  void collect_missed(std::shared_ptr<sio::restored_session> restored, std::string offset, int calls,
                      std::function<void(std::optional<sio::restored_session>)> callback);

  std::shared_ptr<streams_state> node_;
  std::string stream_;
  std::string main_;      // <prefix>#<nsp>#: requests
  std::string response_;  // <prefix>#<nsp>#<uid>#: this node's answers
};

}  // namespace sockio::redis::detail
