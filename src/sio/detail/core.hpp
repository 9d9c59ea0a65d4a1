// Internals of the Socket.IO server shared by its translation units.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "sockio/sio/server.hpp"

namespace sockio::sio::detail {

using clock = std::chrono::steady_clock;

using sio::frames;
using sio::make_frames;

class client;

/// State shared by all shards of one server.
struct server_core {
  explicit server_core(server_options opts);

  server_options options;
  engine::server engine;

  std::mutex namespaces_mutex;
  std::map<std::string, std::unique_ptr<namespace_>> namespaces;
  struct parent {
    std::function<bool(const std::string&, const json&)> match;
    std::unique_ptr<namespace_> nsp;
  };
  std::vector<parent> parents;
  std::function<void(namespace_&)> new_namespace;

  std::atomic<bool> stopped{false};

  /// Clients per shard (accessed on that shard only).
  std::vector<std::unordered_map<client*, std::weak_ptr<client>>> clients;

  unsigned shards() const noexcept { return engine.threads(); }
  boost::asio::io_context& context(unsigned shard) { return engine.context(shard); }
  /// The shard whose thread calls, or -1 outside the server's threads.
  int current_shard() const;
  /// Runs `fn` on `shard`: at once when already there, else posted.
  void run_on(unsigned shard, std::function<void()> fn);
  /// Runs `fn(shard)` on every shard: at once on the caller's, posted to the others.
  void run_on_all(const std::function<void(unsigned)>& fn);
  /// The shard to report results on: the caller's, or 0 from outside.
  unsigned home_shard() const {
    const int s = current_shard();
    return s < 0 ? 0u : static_cast<unsigned>(s);
  }

  namespace_& get_or_create(const std::string& name);
  /// Runs the new_namespace hook on `created`, then makes it findable.
  namespace_& publish(std::unique_ptr<namespace_> created);
  /// The namespace a client asks for: existing, or a new child of a matching parent.
  namespace_* resolve(const std::string& name, const json& auth);
};

/// Bridges one Engine.IO session to its namespace sockets (socket.io's client.ts).
class client final : public engine::session_handler, public std::enable_shared_from_this<client> {
 public:
  client(server_core& core, std::shared_ptr<engine::session> session);

  void start();
  void on_message(engine::session& s, std::string_view data, bool binary) override;
  void on_close(engine::session& s, std::string_view reason) override;

  /// Sends an encoded packet; a volatile one is dropped when the transport is busy.
  void send(const frames& f, bool volatile_ = false);
  void send_packet(const packet& p) { send(make_frames(p)); }
  void add_socket(const std::shared_ptr<socket>& s);
  /// A CONNECT to `nsp` was refused (middleware error).
  void connect_refused(const std::string& nsp);
  void remove_socket(const std::string& nsp);
  /// Closes the Engine.IO session.
  void close();
  /// Server shutdown: every socket disconnects with "server shutting down".
  void shutdown();
  /// `socket.disconnect(true)`: every socket of this client disconnects, then the
  /// connection closes.
  void disconnect_all();

  engine::session& session() noexcept { return *session_; }
  unsigned shard() const noexcept { return session_->shard(); }
  bool open() const noexcept { return open_; }

 private:
  void on_packet(packet p);
  void on_connect(const std::string& nsp, json auth);
  void close_sockets(std::string_view reason);

  server_core& core_;
  std::shared_ptr<engine::session> session_;
  sio::decoder decoder_;
  std::map<std::string, std::shared_ptr<socket>, std::less<>> sockets_;
  std::set<std::string> connecting_;  // namespaces whose CONNECT is being handled
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;  // until the first namespace joins
  bool open_ = true;
};

/// An ack callback that fulfils the returned future (the awaitable form of emit_with_ack).
std::pair<ack_callback, std::future<json>> future_ack();

/// Disconnect reasons after which connection state recovery may restore the socket.
bool recoverable(std::string_view reason) noexcept;

/// What a socket allocates on first use: pending acks and the less common listeners.
struct socket_state {
  struct pending_ack {
    ack_callback callback;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::unordered_map<std::uint64_t, pending_ack> acks;
  std::vector<any_handler> any_handlers;
  std::vector<any_handler> any_outgoing_handlers;
  std::vector<disconnect_handler> disconnecting_handlers;
  std::vector<disconnect_handler> disconnect_handlers;
  std::vector<error_handler> error_handlers;
  std::vector<packet_middleware> middlewares;
};

/// Internal state of a namespace: configuration (set before start), per-shard sockets
/// (touched only on their shard) and its adapter.
struct namespace_state {
  namespace_state(namespace_& self, server_core& c, std::string n);

  namespace_& self;
  server_core& core;
  std::string name;
  std::vector<middleware> middlewares;
  std::vector<connection_handler> connection_handlers;
  std::vector<room_event_handler> room_handlers;
  std::map<std::string, event_handler, std::less<>> server_side_handlers;
  /// Sockets per shard, by id; a key refers to its socket's own `id()`.
  std::vector<std::unordered_map<std::string_view, std::shared_ptr<socket>>> sockets;
  std::atomic<std::uint64_t> next_ack_id{0};
  std::unique_ptr<sio::adapter> adapter;

  bool recovery_enabled() const noexcept { return core.options.connection_state_recovery.has_value(); }

  /// Copies the configuration of `parent` (dynamic namespaces).
  void inherit(const namespace_state& parent);

  void add(const std::shared_ptr<client>& c, json auth);
  void create_socket(const std::shared_ptr<client>& c, json auth, std::optional<restored_session> previous);
  void connect(const std::shared_ptr<socket>& s, std::optional<restored_session> previous);
  void run_middlewares(std::size_t index, const std::shared_ptr<socket>& s,
                       std::function<void(std::optional<connect_error>)> done);
  void remove(socket& s);
  void emit_room_event(room_event e, const room& r, const std::string& sid);
};

}  // namespace sockio::sio::detail
