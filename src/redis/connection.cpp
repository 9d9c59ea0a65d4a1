#include "sockio/redis/connection.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <utility>

#include "detail/redis_stream.hpp"
#include "detail/reply_reader.hpp"
#include "detail/stream_opener.hpp"
#include "detail/subscriptions.hpp"

namespace sockio::redis {

namespace asio = boost::asio;
using detail::format_command;
using detail::redis_stream;
using detail::subscriptions;

/// The connection's state, on its executor; kept alive by its pending operations.
struct connection::impl : std::enable_shared_from_this<impl>, subscriptions::link {
  /// Connection phases: idle → connecting → (handshake →) up → down → connecting …;
  /// any → stopped by stop().
  enum class phase { idle, connecting, handshake, up, down, stopped };

  impl(asio::any_io_executor ex, connection_options o)
      : executor(std::move(ex)),
        options(std::move(o)),
        endpoint(parse_url(options.url)),
        timer(executor),
        opener(executor, endpoint, options.tls_ca_file),
        random(std::random_device{}()) {}

  // --- connecting -------------------------------------------------------------------
  void do_connect() {
    current = phase::connecting;
    timer.expires_after(options.connect_timeout);
    timer.async_wait([self = shared_from_this(), generation = generation](boost::system::error_code ec) {
      if (ec || self->generation != generation) return;
      if (self->current != phase::connecting && self->current != phase::handshake) return;
      self->fail(make_error_code(std::errc::timed_out));
    });
    opener.open(
        [self = shared_from_this(), generation = generation](std::error_code ec, std::shared_ptr<redis_stream> s) {
          if (self->generation != generation) return;
          if (ec) return self->fail(ec);
          self->on_connected(std::move(s));
        });
  }

  void on_connected(std::shared_ptr<redis_stream> s) {
    // The connect timeout also covers AUTH and SELECT: on_up() cancels it.
    stream = std::move(s);
    if (!reader.reset()) return fail(make_error_code(std::errc::not_enough_memory));
    current = phase::handshake;
    do_read();
    // AUTH and SELECT first; the subscriptions follow in the same write.
    std::size_t steps = 0;
    const auto step_done = [self = shared_from_this(), generation = generation](std::error_code ec, reply r) {
      if (self->generation != generation) return;
      if (ec) {
        spdlog::error("redis {}: {} refused: {}", self->options.name, self->endpoint.redacted(), r.text());
        return self->fail(ec);
      }
      if (--self->handshake_steps == 0) self->on_up();
    };
    if (!endpoint.password.empty()) {
      ++steps;
      if (endpoint.user.empty()) {
        write_command({"AUTH", endpoint.password}, step_done);
      } else {
        write_command({"AUTH", endpoint.user, endpoint.password}, step_done);
      }
    }
    if (endpoint.db != 0) {
      ++steps;
      write_command({"SELECT", std::to_string(endpoint.db)}, step_done);
    }
    handshake_steps = steps;
    subs.restore();
    if (steps == 0) on_up();
  }

  void on_up() {
    timer.cancel();
    current = phase::up;
    connected = true;
    const auto attempts = attempt;
    attempt = 0;
    {
      std::lock_guard lock(stats_mutex);
      ++counters.connects;
    }
    if (lost_once) {
      spdlog::info("redis {}: reconnected to {} after {} attempt(s)", options.name, endpoint.redacted(), attempts);
    } else {
      spdlog::info("redis {}: connected to {}", options.name, endpoint.redacted());
    }
    unreachable = false;
    report_drops();
    send_offline();
    notify_state(true);
  }

