// The Engine.IO server's lifecycle: shards and their threads, start, run, the stop that
// drains sessions; and the public server's forwarding to it.
#include "sockio/engine/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "detail/listener.hpp"
#include "detail/server_state.hpp"
#include "detail/session_impl.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::engine {

namespace net = boost::asio;

std::string_view to_string(transport_kind t) noexcept {
  return t == transport_kind::websocket ? "websocket" : "polling";
}

namespace detail {

bool server_state::transport_enabled(std::string_view name) const {
  for (const auto& t : options.transports) {
    if (t == name) return true;
  }
  return false;
}

int server_state::shard_of(std::string_view sid) const noexcept {
  if (sid.size() != codec::id_length) return -1;
  const auto index = codec::id_alphabet.find(sid.front());
  return index < shards.size() ? static_cast<int>(index) : -1;
}

std::string server_state::make_sid(unsigned shard_index) const {
  // The first character names the shard; the rest is random.
  auto sid = codec::random_id();
  sid[0] = codec::id_alphabet[shard_index];
  return sid;
}

}  // namespace detail

class server::impl {
 public:
  explicit impl(server_options options) : state_(std::move(options)) {
    auto& o = state_.options;
    if (o.context) o.threads = 1;
    if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
    o.threads = std::min(o.threads, 64u);  // the sid's first character names the shard
    if (o.path.empty() || o.path.back() != '/') o.path += '/';
    const std::array<detail::clock::duration, 4> delays{o.ping_interval, o.ping_timeout, o.upgrade_timeout,
                                                        o.close_timeout};
    for (unsigned i = 0; i < o.threads; ++i) {
      state_.shards.push_back(std::make_unique<detail::shard>(i, delays, o.context));
    }
  }

  ~impl() {
    stop();
    // Destroy every shard's pending handlers while all shards still exist: a handler of
    // one shard may own a connection whose socket belongs to another.
    if (stopper_.joinable()) stopper_.join();
    for (auto& s : state_.shards) s->sessions().clear();
    listener_.reset();
    drain_timer_.reset();
    for (auto& s : state_.shards) s->shutdown_context();
    state_.shards.clear();
  }

  std::error_code listen(std::string_view address, std::uint16_t port) {
    listener_ = std::make_unique<detail::listener>(state_);
    if (auto ec = listener_->listen(address, port)) {
      listener_.reset();
      return ec;
    }
    return {};
  }

  std::uint16_t port() const noexcept { return listener_ ? listener_->port() : 0; }

