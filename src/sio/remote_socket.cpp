// A socket found by fetch_sockets: its operations run where it lives.
#include "detail/core.hpp"

namespace sockio::sio {

namespace {

/// Runs `fn` on the socket `id` of shard `shard`, if it is still there.
template <class Fn>
void with_socket(namespace_* nsp, unsigned shard, const std::string& id, Fn fn) {
  local_sockets sockets(*nsp);
  sockets.run_on(shard, [sockets, shard, id, fn] {
    const auto& on_shard = sockets.of_shard(shard);
    const auto it = on_shard.find(id);
    if (it != on_shard.end()) fn(*it->second);
  });
}

// A socket of another node is reached as socket.io's RemoteSocket does: through the
// adapter, with a broadcast to the room of its own id.
broadcast_operator to_own_room(namespace_* nsp, const std::string& id) {
  broadcast_options o;
  o.rooms.insert(id);
  return broadcast_operator(*nsp, std::move(o));
}

}  // namespace

void remote_socket::emit_args(std::string_view event, json args) const {
  if (remote) return to_own_room(nsp, id).emit_args(event, std::move(args));
  with_socket(nsp, shard, id, [event = std::string(event), args](socket& s) { s.emit_args(event, args); });
}

void remote_socket::join(const room& r) const {
  if (remote) return to_own_room(nsp, id).sockets_join({r});
  with_socket(nsp, shard, id, [r](socket& s) { s.join(r); });
}

void remote_socket::leave(const room& r) const {
  if (remote) return to_own_room(nsp, id).sockets_leave({r});
  with_socket(nsp, shard, id, [r](socket& s) { s.leave(r); });
}

void remote_socket::disconnect(bool close) const {
  if (remote) return to_own_room(nsp, id).disconnect_sockets(close);
  with_socket(nsp, shard, id, [close](socket& s) { s.disconnect(close); });
}

}  // namespace sockio::sio
