// A Socket.IO socket: one client's connection to one namespace.
#pragma once

#include <algorithm>
#include <future>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "sockio/sio/broadcast_operator.hpp"
#include "sockio/sio/handler_table.hpp"
#include "sockio/sio/handlers.hpp"
#include "sockio/sio/types.hpp"

namespace boost::asio {
class io_context;
}

namespace sockio::engine {
class session;
}

namespace sockio::sio {

namespace detail {
class client;
struct socket_state;
struct namespace_state;
}  // namespace detail

class socket;
class local_sockets;

/// One client's connection to one namespace, as socket.io's `Socket`. It lives on one
/// shard: use it from its handlers, or post to `context()`. Listeners are cleared after
/// the `disconnect` event, so they may capture the socket's shared_ptr.
///
/// @code
/// io.on_connection([](const std::shared_ptr<sio::socket>& s) {
///   s->on("message", [s](json args, sio::ack_fn ack) {
///     s->emit("message-back", args[0]);
///     if (ack) ack.reply("got it");
///   });
/// });
/// @endcode
class socket : public std::enable_shared_from_this<socket> {
 public:
  socket(namespace_& nsp, std::shared_ptr<detail::client> client, std::string id, sio::handshake hs);
  ~socket();
  socket(const socket&) = delete;
  socket& operator=(const socket&) = delete;

  const std::string& id() const noexcept { return id_; }
  const sio::handshake& handshake() const noexcept { return handshake_; }
  /// Per-socket user data (socket.io's `socket.data`), kept across a recovery.
  json& data() {
    if (data_.is_null()) data_ = json::object();  // allocated on first use
    return data_;
  }
  namespace_& nsp() noexcept { return *nsp_; }
  bool connected() const noexcept { return connected_; }
  /// True when the connection state was recovered (same id, rooms, data).
  bool recovered() const noexcept { return recovered_; }
  /// The shard this socket lives on and its event loop.
  unsigned shard() const noexcept;
  boost::asio::io_context& context() noexcept;
  /// The Engine.IO transport in use ("polling" or "websocket").
  std::string_view transport() const noexcept;
  /// The Engine.IO session under this socket (socket.io's `socket.conn`), shared by
  /// the connection's sockets in every namespace.
  engine::session& conn() noexcept;

  void on(const std::string& event, event_handler handler);
  void off(const std::string& event);
  void on_any(any_handler handler);
  void on_any_outgoing(any_handler handler);
  void on_disconnecting(disconnect_handler handler);
  void on_disconnect(disconnect_handler handler);
  void on_error(error_handler handler);
  void use(packet_middleware middleware);

  /// Emits `event` to this client.
  template <class... Args>
  void emit(std::string_view event, Args&&... args) {
    emit_args(event, json::array({json(std::forward<Args>(args))...}));
  }
  void emit_args(std::string_view event, json args);
  /// Emits and waits for the client's acknowledgement: `callback(ec, args)`; with
  /// `timeout` set, `errc::timeout` if none came in time. A disconnect before the
  /// acknowledgement gives `errc::disconnected`.
  void emit_with_ack(std::string_view event, json args, ack_callback callback,
                     std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// socket.io's `emitWithAck`: the future holds the acknowledgement's arguments, or
  /// throws `std::system_error` (`errc::timeout`, `errc::disconnected`). Wait on it from
  /// another thread, never from the socket's own shard (that would block its loop).
  std::future<json> emit_with_ack(std::string_view event, json args,
                                  std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// `socket.timeout(ms)`: the emitter that acks with a timeout.
  class timed_emitter {
   public:
    timed_emitter(socket& s, std::chrono::milliseconds t) : socket_(s), timeout_(t) {}
    void emit_with_ack(std::string_view event, json args, ack_callback callback) {
      socket_.emit_with_ack(event, std::move(args), std::move(callback), timeout_);
    }
    std::future<json> emit_with_ack(std::string_view event, json args) {
      return socket_.emit_with_ack(event, std::move(args), timeout_);
    }

   private:
    socket& socket_;
    std::chrono::milliseconds timeout_;
  };
  timed_emitter timeout(std::chrono::milliseconds t) { return {*this, t}; }

  void join(const room& r);
  void join(const std::vector<room>& rooms);
  void leave(const room& r);
  /// The rooms the socket is in: its own id's room (unless it left it) and those it joined.
  std::set<room> rooms() const;
  /// True when the socket is in room `r` (without building the set).
  bool in_room(const room& r) const noexcept {
    return r == id_ ? in_own_room_ : std::binary_search(rooms_.begin(), rooms_.end(), r);
  }
  /// How many rooms `rooms()` holds (without building the set).
  std::size_t room_count() const noexcept { return rooms_.size() + (in_own_room_ ? 1 : 0); }

  /// Broadcasts from this socket: everyone selected except this socket.
  broadcast_operator to(const room& r) const;
  broadcast_operator to(const std::vector<room>& rooms) const;
  broadcast_operator in(const room& r) const { return to(r); }
  broadcast_operator except(const room& r) const;
  broadcast_operator broadcast() const;
  broadcast_operator volatile_() const;
  broadcast_operator local() const;

  /// Disconnects from the namespace ("server namespace disconnect"); with `close`, also
  /// closes the underlying connection (every namespace of this client).
  void disconnect(bool close = false);

 private:
  friend class namespace_;
  friend class broadcast_operator;
  friend class local_sockets;  // the adapters' view: rooms, delivery, acks
  friend class detail::client;
  friend struct detail::namespace_state;

  class ack_answer;

  void on_packet(json data, std::optional<std::uint64_t> ack_id);
  void on_ack(std::uint64_t id, json args);
  void on_close(std::string_view reason);
  /// Hands the socket's state to an adapter that keeps connected sessions.
  void session_changed();
  void dispatch(json packet, std::optional<std::uint64_t> ack_id);
  void run_packet_middlewares(std::size_t index, std::shared_ptr<json> packet, std::optional<std::uint64_t> ack_id);
  void send_event(json data, std::optional<std::uint64_t> ack_id, bool volatile_ = false);
  void notify_outgoing(const json& data);

  namespace_* nsp_;
  std::shared_ptr<detail::client> client_;
  std::string id_;
  std::unique_ptr<std::string> pid_;  // the private session id, with connection state recovery only
  sio::handshake handshake_;
  json data_;
  // The rooms joined, sorted, except the own id's, which `in_own_room_` tells: every
  // socket is in it, and a copy of the id would cost a string per connection. A vector:
  // a socket joins a few rooms, and an empty one costs half an empty set.
  std::vector<room> rooms_;
  bool in_own_room_ = false;
  bool connected_ = false;
  bool closing_ = false;
  bool recovered_ = false;

  handler_table handlers_;
  // Pending acks and the less common listeners, allocated on first use: most sockets
  // (an idle connection's above all) never need them.
  std::unique_ptr<detail::socket_state> state_;
  detail::socket_state& state();
  /// Adds `r` to `rooms_` (false if it was there) / removes it (false if it was not).
  bool insert_room(const room& r);
  bool erase_room(const room& r);
  const std::string& pid() const noexcept;
};

}  // namespace sockio::sio
