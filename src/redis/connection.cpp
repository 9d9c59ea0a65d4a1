#include "sockio/redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <utility>

#include "detail/redis_stream.hpp"

namespace sockio::redis {

namespace asio = boost::asio;
using detail::redis_stream;

namespace {

reply to_reply(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      // hiredis refuses arrays nested deeper than 7, so this recursion is bounded.
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(to_reply(*r.element[i]));
      break;
    default: out.type = reply::kind::nil;
  }
  return out;
}

/// A command in RESP, formatted by hiredis.
std::string format_command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* target = nullptr;
  const int n = redisFormatCommandArgv(&target, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (n < 0 || !target) throw std::bad_alloc();
  std::string out(target, static_cast<std::size_t>(n));
  redisFreeCommand(target);
  return out;
}

/// TCP keepalive after 15 s of silence, then a probe every 5 s, 3 unanswered: a Redis
/// that vanished without closing (a dead host, a dropped route) is noticed within 30 s,
/// and what waits on it fails instead of hanging.
void keep_alive(asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  s.set_option(asio::socket_base::keep_alive(true), ignored);
  const int fd = s.native_handle();
  const int idle = 15, interval = 5, count = 3;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

bool is_confirmation(std::string_view kind) {
  return kind == "subscribe" || kind == "psubscribe" || kind == "ssubscribe" || kind == "unsubscribe" ||
         kind == "punsubscribe" || kind == "sunsubscribe";
}

}  // namespace

/// The connection's state, on its executor; kept alive by its pending operations.
struct connection::impl : std::enable_shared_from_this<impl> {
  /// Connection phases: idle → connecting → (handshake →) up → down → connecting …;
  /// any → stopped by stop().
  enum class phase { idle, connecting, handshake, up, down, stopped };

  impl(asio::any_io_executor ex, connection_options o)
      : executor(std::move(ex)),
        options(std::move(o)),
        endpoint(parse_url(options.url)),
        timer(executor),
        resolver(executor),
        random(std::random_device{}()) {}

  ~impl() {
    if (reader) redisReaderFree(reader);
  }

  // --- connecting -------------------------------------------------------------------
  void do_connect() {
    current = phase::connecting;
    timer.expires_after(options.connect_timeout);
    timer.async_wait([self = shared_from_this(), generation = generation](boost::system::error_code ec) {
      if (ec || self->generation != generation) return;
      if (self->current != phase::connecting && self->current != phase::handshake) return;
      self->fail(make_error_code(std::errc::timed_out));
    });
    if (endpoint.kind == url::scheme::unix_socket) {
      auto s = std::make_shared<redis_stream::unix_socket>(executor);
      s->async_connect(asio::local::stream_protocol::endpoint(endpoint.path),
                       [self = shared_from_this(), s, generation = generation](boost::system::error_code ec) {
                         if (self->generation != generation) return;
                         if (ec) return self->fail(ec);
                         self->on_connected(std::make_shared<redis_stream>(std::move(*s)));
                       });
      return;
    }
    resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                           [self = shared_from_this(), generation = generation](
                               boost::system::error_code ec, asio::ip::tcp::resolver::results_type results) {
                             if (self->generation != generation) return;
                             if (ec) return self->fail(ec);
                             auto s = std::make_shared<asio::ip::tcp::socket>(self->executor);
                             self->connecting_socket = s;
                             asio::async_connect(*s, results,
                                                 [self, s, generation](boost::system::error_code ec, const auto&) {
                                                   if (self->generation != generation) return;
                                                   self->connecting_socket.reset();
                                                   if (ec) return self->fail(ec);
                                                   s->set_option(asio::ip::tcp::no_delay(true), ec);
                                                   keep_alive(*s);
                                                   self->on_tcp_connected(std::move(*s));
                                                 });
                           });
  }