  /// The connection failed or was lost: fail what waits, retry after a backoff delay.
  void fail(std::error_code ec) {
    if (current == phase::stopped || current == phase::down || current == phase::idle) return;
    const bool was_up = current == phase::up;
    ++generation;  // late completions of this attempt are ignored
    close_stream();
    current = phase::down;
    connected = false;
    fail_pending(errc::connection_lost);
    if (was_up) {
      lost_once = true;
      {
        std::lock_guard lock(stats_mutex);
        ++counters.losses;
      }
      spdlog::warn("redis {}: connection to {} lost: {}; reconnecting", options.name, endpoint.redacted(),
                   ec.message());
      notify_state(false);
    } else {
      if (attempt == 0) {
        spdlog::warn("redis {}: cannot connect to {}: {}; retrying", options.name, endpoint.redacted(), ec.message());
        lost_once = true;
      } else {
        spdlog::debug("redis {}: attempt {} to {} failed: {}", options.name, attempt, endpoint.redacted(),
                      ec.message());
      }
      unreachable = true;  // until an attempt succeeds, commands fail at once
      refuse_offline(errc::not_connected);
    }
    timer.expires_after(next_delay());
    ++attempt;
    timer.async_wait([self = shared_from_this(), generation = generation](boost::system::error_code e) {
      if (e || self->generation != generation || self->current != phase::down) return;
      self->do_connect();
    });
  }

  /// Exponential backoff with jitter; bounded, never zero, whatever the attempt number.
  std::chrono::milliseconds next_delay() {
    const double initial = std::max<double>(1, static_cast<double>(options.reconnect_delay.count()));
    const double max = std::max(initial, static_cast<double>(options.reconnect_delay_max.count()));
    const double base = std::min(max, initial * std::pow(2.0, std::min<unsigned>(attempt, 30)));
    const double factor = std::clamp(options.randomization_factor, 0.0, 1.0);
    std::uniform_real_distribution<double> spread(-factor, factor);
    const double delay = std::clamp(base * (1 + spread(random)), 1.0, max);
    return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
  }

  void close_stream() {
    opener.cancel();
    if (stream) stream->close();
    stream.reset();
    writing.clear();
    outgoing.clear();
    write_in_flight = false;
  }

  void fail_pending(errc why) {
    auto waiting = std::move(pending);
    pending.clear();
    subs.connection_lost();
    if (why == errc::stopped) {  // what waited for a reconnection will not get one
      for (auto& entry : take_offline()) waiting.push_back(std::move(entry.second));
    }
    for (auto& h : waiting) {
      if (h) h(make_error_code(why), reply{});
    }
  }

  // --- reading ----------------------------------------------------------------------
  void do_read() {
    stream->async_read_some(asio::buffer(read_buffer), [self = shared_from_this(), s = stream, generation = generation](
                                                           boost::system::error_code ec, std::size_t n) {
      if (self->generation != generation) return;
      if (ec) return self->fail(ec);
      self->on_read(n);
    });
  }

  void on_read(std::size_t n) {
    if (!reader.feed(read_buffer.data(), n)) return fail(errc::protocol_error);
    const auto generation_now = generation;
    for (std::optional<reply> r;;) {
      if (!reader.next(r)) {
        spdlog::error("redis {}: bad reply from {}: {}", options.name, endpoint.redacted(), reader.error());
        return fail(errc::protocol_error);
      }
      if (!r) break;
      dispatch(std::move(*r));
      if (generation != generation_now) return;  // a handler stopped or failed the connection
    }
    if (reader.buffered() > options.max_reply_bytes) {
      spdlog::error("redis {}: a reply from {} exceeds {} bytes", options.name, endpoint.redacted(),
                    options.max_reply_bytes);
      return fail(errc::protocol_error);
    }
    do_read();
  }

  void dispatch(reply r) {
    if (subs.on_reply(r)) return;
    if (pending.empty()) {
      spdlog::warn("redis {}: unexpected reply from {} dropped", options.name, endpoint.redacted());
      return;
    }
    auto handler = std::move(pending.front());
    pending.pop_front();
    if (!handler) return;
    if (r.is_error()) {
      handler(make_error_code(errc::server_error), std::move(r));
    } else {
      handler({}, std::move(r));
    }
  }

  // --- subscriptions::link ---------------------------------------------------------
  void send(std::string command) override { append(std::move(command)); }

  void shard_lost(const std::string& channel, const std::string& error) override {
    std::lock_guard lock(handlers_mutex);
    if (const auto h = on_shard; h && *h) (*h)(channel, error);
  }

  void deliver(const pubsub_message& m) override {
    {
      std::lock_guard lock(stats_mutex);
      ++counters.messages;
    }
    std::lock_guard lock(handlers_mutex);
    if (const auto h = on_message; h && *h) (*h)(m);  // the copy keeps it alive if it stops us
  }

