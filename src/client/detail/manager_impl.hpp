// The manager's state, on its loop: the engine socket, reconnection, the namespaces.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include "detail/connection_context.hpp"
#include "detail/engine_socket.hpp"
#include "detail/loop_guard.hpp"
#include "sockio/client/backoff.hpp"
#include "sockio/client/options.hpp"
#include "sockio/codec/sio/packet.hpp"

namespace sockio::client::detail {

class socket_impl;

/// The manager's listeners (`socket.io` events in the JS client).
struct manager_events {
  std::function<void()> on_open;
  std::function<void(std::error_code, const std::string&)> on_error;
  std::function<void(const std::string&, const std::string&)> on_close;
  std::function<void()> on_ping;
  std::function<void(std::uint64_t)> on_reconnect_attempt;
  std::function<void(std::uint64_t)> on_reconnect;
  std::function<void(std::error_code, const std::string&)> on_reconnect_error;
  std::function<void()> on_reconnect_failed;
  std::function<void(const std::string&)> on_upgrade;
  std::function<void(const std::string&)> on_upgrade_error;
  std::function<void(char, const std::string&)> on_packet;
};

class manager_impl : public std::enable_shared_from_this<manager_impl> {
 public:
  /// Throws `std::invalid_argument` when the URL or the TLS files cannot be used.
  manager_impl(boost::asio::any_io_executor executor, const std::string& url, options opts);

  const boost::asio::any_io_executor& executor() const noexcept { return ctx_->executor; }
  const std::shared_ptr<loop_guard>& guard() const noexcept { return guard_; }
  const options& opts() const noexcept { return ctx_->opts; }
  const std::string& default_nsp() const noexcept { return ctx_->url.nsp; }

  /// Any thread: the socket of `nsp`, made on first use.
  std::shared_ptr<socket_impl> socket(std::string nsp, socket_options opts);

  // ---- on the loop
  /// Sets one of the manager's event handlers (the handlers are allocated with the first).
  template <class F>
  void set_event(F manager_events::*member, F f) {
    if (!events_) events_ = std::make_unique<manager_events>();
    (*events_).*member = std::move(f);
  }
  /// Calls one of the manager's event handlers, when it is set.
  template <class F, class... Args>
  void fire(F manager_events::*member, Args&&... args) {
    if (events_ && (*events_).*member) ((*events_).*member)(std::forward<Args>(args)...);
  }
  /// Opens the connection; `done` (reconnection attempts) gets the outcome.
  void open(std::function<void(std::error_code, std::string)> done = {});
  void close();
  void drop_connection();
  /// Closes everything and silences every listener (the manager is being destroyed).
  void shutdown();
  bool is_open() const noexcept { return ready_ == ready::open; }
  bool reconnecting() const noexcept { return reconnecting_; }
  bool shut_down() const noexcept { return shut_down_; }
  void send(const sio::packet& p);
  bool writable() const noexcept { return engine_ && engine_->writable(); }
  /// A socket left (disconnect, refusal, server disconnect): with no active socket left,
  /// the connection closes.
  void socket_destroyed();

  // ---- any thread
  std::string transport() const;
  std::string engine_id() const;

 private:
  enum class ready { closed, opening, open };

  void on_engine_open();
  void on_engine_error(std::error_code ec, std::string description);
  void on_engine_close(std::string reason, std::string description);
  void on_message(std::string data, bool binary);
  void on_decoded(sio::packet p);
  void reconnect();
  void maybe_reconnect_on_open();
  void snapshot();
  void release_engine();
  std::vector<std::shared_ptr<socket_impl>> sockets() const;

  std::unique_ptr<manager_events> events_;  // most managers set none
  std::shared_ptr<connection_context> ctx_;
  std::shared_ptr<loop_guard> guard_ = std::make_shared<loop_guard>();
  std::shared_ptr<engine_socket> engine_;
  sio::decoder decoder_;
  backoff backoff_;
  boost::asio::steady_timer open_timer_;
  std::unique_ptr<boost::asio::steady_timer> reconnect_timer_;  // made at the first reconnection
  std::function<void(std::error_code, std::string)> open_done_;
  ready ready_ = ready::closed;
  bool reconnecting_ = false;
  bool skip_reconnect_ = false;
  bool shut_down_ = false;

  mutable std::mutex mutex_;  // the namespaces (made from any thread) and the snapshot
  std::map<std::string, std::shared_ptr<socket_impl>> nsps_;
  std::string transport_snapshot_;
  std::string sid_snapshot_;
};

}  // namespace sockio::client::detail
