// A client socket's state, on its manager's loop: connection to the namespace, listeners,
// the send buffer, acks with timeouts, the retry queue, connection state recovery.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "detail/loop_guard.hpp"
#include "sockio/client/options.hpp"
#include "sockio/client/socket.hpp"
#include "sockio/codec/sio/packet.hpp"

namespace sockio::client::detail {

class manager_impl;

class socket_impl : public std::enable_shared_from_this<socket_impl> {
 public:
  socket_impl(std::weak_ptr<manager_impl> manager, boost::asio::any_io_executor executor,
              std::shared_ptr<loop_guard> guard, std::string nsp, socket_options opts);

  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  const std::string& nsp() const noexcept { return nsp_; }
  /// Any thread: runs `f` on the loop; false (and `f` dropped) once the loop is gone.
  template <class F>
  bool post(F&& f) {
    return guard_->post(executor_, std::forward<F>(f));
  }

  // ---- on the loop
  void connect();
  void disconnect();
  void set_auth(json auth) {
    opts_.auth = std::move(auth);
    opts_.auth_fn = nullptr;
  }
  void emit(std::string event, json args, const emit_flags& flags, socket::ack_handler ack);
  void add_listener(std::string event, socket::event_handler h, bool once);
  void off(const std::string& event) { listeners_.erase(event); }
  void off_all() { listeners_.clear(); }
  std::function<void()> on_connect;
  std::function<void(const connect_error&)> on_connect_error;
  std::function<void(const std::string&, const std::string&)> on_disconnect;
  socket::any_handler on_any;
  socket::any_handler on_any_outgoing;

  // ---- from the manager, on the loop
  void on_manager_open();
  void on_manager_error(std::error_code ec, const std::string& message);
  void on_manager_close(const std::string& reason, const std::string& description);
  void on_packet(sio::packet p);
  /// The manager is being destroyed: pending acks fail, listeners go.
  void shutdown();
  bool active_now() const noexcept { return active_; }

  // ---- any thread
  bool connected() const;
  bool active() const;
  bool recovered() const;
  std::string id() const;
  std::size_t buffered() const;

 private:
  struct listener {
    socket::event_handler handler;
    bool once = false;
  };
  struct pending_ack {
    socket::ack_handler handler;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };
  /// An emit of the retry queue (`retries`): sent until acked, one in flight.
  struct queued_emit {
    std::uint64_t id;
    unsigned tries = 0;
    bool pending = false;
    std::string event;
    json args;
    emit_flags flags;
    socket::ack_handler ack;
  };

  void send_connect();
  void on_connect_packet(const json& data);
  void on_event(sio::packet p);
  void on_ack(sio::packet p);
  void dispatch_event(const sio::packet& p);
  void emit_now(std::string event, json args, const emit_flags& flags, socket::ack_handler ack);
  void register_ack(std::uint64_t id, std::optional<std::chrono::milliseconds> timeout, socket::ack_handler ack);
  /// Removes the pending ack `id` (its timer cancelled) for its caller to complete.
  std::optional<pending_ack> take_ack(std::uint64_t id);
  void on_ack_timeout(std::uint64_t id);
  void add_to_queue(std::string event, json args, const emit_flags& flags, socket::ack_handler ack);
  void drain_queue(bool force);
  void send_packet(const sio::packet& p);
  void send_event(const sio::packet& p);
  void emit_buffered();
  void clear_acks();
  void close(const std::string& reason, const std::string& description);
  void destroy();
  void snapshot();

  std::weak_ptr<manager_impl> manager_;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<loop_guard> guard_;
  std::string nsp_;
  socket_options opts_;
  std::map<std::string, std::vector<listener>> listeners_;

  bool connected_ = false;
  bool active_ = false;
  std::string sid_;
  std::optional<std::string> pid_;
  std::optional<std::string> last_offset_;
  bool recovered_ = false;
  bool shut_down_ = false;

  std::uint64_t next_ack_id_ = 0;
  std::map<std::uint64_t, pending_ack> acks_;
  // Lists: empty ones allocate nothing (a deque allocates ~600 bytes up front, and most
  // sockets never buffer).
  std::list<sio::packet> send_buffer_;
  std::list<sio::packet> receive_buffer_;
  std::list<queued_emit> queue_;
  std::uint64_t next_queue_id_ = 0;

  mutable std::mutex mutex_;  // the snapshot read from other threads
  bool connected_snapshot_ = false;
  bool active_snapshot_ = false;
  bool recovered_snapshot_ = false;
  std::string id_snapshot_;
  std::size_t buffered_snapshot_ = 0;
};

}  // namespace sockio::client::detail
