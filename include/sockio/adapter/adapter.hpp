// The adapter contract: where a namespace's rooms live and how broadcasts and
// cluster-wide operations reach sockets.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sockio/adapter/local_sockets.hpp"
#include "sockio/codec/sio/packet.hpp"
#include "sockio/sio/broadcast_operator.hpp"

namespace sockio::sio {

class namespace_;
class socket;

/// What connection state recovery keeps of a disconnected socket.
struct session_snapshot {
  std::string sid;
  std::string pid;
  std::set<room> rooms;
  json data;
};

/// A session found again, with the event packets (`data` arrays) it missed.
struct restored_session {
  session_snapshot session;
  std::vector<json> missed;
};

/// Where a namespace's rooms live and how its broadcasts reach sockets, as socket.io's
/// Adapter. One instance per namespace. Membership calls run on the socket's shard; every
/// other operation may be called from any shard and is asynchronous, so that a cluster
/// adapter (Redis) fits the same interface. Callbacks run on the caller's shard (shard 0
/// when called from outside the server's threads).
class adapter {
 public:
  virtual ~adapter() = default;

  /// Adds a local socket to rooms.
  virtual void add_all(socket& s, const std::set<room>& rooms) = 0;
  /// Removes a local socket from a room.
  virtual void del(socket& s, const room& r) = 0;
  /// Removes a local socket from all its rooms.
  virtual void del_all(socket& s) = 0;

  /// Sends `p` (encoded once) to the sockets selected by `options`.
  virtual void broadcast(packet p, const broadcast_options& options) = 0;
  /// Sends `p` with an ack id and collects one response per recipient.
  virtual void broadcast_with_ack(packet p, const broadcast_options& options, ack_callback callback) = 0;
  virtual void fetch_sockets(const broadcast_options& options,
                             std::function<void(std::error_code, std::vector<remote_socket>)> callback) = 0;
  virtual void add_sockets(const broadcast_options& options, const std::vector<room>& rooms) = 0;
  virtual void del_sockets(const broadcast_options& options, const std::vector<room>& rooms) = 0;
  virtual void disconnect_sockets(const broadcast_options& options, bool close) = 0;
  /// Emits to the other servers of the cluster; `ack` gets their responses.
  virtual void server_side_emit(json args, ack_callback ack) = 0;
  /// Every room with a member on any node (socket.io's `allRooms`; sockets' own rooms
  /// included).
  virtual void all_rooms(std::function<void(std::error_code, std::set<room>)> callback) = 0;
  /// The number of nodes of the cluster, this one included (socket.io's `serverCount`).
  virtual void server_count(std::function<void(std::size_t)> callback) = 0;

  /// Keeps a disconnected socket's state for connection state recovery.
  virtual void persist_session(session_snapshot session) = 0;
  /// Whether the adapter also keeps the sessions of connected sockets (`keep_session`),
  /// so that they can be recovered on another node should this one die without
  /// disconnecting them. Default: no.
  virtual bool keeps_connected_sessions() const { return false; }
  /// When `keeps_connected_sessions()`: a connected socket's state, on connect (after the
  /// connection handlers) and after each room change, on the socket's shard.
  virtual void keep_session(session_snapshot /*session*/) {}
  /// When `keeps_connected_sessions()`: a socket that disconnected for a reason recovery
  /// does not cover; its kept session goes.
  virtual void forget_session(const std::string& /*pid*/) {}
  /// Finds a kept session and what it missed since `offset`; nullopt if unknown,
  /// expired, or the offset is no longer known.
  virtual void restore_session(std::string pid, std::string offset,
                               std::function<void(std::optional<restored_session>)> callback) = 0;
};

/// Creates the adapter of a namespace (`server_options::adapter`).
using adapter_factory = std::function<std::unique_ptr<adapter>(namespace_&)>;

}  // namespace sockio::sio