  // --- writing ----------------------------------------------------------------------
  void write_command(const std::vector<std::string>& args, reply_handler handler) {
    append(format_command(args));
    pending.push_back(std::move(handler));
  }

  void append(std::string bytes) {
    outgoing += bytes;
    {
      std::lock_guard lock(stats_mutex);
      ++counters.commands;
    }
    do_write();
  }

  void do_write() {
    if (write_in_flight || outgoing.empty() || !stream) return;
    write_in_flight = true;
    std::swap(writing, outgoing);
    stream->async_write(asio::buffer(writing), [self = shared_from_this(), s = stream, generation = generation](
                                                   boost::system::error_code ec, std::size_t) {
      if (self->generation != generation) return;
      if (ec) return self->fail(ec);
      self->write_in_flight = false;
      self->writing.clear();
      self->do_write();
    });
  }

  /// Refuses a command: counted, logged once per streak, reported after the call returns.
  void refuse(errc why, reply_handler handler) {
    {
      std::lock_guard lock(stats_mutex);
      ++counters.dropped;
    }
    if (dropped_streak++ == 0) {
      spdlog::warn("redis {}: commands to {} dropped: {}", options.name, endpoint.redacted(),
                   make_error_code(why).message());
    }
    if (handler) asio::post(executor, [handler = std::move(handler), why] { handler(make_error_code(why), {}); });
  }

  /// Empties the commands taken while the connection was being re-established.
  std::deque<std::pair<std::string, reply_handler>> take_offline() {
    offline_bytes = 0;
    return std::exchange(offline, {});
  }

  /// Writes them, in call order.
  void send_offline() {
    for (auto& [bytes, handler] : take_offline()) {
      if (subs.subscriber()) {  // it subscribed meanwhile: Redis would refuse the command
        refuse(errc::server_error, std::move(handler));
        continue;
      }
      append(std::move(bytes));
      pending.push_back(std::move(handler));
    }
  }

  void refuse_offline(errc why) {
    for (auto& entry : take_offline()) refuse(why, std::move(entry.second));
  }

  void report_drops() {
    if (dropped_streak == 0) return;
    spdlog::warn("redis {}: {} command(s) were dropped while {} was unavailable", options.name, dropped_streak,
                 endpoint.redacted());
    dropped_streak = 0;
  }

  void command(std::vector<std::string> args, reply_handler handler) {
    // While an attempt to (re)connect is under way, or about to be after a loss, a command
    // waits for it (behind AUTH and SELECT, in call order); once an attempt has failed,
    // Redis is unreachable and it fails at once.
    const bool reconnecting =
        current == phase::handshake || (!unreachable && (current == phase::connecting || current == phase::down));
    if (current != phase::up && !reconnecting) return refuse(errc::not_connected, std::move(handler));
    if (subs.subscriber()) return refuse(errc::server_error, std::move(handler));
    auto bytes = format_command(args);
    if (outgoing.size() + writing.size() + offline_bytes + bytes.size() > options.max_queued_bytes ||
        pending.size() + offline.size() >= options.max_pending_replies) {
      return refuse(errc::queue_full, std::move(handler));
    }
    if (reconnecting) {
      offline_bytes += bytes.size();
      offline.emplace_back(std::move(bytes), std::move(handler));
      return;
    }
    if (dropped_streak) report_drops();
    append(std::move(bytes));
    pending.push_back(std::move(handler));
  }

  void change_subscriptions(subscriptions::kind k, std::vector<std::string> names, bool add,
                            std::function<void()> done) {
    subs.change(k, std::move(names), add, current == phase::up || current == phase::handshake, std::move(done));
  }

  void notify_state(bool up) {
    std::lock_guard lock(handlers_mutex);
    if (const auto h = on_state; h && *h) (*h)(up);
  }

  /// From any thread: no message or state handler runs once this returns (one running
  /// on the executor is waited for, unless it is the caller, whose copy keeps it alive).
  void forget_handlers() {
    std::lock_guard lock(handlers_mutex);
    on_message.reset();
    on_state.reset();
    on_shard.reset();
  }

  void stop() {
    if (current == phase::stopped) return;
    ++generation;
    timer.cancel();
    close_stream();
    current = phase::stopped;
    connected = false;
    fail_pending(errc::stopped);
    forget_handlers();
  }