  void on_tcp_connected(asio::ip::tcp::socket s) {
    if (endpoint.kind != url::scheme::tls) return on_connected(std::make_shared<redis_stream>(std::move(s)));
    if (!tls_context) {
      // Kept only once complete: a context whose CAs failed to load must not be reused
      // (it would verify nothing).
      auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      ctx->set_verify_mode(asio::ssl::verify_peer);
      boost::system::error_code ec;
      if (options.tls_ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
      } else {
        ctx->load_verify_file(options.tls_ca_file, ec);
      }
      if (ec) return fail(ec);
      tls_context = std::move(ctx);
    }
    auto st = std::make_shared<redis_stream>(std::move(s), *tls_context);
    auto* tls = st->as_tls();
    tls->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    SSL_set_tlsext_host_name(tls->native_handle(), endpoint.host.c_str());
    stream = std::move(st);
    tls->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this(), s = stream,
                                                          generation = generation](boost::system::error_code ec) {
      if (self->generation != generation) return;
      if (ec) return self->fail(ec);
      self->on_connected(std::move(self->stream));
    });
  }

  void on_connected(std::shared_ptr<redis_stream> s) {
    // The connect timeout also covers AUTH and SELECT: on_up() cancels it.
    stream = std::move(s);
    if (reader) redisReaderFree(reader);
    reader = redisReaderCreate();
    if (!reader) return fail(make_error_code(std::errc::not_enough_memory));
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
    restore_subscriptions();
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
    report_drops();
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
    } else if (attempt == 0) {
      spdlog::warn("redis {}: cannot connect to {}: {}; retrying", options.name, endpoint.redacted(), ec.message());
      lost_once = true;
    } else {
      spdlog::debug("redis {}: attempt {} to {} failed: {}", options.name, attempt, endpoint.redacted(), ec.message());
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
    boost::system::error_code ignored;
    resolver.cancel();
    if (auto s = connecting_socket.lock()) s->close(ignored);
    if (stream) stream->close();
    stream.reset();
    writing.clear();
    outgoing.clear();
    write_in_flight = false;
  }

  void fail_pending(errc why) {
    auto waiting = std::move(pending);
    pending.clear();
    // Subscriptions in flight are sent again with the others on the next connection;
    // their `done` runs then.
    for (auto& c : confirmations) {
      if (c.done) pending_done.push_back(std::move(c.done));
    }
    confirmations.clear();
    shard_unsubscribing.clear();
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
    if (redisReaderFeed(reader, read_buffer.data(), n) != REDIS_OK) return fail(errc::protocol_error);
    const auto generation_now = generation;
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader, &raw) != REDIS_OK) {
        spdlog::error("redis {}: bad reply from {}: {}", options.name, endpoint.redacted(), reader->errstr);
        return fail(errc::protocol_error);
      }
      if (!raw) break;
      auto* r = static_cast<redisReply*>(raw);
      auto value = to_reply(*r);
      freeReplyObject(r);
      dispatch(std::move(value));
      if (generation != generation_now) return;  // a handler stopped or failed the connection
    }
    if (reader->len - reader->pos > options.max_reply_bytes) {
      spdlog::error("redis {}: a reply from {} exceeds {} bytes", options.name, endpoint.redacted(),
                    options.max_reply_bytes);
      return fail(errc::protocol_error);
    }
    do_read();
  }

  void dispatch(reply r) {
    if (subscriber && r.is_array() && !r.elements.empty() && r.elements[0].type == reply::kind::string) {
      const std::string_view kind = r.elements[0].str;
      const auto& e = r.elements;
      if ((kind == "message" || kind == "smessage") && e.size() == 3) {
        return on_pubsub({kind, {}, e[1].str, e[2].str});
      }
      if (kind == "pmessage" && e.size() == 4) return on_pubsub({kind, e[1].str, e[2].str, e[3].str});
      if (kind == "sunsubscribe" && e.size() >= 2 && e[1].type == reply::kind::string) {
        if (auto it = shard_unsubscribing.find(e[1].str); it != shard_unsubscribing.end()) {
          shard_unsubscribing.erase(it);  // the answer to our own SUNSUBSCRIBE: confirmed below
        } else if (shard_channels.erase(e[1].str) != 0) {
          // Redis ended it: the channel's slot moved to another node of the cluster.
          return on_shard_lost(e[1].str, "");
        }
      }
      if (is_confirmation(kind)) {
        if (!confirmations.empty() && --confirmations.front().remaining == 0) {
          auto done = std::move(confirmations.front().done);
          confirmations.pop_front();
          if (done) done();
        }
        return;
      }
    }
    if (subscriber && r.is_error() && !confirmations.empty() && !confirmations.front().shard_channel.empty()) {
      // An SSUBSCRIBE refused (a cluster node answers MOVED for a slot it does not serve).
      auto c = std::move(confirmations.front());
      confirmations.pop_front();
      shard_channels.erase(c.shard_channel);
      on_shard_lost(c.shard_channel, r.str);
      if (c.done) c.done();
      return;
    }
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

  void on_shard_lost(const std::string& channel, const std::string& error) {
    std::lock_guard lock(handlers_mutex);
    if (const auto h = on_shard; h && *h) (*h)(channel, error);
  }

  void on_pubsub(const pubsub_message& m) {
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

  void report_drops() {
    if (dropped_streak == 0) return;
    spdlog::warn("redis {}: {} command(s) were dropped while {} was unavailable", options.name, dropped_streak,
                 endpoint.redacted());
    dropped_streak = 0;
  }

  void command(std::vector<std::string> args, reply_handler handler) {
    if (current != phase::up && current != phase::handshake) return refuse(errc::not_connected, std::move(handler));
    if (subscriber) return refuse(errc::server_error, std::move(handler));
    auto bytes = format_command(args);
    if (outgoing.size() + writing.size() + bytes.size() > options.max_queued_bytes ||
        pending.size() >= options.max_pending_replies) {
      return refuse(errc::queue_full, std::move(handler));
    }
    if (dropped_streak) report_drops();
    append(std::move(bytes));
    pending.push_back(std::move(handler));
  }

  void send_subscription(const char* verb, std::vector<std::string> names, std::function<void()> done) {
    if (names.empty()) {
      if (done) asio::post(executor, std::move(done));
      return;
    }
    std::vector<std::string> args{verb};
    args.insert(args.end(), names.begin(), names.end());
    append(format_command(args));
    confirmations.push_back({names.size(), std::move(done), {}});
  }

  /// SSUBSCRIBE / SUNSUBSCRIBE, one command per channel: a cluster refuses channels of
  /// different slots in one command.
  void send_shard_subscription(const char* verb, std::vector<std::string> names, std::function<void()> done) {
    if (names.empty()) {
      if (done) asio::post(executor, std::move(done));
      return;
    }
    const bool subscribing = std::string_view(verb) == "SSUBSCRIBE";
    for (std::size_t i = 0; i < names.size(); ++i) {
      append(format_command({verb, names[i]}));
      if (!subscribing) shard_unsubscribing.insert(names[i]);
      confirmations.push_back(
          {1, i + 1 == names.size() ? std::move(done) : std::function<void()>{}, subscribing ? names[i] : ""});
    }
  }

  /// Adds names to a subscription set and, when connected, subscribes to the new ones.
  void change_subscriptions(std::set<std::string>& set, const char* verb, std::vector<std::string> names, bool add,
                            std::function<void()> done) {
    subscriber = true;
    std::vector<std::string> changed;
    for (auto& n : names) {
      if (add ? set.insert(n).second : set.erase(n) != 0) changed.push_back(std::move(n));
    }
    const bool live = current == phase::up || current == phase::handshake;
    if (!live) {
      // Sent on the next connection; `done` runs then.
      if (done) pending_done.push_back(std::move(done));
      return;
    }
    if (&set == &shard_channels) return send_shard_subscription(verb, std::move(changed), std::move(done));
    send_subscription(verb, std::move(changed), std::move(done));
  }

  /// Subscribes again to everything; what was asked while down completes with it.
  void restore_subscriptions() {
    std::function<void()> done;
    if (!pending_done.empty()) {
      done = [waiting = std::move(pending_done)] {
        for (const auto& d : waiting) d();
      };
      pending_done.clear();
    }
    // `done` goes with the last of the subscription commands (or runs at once: none).
    const bool shards = !shard_channels.empty();
    const bool pats = !patterns.empty();
    const auto take = [&done](bool last) { return last ? std::exchange(done, nullptr) : std::function<void()>{}; };
    if (!channels.empty()) send_subscription("SUBSCRIBE", {channels.begin(), channels.end()}, take(!pats && !shards));
    if (pats) send_subscription("PSUBSCRIBE", {patterns.begin(), patterns.end()}, take(!shards));
    if (shards) send_shard_subscription("SSUBSCRIBE", {shard_channels.begin(), shard_channels.end()}, take(true));
    if (done) asio::post(executor, std::move(done));
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
  asio::ip::tcp::resolver resolver;
  std::weak_ptr<asio::ip::tcp::socket> connecting_socket;
  std::unique_ptr<asio::ssl::context> tls_context;
  std::shared_ptr<redis_stream> stream;  // handlers hold it until they complete
  redisReader* reader = nullptr;
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

  bool subscriber = false;
  std::set<std::string> channels;
  std::set<std::string> patterns;
  std::set<std::string> shard_channels;
  std::multiset<std::string> shard_unsubscribing;  // SUNSUBSCRIBEs sent, not confirmed yet
  struct confirmation {
    std::size_t remaining;
    std::function<void()> done;
    std::string shard_channel;  // an SSUBSCRIBE's channel (its refusal is reported)
  };
  std::deque<confirmation> confirmations;
  std::vector<std::function<void()>> pending_done;
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
    self->change_subscriptions(self->channels, "SUBSCRIBE", std::move(channels), true, std::move(done));
  });
}

