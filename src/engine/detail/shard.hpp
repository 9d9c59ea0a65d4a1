// One event loop (shard) of the Engine.IO server and the sessions that live on it.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "deadline_list.hpp"
#include "sockio/io/intrusive_list.hpp"
#include "tuning.hpp"

namespace sockio::engine::detail {

class session_impl;

/// An io_context whose services can be shut down before it is destroyed, so that the
/// server can destroy every shard's pending handlers while all shards still exist.
class shard_context : public boost::asio::io_context {
 public:
  using boost::asio::execution_context::shutdown;
  using boost::asio::io_context::io_context;
};

/// A network connection that the server can ask to wind down when it stops.
class connection : public io::list_hook {
 public:
  virtual ~connection() = default;
  /// Runs on the connection's shard: finish what is under way, then close.
  virtual void stop() = 0;
  /// Closes the socket at once (the shard's loop is no longer running).
  virtual void abort() = 0;
  /// The connection as a shared pointer; empty once its last owner has let go (it is
  /// being destroyed).
  virtual std::shared_ptr<connection> lock() noexcept = 0;
};

/// The timed events of a session; each has one constant delay, hence one sorted list.
enum class timer_kind : unsigned { ping = 0, pong, upgrade, close, count };

/// A deadline node that knows the session it belongs to.
struct session_timer : deadline_node {
  session_impl* owner = nullptr;
};

/// A shard's counters: written by its own thread only, read by any (relaxed).
struct shard_stats {
  std::atomic<std::uint64_t> polling_sessions{0};
  std::atomic<std::uint64_t> websocket_sessions{0};
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};

  /// Adds `n` (which may wrap to subtract) to a counter only this shard writes.
  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

/// An `io_context` run by one thread, its sessions, and one timer for all their deadlines.
class shard {
 public:
  /// With `external`, the shard runs on that io_context (which the application runs)
  /// instead of one of its own.
  shard(unsigned index, const std::array<clock::duration, 4>& delays, boost::asio::io_context* external = nullptr);
  ~shard();

  unsigned index() const noexcept { return index_; }
  boost::asio::io_context& context() noexcept { return *context_; }
  bool external() const noexcept { return owned_ == nullptr; }
  /// Destroys pending handlers of an owned context (see shard_context).
  void shutdown_context() {
    if (owned_) owned_->shutdown();
  }

  /// Arms `t` for `kind`'s delay from now (moving it from any list it was in).
  void schedule(session_timer& t, timer_kind kind);
  void cancel(session_timer& t) noexcept;

  /// Sessions by id; a key refers to its session's own `id()` (no copy of the id).
  std::unordered_map<std::string_view, std::shared_ptr<session_impl>>& sessions() noexcept { return sessions_; }
  /// A copy of the sessions, for loops whose calls end sessions (which leave the map).
  std::vector<std::shared_ptr<session_impl>> session_list() const;
  std::shared_ptr<session_impl> find(const std::string& sid) const;
  /// A session joined or left `sessions()`: after a storm, the heap's free memory goes
  /// back to the system (tuning::trim_min_peak).
  void session_added();
  void session_removed();
  shard_stats& stats() noexcept { return stats_; }
  /// A read buffer shared by this shard's connections: filled and consumed within one
  /// handler, so idle connections need no buffer of their own.
  std::vector<char>& scratch() {
    if (scratch_.empty()) scratch_.resize(tuning::scratch_buffer);
    return scratch_;
  }

  /// A polling GET accepted by another shard is being handed to this one (begin: from
  /// the accepting shard; end: here, when it arrives). Guarded by a mutex.
  void poll_handover_begin(const std::string& sid);
  void poll_handover_end(const std::string& sid);
  /// The client of session `sid` closed it (a POSTed close packet) while no GET was
  /// parked: if its GET is being handed over, that GET is to be answered as a parked one
  /// (`take_client_close` is true once for it, within `tuning::client_close_grace`).
  /// Requests made after the close are not affected: they find no session.
  void remember_client_close(const std::string& sid);
  bool take_client_close(const std::string& sid);

  /// Lets `run()` return once the work runs out: no more guard, no more armed timer.
  void release_work();

  /// Connections of this shard, so that a stopping server can close idle ones. Guarded
  /// by a mutex: a connection may be released by a handler of another shard.
  void add_connection(connection& c);
  void remove_connection(connection& c);
  std::vector<std::shared_ptr<connection>> connections();
  std::size_t connection_count();

 private:
  void arm(clock::time_point at);
  void on_timer();
  void trim();

  unsigned index_;
  // Declared before the context: handlers destroyed with the context may end sessions,
  // which unlink their timers from these lists.
  std::array<deadline_list, 4> lists_;
  std::mutex connections_mutex_;
  io::intrusive_list<connection> connections_;
  std::unique_ptr<shard_context> owned_;
  boost::asio::io_context* context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer timer_;
  clock::time_point armed_at_ = clock::time_point::max();
  std::atomic<bool> stopped_{false};
  std::array<clock::duration, 4> delays_;
  std::unordered_map<std::string_view, std::shared_ptr<session_impl>> sessions_;
  std::size_t peak_sessions_ = 0;  // since the last trim
  boost::asio::steady_timer trim_timer_;
  bool trim_armed_ = false;
  shard_stats stats_;
  std::vector<char> scratch_;
  struct client_close {
    std::string sid;
    clock::time_point at;
  };
  std::vector<client_close> client_closes_;  // few, short-lived
  std::mutex handover_mutex_;
  std::unordered_multiset<std::string> polls_in_handover_;
};

}  // namespace sockio::engine::detail