  asio::any_io_executor executor;
  connection_options options;
  url endpoint;
  asio::steady_timer timer;
  detail::stream_opener opener;
  std::shared_ptr<redis_stream> stream;  // handlers hold it until they complete
  detail::reply_reader reader;
  std::array<char, 64 * 1024> read_buffer{};

  phase current = phase::idle;
  std::uint64_t generation = 0;  // bumped at every failure or stop: stale completions return
  unsigned attempt = 0;
  bool lost_once = false;
  std::size_t handshake_steps = 0;
  std::mt19937_64 random;

  std::string outgoing;  // formatted commands waiting for the current write
  std::string writing;   // the write in flight
  bool write_in_flight = false;
  std::deque<reply_handler> pending;  // one per command written, in order
  // Commands taken while reconnecting (not written yet), and whether the last attempt
  // to connect failed (then commands are refused at once instead).
  std::deque<std::pair<std::string, reply_handler>> offline;
  std::size_t offline_bytes = 0;
  bool unreachable = false;

  subscriptions subs{executor, *this};
  std::uint64_t dropped_streak = 0;

  std::shared_ptr<const connection::message_handler> on_message;
  std::shared_ptr<const connection::state_handler> on_state;
  std::shared_ptr<const connection::shard_handler> on_shard;
  std::recursive_mutex handlers_mutex;  // held while a handler runs; see forget_handlers

  std::atomic<bool> connected{false};
  mutable std::mutex stats_mutex;
  connection_stats counters;
};

connection::connection(asio::any_io_executor executor, connection_options options)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options))) {}

connection::~connection() {
  impl_->forget_handlers();
  stop();
}

void connection::on_message(message_handler handler) {
  impl_->on_message = std::make_shared<const message_handler>(std::move(handler));
}
void connection::on_state(state_handler handler) {
  impl_->on_state = std::make_shared<const state_handler>(std::move(handler));
}

void connection::on_shard_lost(shard_handler handler) {
  impl_->on_shard = std::make_shared<const shard_handler>(std::move(handler));
}

void connection::start() {
  asio::dispatch(impl_->executor, [self = impl_] {
    if (self->current == impl::phase::idle) self->do_connect();
  });
}

void connection::stop() {
  asio::dispatch(impl_->executor, [self = impl_] { self->stop(); });
}

void connection::command(std::vector<std::string> args, reply_handler handler) {
  asio::dispatch(impl_->executor, [self = impl_, args = std::move(args), handler = std::move(handler)]() mutable {
    self->command(std::move(args), std::move(handler));
  });
}

void connection::subscribe(std::vector<std::string> channels, std::function<void()> done) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels), done = std::move(done)]() mutable {
    self->change_subscriptions(subscriptions::kind::channel, std::move(channels), true, std::move(done));
  });
}

void connection::psubscribe(std::vector<std::string> patterns, std::function<void()> done) {
  asio::dispatch(impl_->executor, [self = impl_, patterns = std::move(patterns), done = std::move(done)]() mutable {
    self->change_subscriptions(subscriptions::kind::pattern, std::move(patterns), true, std::move(done));
  });
}

void connection::unsubscribe(std::vector<std::string> channels) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels)]() mutable {
    self->change_subscriptions(subscriptions::kind::channel, std::move(channels), false, {});
  });
}

void connection::punsubscribe(std::vector<std::string> patterns) {
  asio::dispatch(impl_->executor, [self = impl_, patterns = std::move(patterns)]() mutable {
    self->change_subscriptions(subscriptions::kind::pattern, std::move(patterns), false, {});
  });
}

void connection::ssubscribe(std::vector<std::string> channels, std::function<void()> done) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels), done = std::move(done)]() mutable {
    self->change_subscriptions(subscriptions::kind::shard_channel, std::move(channels), true, std::move(done));
  });
}

void connection::sunsubscribe(std::vector<std::string> channels) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels)]() mutable {
    self->change_subscriptions(subscriptions::kind::shard_channel, std::move(channels), false, {});
  });
}

bool connection::connected() const noexcept {
  return impl_->connected.load();
}

connection_stats connection::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  auto s = impl_->counters;
  s.connected = impl_->connected.load();
  return s;
}

const redis::url& connection::endpoint() const noexcept {
  return impl_->endpoint;
}

}  // namespace sockio::redis