void connection::psubscribe(std::vector<std::string> patterns, std::function<void()> done) {
  asio::dispatch(impl_->executor, [self = impl_, patterns = std::move(patterns), done = std::move(done)]() mutable {
    self->change_subscriptions(self->patterns, "PSUBSCRIBE", std::move(patterns), true, std::move(done));
  });
}

void connection::unsubscribe(std::vector<std::string> channels) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels)]() mutable {
    self->change_subscriptions(self->channels, "UNSUBSCRIBE", std::move(channels), false, {});
  });
}

void connection::punsubscribe(std::vector<std::string> patterns) {
  asio::dispatch(impl_->executor, [self = impl_, patterns = std::move(patterns)]() mutable {
    self->change_subscriptions(self->patterns, "PUNSUBSCRIBE", std::move(patterns), false, {});
  });
}

void connection::ssubscribe(std::vector<std::string> channels, std::function<void()> done) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels), done = std::move(done)]() mutable {
    self->change_subscriptions(self->shard_channels, "SSUBSCRIBE", std::move(channels), true, std::move(done));
  });
}

void connection::sunsubscribe(std::vector<std::string> channels) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels)]() mutable {
    self->change_subscriptions(self->shard_channels, "SUNSUBSCRIBE", std::move(channels), false, {});
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
