// A Socket.IO namespace: its sockets, middlewares, rooms and broadcasts.
#pragma once

#include <memory>

#include "sockio/sio/broadcast_operator.hpp"
#include "sockio/sio/socket.hpp"

namespace sockio::sio {

class adapter;
class local_sockets;

namespace detail {
struct namespace_state;
struct server_core;
class client;
}  // namespace detail

/// Runs for every socket that connects to the namespace (on the socket's shard).
using connection_handler = std::function<void(const std::shared_ptr<socket>&)>;
/// Connection middleware: inspect the socket (handshake, auth), then `next()` or
/// `next(connect_error{"not authorized"})`. Call `next` on the socket's shard.
using middleware = std::function<void(const std::shared_ptr<socket>&, next_fn next)>;

/// Adapter room events.
enum class room_event { create_room, delete_room, join_room, leave_room };
/// Room event listener: `sid` is empty for create/delete. Runs on the shard where the
/// change happened; rooms are kept per shard, so a room spanning shards is created on
/// each of them.
using room_event_handler = std::function<void(room_event, const room&, const std::string& sid)>;

/// A namespace, as socket.io's `Namespace`. Register handlers before the server starts
/// (dynamic namespaces copy their parent's when created).
class namespace_ {
 public:
  namespace_(detail::server_core& core, std::string name);
  ~namespace_();
  namespace_(const namespace_&) = delete;
  namespace_& operator=(const namespace_&) = delete;

  const std::string& name() const noexcept;

  void on_connection(connection_handler handler);
  void use(middleware m);
  void on_room_event(room_event_handler handler);

  broadcast_operator to(const room& r) { return all().to(r); }
  broadcast_operator to(const std::vector<room>& rooms) { return all().to(rooms); }
  broadcast_operator in(const room& r) { return all().to(r); }
  broadcast_operator except(const room& r) { return all().except(r); }
  broadcast_operator volatile_() { return all().volatile_(); }
  broadcast_operator local() { return all().local(); }
  broadcast_operator compress(bool value) { return all().compress(value); }
  broadcast_operator timeout(std::chrono::milliseconds t) { return all().timeout(t); }

  /// Emits to every socket of the namespace.
  template <class... Args>
  void emit(std::string_view event, Args&&... args) {
    all().emit(event, std::forward<Args>(args)...);
  }
  void emit_with_ack(std::string_view event, json args, ack_callback callback) {
    all().emit_with_ack(event, std::move(args), std::move(callback));
  }
  std::future<json> emit_with_ack(std::string_view event, json args) {
    return all().emit_with_ack(event, std::move(args));
  }
  void fetch_sockets(std::function<void(std::error_code, std::vector<remote_socket>)> callback) {
    all().fetch_sockets(std::move(callback));
  }
  void sockets_join(const std::vector<room>& rooms) { all().sockets_join(rooms); }
  void sockets_leave(const std::vector<room>& rooms) { all().sockets_leave(rooms); }
  void disconnect_sockets(bool close = false) { all().disconnect_sockets(close); }

  /// Emits to the other servers of a cluster. On a single node there are none: an
  /// `ack` callback runs at once with no error and an empty array of responses.
  void server_side_emit(std::string_view event, json args, ack_callback ack = nullptr);
  /// Receives `server_side_emit` from other nodes.
  void on_server_side_emit(const std::string& event, event_handler handler);

  /// Sockets of the calling shard (call on a shard thread).
  std::vector<std::shared_ptr<socket>> local_sockets() const;

  /// The namespace's adapter (socket.io's `nsp.adapter`).
  sio::adapter& adapter() noexcept;
  /// Every room with a member on any node, sockets' own rooms included (socket.io's
  /// `adapter.allRooms()`); `callback(ec, rooms)` runs on the caller's shard (shard 0 from
  /// outside), `ec` set when a node of the cluster did not answer in time.
  void all_rooms(std::function<void(std::error_code, std::set<room>)> callback);
  /// The number of nodes serving this namespace (socket.io's `io.serverCount()`): 1
  /// without a cluster adapter.
  void server_count(std::function<void(std::size_t)> callback);

 private:
  // The Socket.IO layer's own types reach the namespace's state; applications and
  // adapters do not (adapters go through sio::local_sockets).
  friend class socket;
  friend class broadcast_operator;
  friend struct remote_socket;
  friend class sio::local_sockets;
  friend struct detail::server_core;
  friend class detail::client;
  friend struct detail::namespace_state;
  detail::namespace_state& state() noexcept { return *state_; }

  broadcast_operator all() { return broadcast_operator(*this); }

  std::unique_ptr<detail::namespace_state> state_;
};

}  // namespace sockio::sio
