// One namespace's adapter on a Streams adapter node (socket.io's ClusterAdapter protocol
// over a Redis stream and pub/sub, as @socket.io/redis-streams-adapter 0.3.x).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

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
  /// With `persist_connected_sessions` and recovery on.
  bool keeps_connected_sessions() const override;
  void keep_session(sio::session_snapshot session) override;
  void forget_session(const std::string& pid) override;
  void restore_session(std::string pid, std::string offset,
                       std::function<void(std::optional<sio::restored_session>)> callback) override;

  const std::string& nsp_name() const noexcept { return sockets_.name(); }
  const std::string& stream() const noexcept { return stream_; }
  /// On the node's thread: a message on one of this namespace's channels.
  void on_channel_message(std::string_view channel, std::string_view payload);
  /// On the node's thread: the reader has handed over every entry of the stream up to `id`
  /// (restores waiting for it finish).
  void on_stream_read(const std::string& id);
  /// On the node's thread, often (after each XREAD): writes the kept sessions of connected
  /// sockets again when half their expiry has passed since the last time.
  void refresh_sessions();

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
  /// The missed events of a restored session: `XRANGE … COUNT read_count` after `offset`,
  /// again after the last entry while a call fills its count (at most 100 calls, as Node).
  void collect_missed(std::shared_ptr<sio::restored_session> restored, std::string offset, int calls,
                      std::function<void(std::optional<sio::restored_session>)> callback);
  /// Ends a restore whose XRANGEs reached `offset`: once the reader has handed over every
  /// entry up to `offset` (none of them reaches the socket twice), with the broadcasts
  /// delivered here after it (none is lost before the socket joins its rooms).
  void finish_restore(std::shared_ptr<sio::restored_session> restored, std::string offset, int calls,
                      std::function<void(std::optional<sio::restored_session>)> callback);
  /// Keeps a broadcast delivered here with its entry id, for the restores in progress.
  void remember(const std::string& id, const sio::packet& p, const sio::broadcast_options& options);

  struct delivered {
    std::string id;
    sio::packet packet;  // without its offset
    sio::broadcast_options options;
  };
  struct waiting_restore {
    std::string offset;
    std::shared_ptr<sio::restored_session> restored;
    int calls;
    std::function<void(std::optional<sio::restored_session>)> callback;
  };

  std::shared_ptr<streams_state> node_;
  std::string stream_;
  std::string main_;      // <prefix>#<nsp>#: requests
  std::string response_;  // <prefix>#<nsp>#<uid>#: this node's answers
  // Node's thread only:
  std::string read_up_to_;        // the last entry the reader handed over ("" before the first)
  std::deque<delivered> recent_;  // the last broadcasts delivered here (recovery on)
  std::string forgotten_up_to_;   // the newest id dropped from `recent_`
  std::vector<waiting_restore> waiting_;
  std::unordered_map<std::string, std::string> kept_;  // pid -> encoded session of a connected socket
  std::chrono::steady_clock::time_point refreshed_at_{};
};

}  // namespace sockio::redis::detail
