// Immutable broadcast operator: to / in / except / volatile / local / compress / timeout.
#pragma once

#include <future>
#include <set>

#include "sockio/sio/remote_socket.hpp"
#include "sockio/sio/types.hpp"

namespace sockio::sio {

class namespace_;

/// Flags of a broadcast.
struct broadcast_flags {
  bool volatile_ = false;  ///< drop for recipients that cannot take it right now
  bool local = false;      ///< this node only (matters with a cluster adapter)
  bool compress = true;
  std::optional<std::chrono::milliseconds> timeout;  ///< for acknowledgements
};

/// Who a broadcast goes to and how.
struct broadcast_options {
  std::set<room> rooms;   ///< empty: every socket of the namespace
  std::set<room> except;  ///< sockets in any of these rooms are left out
  broadcast_flags flags;
};

/// Selects recipients, then emits or acts on them. Every selector returns a new operator
/// (the original is unchanged), so operators can be kept and reused.
///
/// @code
/// io.to("room1").except("room2").emit("news", "hello");
/// io.timeout(5000ms).emit_with_ack("ping", json::array(), [](std::error_code ec, json responses) {});
/// @endcode
class broadcast_operator {
 public:
  explicit broadcast_operator(namespace_& nsp, broadcast_options options = {})
      : nsp_(&nsp), options_(std::move(options)) {}

  broadcast_operator to(const room& r) const;
  broadcast_operator to(const std::vector<room>& rooms) const;
  broadcast_operator in(const room& r) const { return to(r); }
  broadcast_operator in(const std::vector<room>& rooms) const { return to(rooms); }
  broadcast_operator except(const room& r) const;
  broadcast_operator except(const std::vector<room>& rooms) const;
  broadcast_operator volatile_() const;
  broadcast_operator local() const;
  broadcast_operator compress(bool value) const;
  broadcast_operator timeout(std::chrono::milliseconds value) const;

  /// Emits `event` with `args` to every selected socket (encoded once).
  template <class... Args>
  void emit(std::string_view event, Args&&... args) const {
    emit_args(event, json::array({json(std::forward<Args>(args))...}));
  }
  void emit_args(std::string_view event, json args) const;

  /// Emits and collects one acknowledgement per recipient: `callback(ec, responses)`
  /// runs once, when all answered (ec clear) or when the timeout expires
  /// (`errc::timeout`, with the responses received so far).
  void emit_with_ack(std::string_view event, json args, ack_callback callback) const;
  /// The awaitable form: the future holds the array of responses, or throws
  /// `std::system_error(errc::timeout)`. Do not wait on it from a shard thread.
  std::future<json> emit_with_ack(std::string_view event, json args) const;

  /// The selected sockets, from every shard (and, with a cluster adapter, every node);
  /// `callback(ec, sockets)` runs on the caller's shard (shard 0 when called from outside
  /// the server's threads). `ec` is set when a node did not answer in time; `sockets` then
  /// holds those that came.
  void fetch_sockets(std::function<void(std::error_code, std::vector<remote_socket>)> callback) const;
  void sockets_join(const std::vector<room>& rooms) const;
  void sockets_leave(const std::vector<room>& rooms) const;
  void disconnect_sockets(bool close = false) const;

  const broadcast_options& options() const noexcept { return options_; }

 private:
  /// A new operator whose options are these, changed by `change`.
  template <class Change>
  broadcast_operator with(Change change) const {
    auto o = options_;
    change(o);
    return broadcast_operator(*nsp_, std::move(o));
  }

  namespace_* nsp_;
  broadcast_options options_;
};

}  // namespace sockio::sio
