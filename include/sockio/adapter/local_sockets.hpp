// The narrow view an adapter has of a namespace's local sockets (socketioxide calls it
// SocketEmitter): every adapter, the in-memory one and the Redis ones, goes through it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sockio/codec/sio/packet.hpp"
#include "sockio/sio/types.hpp"

namespace boost::asio {
class io_context;
}

namespace sockio::sio {

class namespace_;
class socket;
enum class room_event;

/// A packet encoded once: its text message and binary attachments, shared by every
/// recipient (never copied per socket).
struct frames {
  std::shared_ptr<const std::string> text;
  std::vector<std::shared_ptr<const std::string>> attachments;
};

/// Encodes `p` once for any number of recipients.
frames make_frames(const packet& p);

/// What an adapter may do with the sockets of its namespace on this node. Sockets live on
/// shards: the per-socket calls below run on the socket's shard (use `run_on` /
/// `run_on_all` to get there); `shards`, `home_shard` and the recovery settings may be
/// read from anywhere.
///
/// @code
/// local_sockets sockets(nsp);
/// auto f = std::make_shared<const frames>(make_frames(p));
/// sockets.run_on_all([&sockets, f](unsigned shard) {
///   for (const auto& [id, s] : sockets.of_shard(shard)) sockets.deliver(*s, *f, false);
/// });
/// @endcode
class local_sockets {
 public:
  /// Sockets of one shard by id (a key views its socket's own `id()`).
  using socket_map = std::unordered_map<std::string_view, std::shared_ptr<socket>>;

  explicit local_sockets(namespace_& nsp) : nsp_(nsp) {}

  namespace_& nsp() const noexcept { return nsp_; }
  /// The namespace's name ("/", "/admin", ...).
  const std::string& name() const noexcept;

  /// Number of shards (event loops) of the server.
  unsigned shards() const noexcept;
  /// The shard whose thread calls, or 0 from outside the server's threads: where an
  /// operation reports its result.
  unsigned home_shard() const;
  boost::asio::io_context& context(unsigned shard);
  /// Runs `fn` on `shard`: at once when already there, else posted.
  void run_on(unsigned shard, std::function<void()> fn);
  /// Runs `fn(shard)` on every shard: at once on the caller's, posted to the others.
  void run_on_all(const std::function<void(unsigned)>& fn);
  /// Queues `fn` on `shard`, even from that shard: it runs after the caller returns (for
  /// results that must come asynchronously, as socket.io's promises do).
  void post(unsigned shard, std::function<void()> fn);

  /// Runs `collect(shard)` on every shard, then `done` on the caller's shard (shard 0 from
  /// outside, always after the caller returns) with the shards' results, in no particular
  /// order.
  template <class T>
  void gather(std::function<T(unsigned)> collect, std::function<void(std::vector<T>)> done);

  /// The connected sockets of `shard` (call on that shard).
  const socket_map& of_shard(unsigned shard) const;

  /// Sends encoded frames to `s`; a volatile packet is dropped when its transport is busy.
  void deliver(socket& s, const frames& f, bool volatile_);
  /// Waits for `s`'s acknowledgement of packet `id` (sent next): `callback` runs with it,
  /// or with `errc::disconnected` if the socket goes first.
  void expect_ack(socket& s, std::uint64_t id, ack_callback callback);
  /// A fresh ack id for a broadcast with acknowledgements (unique in the namespace).
  std::uint64_t next_ack_id();

  /// Adds `r` to the rooms `s` reports (`socket::rooms()`); false if it was there. The
  /// adapter keeps its own index and runs the room listeners (`emit_room_event`) once
  /// its index is consistent.
  bool add_room(socket& s, const room& r);
  /// Removes `r` from `s`'s rooms; false if it was not there.
  bool remove_room(socket& s, const room& r);
  /// Runs the namespace's room listeners (`sid` empty for create/delete).
  void emit_room_event(room_event e, const room& r, const std::string& sid);

  /// Runs the namespace's `on_server_side_emit` handler for `data` (`[event, args...]`,
  /// from another node) on shard 0; when `ack` is set, the handler's acknowledgement
  /// arguments go to it. An event without a handler is ignored.
  void server_side_event(json data, std::function<void(json)> ack);

  /// Whether connection state recovery is on, and how long a session is kept.
  bool recovery_enabled() const noexcept;
  std::chrono::milliseconds max_disconnection_duration() const noexcept;

 private:
  namespace_& nsp_;
};

template <class T>
void local_sockets::gather(std::function<T(unsigned)> collect, std::function<void(std::vector<T>)> done) {
  struct state {
    std::vector<T> results;
    std::function<void(std::vector<T>)> done;
  };
  auto st = std::make_shared<state>();
  st->done = std::move(done);
  const auto home = home_shard();
  const auto total = shards();
  run_on_all([this, st, home, total, collect = std::move(collect)](unsigned shard) {
    post(home, [st, total, result = collect(shard)]() mutable {
      st->results.push_back(std::move(result));
      if (st->results.size() == total) st->done(std::move(st->results));
    });
  });
}

}  // namespace sockio::sio