  void start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    if (state_.options.context) return;  // the application runs the loop
    for (auto& s : state_.shards) {
      std::promise<void> finished;
      finished_.push_back(finished.get_future());
      threads_.emplace_back([&context = s->context(), finished = std::move(finished)]() mutable {
        context.run();
        finished.set_value();
      });
    }
  }

  bool running() {
    std::lock_guard lock(mutex_);
    return started_ && !stopped_;
  }

  void run() {
    start();
    if (state_.options.context) {
      state_.options.context->run();
      return;
    }
    std::unique_lock lock(mutex_);
    stopped_cv_.wait(lock, [this] { return stop_done_; });
  }

  void stop() {
    {
      std::unique_lock lock(mutex_);
      if (stopped_) {
        // Already stopping (perhaps from a handler): wait for it, unless we are a loop.
        if (!on_shard_thread()) stopped_cv_.wait(lock, [this] { return stop_done_; });
        return;
      }
      stopped_ = true;
      state_.stopping = true;  // before running() turns false: handshakes are refused from here
      // From one of our own loops (a handler), the stop cannot wait for that loop or join
      // its thread: it runs on a thread of its own, joined by the destructor.
      if (!state_.options.context && on_shard_thread()) {
        stopper_ = std::thread([this] { stop_now(); });
        return;
      }
    }
    stop_now();
  }

  bool on_shard_thread() {
    for (auto& s : state_.shards) {
      if (s->context().get_executor().running_in_this_thread()) return true;
    }
    return false;
  }

  void stop_now() {
    state_.stopping = true;
    if (state_.options.context) return stop_external();
    // Each shard closes its sessions (close packets and frames are queued) and its idle
    // connections; then the loops run until that work is done, or stop_timeout passes.
    // The listener stays open while sessions drain, so that a polling client's next GET
    // can still come in and collect its close packet; handshakes are refused meanwhile.
    const bool drain_first = !threads_.empty();
    if (drain_first) net::post(state_.shards[0]->context(), [this] { watch_drain(); });
    for (auto& s : state_.shards) {
      auto close_all = [this, &shard = *s, drain_first] { close_shard(shard, drain_first); };
      if (threads_.empty()) {
        close_all();
      } else {
        net::post(s->context(), std::move(close_all));
      }
      // Draining, the loops keep their work until watch_drain() is done: a loop that ran
      // out of work would not serve the connections the listener still hands it.
      if (!drain_first) s->release_work();
    }
    if (threads_.empty()) {
      // Never started: run the loops here until the work is done.
      for (auto& s : state_.shards) s->context().run_for(state_.options.stop_timeout);
    } else {
      const auto deadline = std::chrono::steady_clock::now() + state_.options.stop_timeout;
      for (auto& f : finished_) {
        if (f.wait_until(deadline) != std::future_status::ready) break;
      }
    }
    for (auto& s : state_.shards) s->context().stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // Sessions still waiting for their client (a polling close packet nobody collected)
    // end now; the loops are stopped, so this thread may touch the shards.
    for (auto& s : state_.shards) {
      for (auto& session : s->session_list()) session->end("forced close");
    }
    // Peers that did not finish closing in time (e.g. a WebSocket close handshake nobody
    // answers) are cut off now, so they see the connection end.
    for (auto& s : state_.shards) {
      for (auto& c : s->connections()) c->abort();
    }
    finish_stop();
  }

  detail::server_state state_;

 private:
  /// On the shard's thread: every session closed (close packets and frames queued);
  /// unless `drain_first`, also no more accepting and idle connections closed.
  void close_shard(detail::shard& shard, bool drain_first) {
    for (auto& session : shard.session_list()) {
      // Draining, a polling session keeps its close packet for the client's next GET.
      if (drain_first) {
        session->close();
      } else {
        session->end("forced close");
      }
    }
    if (!drain_first) {
      // Let replies posted by the sessions above go out before idle connections close.
      net::post(shard.context(), [this, &shard] { close_connections(shard); });
    }
  }

  /// On the shard's thread: stops accepting (shard 0) and closes idle connections.
  void close_connections(detail::shard& shard) {
    if (shard.index() == 0 && listener_) listener_->close();
    for (auto& c : shard.connections()) c->stop();
  }

  /// On shard 0 while stopping: once no session is left, closes the listener and every
  /// shard's idle connections, so that the loops run out of work.
  void watch_drain() {
    if (state_.session_count.load() == 0) {
      for (auto& s : state_.shards) {
        net::post(s->context(), [this, &shard = *s] {
          close_connections(shard);
          shard.release_work();
        });
      }
      return;
    }
    drain_timer_.emplace(state_.shards[0]->context(), detail::tuning::drain_poll);
    drain_timer_->async_wait([this](boost::system::error_code ec) {
      if (!ec) watch_drain();
    });
  }

  /// Runs `fn` on the application's loop and waits (bounded) for it.
  bool run_and_wait(detail::shard& shard, std::function<void()> fn, std::chrono::milliseconds limit) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    net::post(shard.context(), [fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    return future.wait_for(limit) == std::future_status::ready;
  }

  /// stop() on an application's io_context: nothing of ours may stay queued in it.
  void stop_external() {
    auto& shard = *state_.shards[0];
    if (shard.context().get_executor().running_in_this_thread()) {
      // Cannot wait for our own loop: start closing and let the loop wind down.
      close_shard(shard, false);
      shard.release_work();
      finish_stop();
      return;
    }
    const auto limit = state_.options.stop_timeout;
    const auto drained = [&] { return shard.connection_count() == 0 && state_.session_count.load() == 0; };
    const auto wait_drained = [&](std::chrono::milliseconds within) {
      const auto deadline = std::chrono::steady_clock::now() + within;
      while (!drained() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    };
    run_and_wait(
        shard, [&] { close_shard(shard, false); }, limit);
    wait_drained(limit);
    if (!drained()) {
      run_and_wait(
          shard,
          [&] {
            for (auto& c : shard.connections()) c->abort();
          },
          limit);
      wait_drained(std::chrono::seconds(1));
    }
    shard.release_work();
    // Handlers cancelled above run before this one: once it has run, none is left.
    run_and_wait(
        shard, [] {}, limit);
    finish_stop();
  }

  void finish_stop() {
    {
      std::lock_guard lock(mutex_);
      stop_done_ = true;
    }
    stopped_cv_.notify_all();
  }

  std::unique_ptr<detail::listener> listener_;    // set by listen()
  std::optional<net::steady_timer> drain_timer_;  // watch_drain(), while stopping
  std::vector<std::thread> threads_;
  std::thread stopper_;
  std::vector<std::future<void>> finished_;
  std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool started_ = false;
  bool stopped_ = false;    // stop() was called
  bool stop_done_ = false;  // and has finished
};

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
server::~server() = default;

void server::on_connection(std::function<void(const std::shared_ptr<session>&)> handler) {
  impl_->state_.connection_handlers.push_back(std::move(handler));
}

void server::on_close(std::function<void(session&, std::string_view reason)> handler) {
  impl_->state_.close_handlers.push_back(std::move(handler));
}

server_stats server::stats() const noexcept {
  server_stats total;
  for (const auto& shard : impl_->state_.shards) {
    const auto& c = shard->stats();
    constexpr auto relaxed = std::memory_order_relaxed;
    total.polling_sessions += c.polling_sessions.load(relaxed);
    total.websocket_sessions += c.websocket_sessions.load(relaxed);
    total.messages_in += c.messages_in.load(relaxed);
    total.messages_out += c.messages_out.load(relaxed);
    total.bytes_in += c.bytes_in.load(relaxed);
    total.bytes_out += c.bytes_out.load(relaxed);
  }
  return total;
}

std::error_code server::listen(std::string_view address, std::uint16_t port) {
  return impl_->listen(address, port);
}

std::uint16_t server::port() const noexcept {
  return impl_->port();
}
void server::start() {
  impl_->start();
}
void server::run() {
  impl_->run();
}
void server::stop() {
  impl_->stop();
}
void server::refuse_handshakes() noexcept {
  impl_->state_.stopping = true;
}
const server_options& server::options() const noexcept {
  return impl_->state_.options;
}
unsigned server::threads() const noexcept {
  return impl_->state_.options.threads;
}
bool server::running() const noexcept {
  return impl_->running();
}

boost::asio::io_context& server::context(unsigned index) noexcept {
  return impl_->state_.shards[index]->context();
}

std::size_t server::session_count() const noexcept {
  return impl_->state_.session_count.load(std::memory_order_relaxed);
}

std::uint64_t server::cross_shard_requests() const noexcept {
  return impl_->state_.cross_shard_requests.load(std::memory_order_relaxed);
}

}  // namespace sockio::engine
