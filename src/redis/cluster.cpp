#include "sockio/redis/cluster.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "detail/cluster_nodes.hpp"
#include "sockio/redis/key_slot.hpp"

namespace sockio::redis {

namespace asio = boost::asio;
using detail::cluster_nodes;
using detail::node_key;

namespace {

/// Calls `done` once `count` answers came (at once for none).
std::function<void()> countdown(std::size_t count, std::function<void()> done) {
  if (!done) return {};
  if (count == 0) {
    done();
    return {};
  }
  auto left = std::make_shared<std::size_t>(count);
  return [left, done = std::move(done)] {
    if (--*left == 0) done();
  };
}

}  // namespace

/// The cluster's state, on its executor.
struct cluster::impl : std::enable_shared_from_this<impl>, cluster_nodes::events {
  impl(asio::any_io_executor ex, cluster_options o)
      : executor(std::move(ex)), options(std::move(o)), nodes(executor, options, seeds), refresh_timer(executor) {
    if (options.seeds.empty()) throw std::invalid_argument("a Redis Cluster needs at least one seed URL");
    for (const auto& s : options.seeds) seeds.push_back(parse_url(s));
    if (seeds.front().kind == url::scheme::unix_socket) {
      throw std::invalid_argument("a Redis Cluster seed is a redis:// or rediss:// URL");
    }
  }

  // --- cluster_nodes::events -------------------------------------------------------
  void message(const pubsub_message& m) override {
    std::lock_guard lock(handlers_mutex);
    if (const auto h = message_handler; h && *h) (*h)(m);
  }

  void node_state(const std::string& key, bool up) override {
    if (stopped) return;
    if (auto* n = nodes.find(key); n && up && !n->ever_up) {
      n->ever_up = true;
      auto ready = std::move(n->waiting);
      n->waiting.clear();
      for (auto& run : ready) run();
    }
    update_snapshot();
    // The first node up reads the map; a master going down may be a failover.
    if (up ? !map : true) refresh();
  }

  // --- the slot map -------------------------------------------------------------------
  void start() {
    if (started || stopped) return;
    started = true;
    nodes.report_to(weak_from_this());
    for (const auto& s : seeds) nodes.at(s.host, s.port);
  }

  /// Reads CLUSTER SLOTS from a connected node (a seed or a known node).
  void refresh() {
    if (stopped || !started || refreshing) return;
    auto* from = nodes.any_connected();
    if (!from) return schedule_refresh();  // none up: a node coming up calls again
    const auto host = from->endpoint().host;
    refreshing = true;
    std::weak_ptr<impl> weak = shared_from_this();
    from->command({"CLUSTER", "SLOTS"}, [weak, host, port = from->endpoint().port](std::error_code ec, reply r) {
      auto self = weak.lock();
      if (!self || self->stopped) return;
      self->refreshing = false;
      // A Redis that is not a cluster serves every slot itself (sharded pub/sub works there too).
      if (ec == errc::server_error && r.text().find("cluster support disabled") != std::string_view::npos) {
        return self->apply(cluster_topology::single_node({host, port, {}}));
      }
      auto read = ec ? std::nullopt : cluster_topology::from_cluster_slots(r, host);
      if (!read) {
        spdlog::warn("redis cluster: CLUSTER SLOTS from {} failed: {}", host, ec ? ec.message() : "not a slot map");
        return self->schedule_refresh();
      }
      self->apply(std::move(*read));
    });
  }

  void schedule_refresh() {
    if (stopped || timer_armed) return;
    timer_armed = true;
    refresh_timer.expires_after(options.refresh_interval);
    std::weak_ptr<impl> weak = shared_from_this();
    refresh_timer.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self) return;
      self->timer_armed = false;
      if (!ec) self->refresh();
    });
  }

  void apply(cluster_topology t) {
    const bool changed = !map || !same(*map, t);
    map = std::move(t);
    for (const auto& m : map->masters()) nodes.at(m.host, m.port);
    if (changed) {
      spdlog::info("redis cluster: {} masters serve {} slot ranges{}", map->masters().size(), map->ranges().size(),
                   map->covers_all_slots() ? "" : " (some slots have no master)");
      std::lock_guard lock(handlers_mutex);
      if (const auto h = topology_handler; h && *h) (*h)(*map);
    }
    update_snapshot();
    // What waited for the map first (an ssubscribe's `done` waits for its answers), then
    // every channel to the master serving it now.
    auto ready = std::move(waiting);
    waiting.clear();
    for (auto& run : ready) run();
    place_channels();
    // A master the map names and that is not connected: read the map again until the
    // cluster has replaced it (or it is back).
    for (const auto& m : map->masters()) {
      if (!nodes.connected(m.host, m.port)) return schedule_refresh();
    }
  }

  static bool same(const cluster_topology& a, const cluster_topology& b) {
    if (a.ranges().size() != b.ranges().size()) return false;
    for (std::size_t i = 0; i < a.ranges().size(); ++i) {
      const auto& x = a.ranges()[i];
      const auto& y = b.ranges()[i];
      if (x.first != y.first || x.last != y.last || !(x.master == y.master)) return false;
    }
    return true;
  }

  void update_snapshot() {
    bool all_up = map.has_value() && !map->ranges().empty();
    if (map) {
      for (const auto& m : map->masters()) {
        if (!nodes.connected(m.host, m.port)) all_up = false;
      }
    }
    bool changed = false;
    {
      std::lock_guard lock(snapshot_mutex);
      snapshot = map;
      changed = healthy != all_up;
      healthy = all_up;
    }
    if (!changed) return;
    std::lock_guard lock(handlers_mutex);
    if (const auto h = state_handler; h && *h) (*h)(all_up);
  }

  // --- commands -----------------------------------------------------------------------
  void command(std::string key, std::vector<std::string> args, reply_handler handler) {
    if (stopped) return fail(errc::stopped, std::move(handler));
    if (!map) {
      if (!started || waiting.size() >= options.max_waiting_commands)
        return fail(errc::not_connected, std::move(handler));
      waiting.push_back([this, key = std::move(key), args = std::move(args), handler = std::move(handler)]() mutable {
        command(std::move(key), std::move(args), std::move(handler));
      });
      return;
    }
    const auto* owner = map->master_for(key_slot(key));
    if (!owner) {
      schedule_refresh();
      return fail(errc::not_connected, std::move(handler));
    }
    send(owner->host, owner->port, std::move(args), std::move(handler), 0, false);
  }

  /// Sends to one node; a MOVED or ASK answer sends again where it points.
  void send(const std::string& host, std::uint16_t port, std::vector<std::string> args, reply_handler handler,
            unsigned redirects, bool asking) {
    if (stopped) return fail(errc::stopped, std::move(handler));
    auto& n = nodes.at(host, port);
    if (!n.ever_up) {
      // A node just learnt of (from the map or a redirect): its connection is opening.
      if (n.waiting.size() >= options.max_waiting_commands) return fail(errc::not_connected, std::move(handler));
      n.waiting.push_back(
          [this, host, port, args = std::move(args), handler = std::move(handler), redirects, asking]() mutable {
            send(host, port, std::move(args), std::move(handler), redirects, asking);
          });
      return;
    }
    if (asking) n.commands->command({"ASKING"});
    std::weak_ptr<impl> weak = shared_from_this();
    auto retry_args = args;
    n.commands->command(std::move(args), [weak, host, retry_args = std::move(retry_args), handler = std::move(handler),
                                          redirects](std::error_code ec, reply r) mutable {
      auto self = weak.lock();
      if (self && !self->stopped && ec == errc::server_error) {
        if (const auto to = parse_redirect(r.text()); to && redirects < self->options.max_redirects) {
          if (to->type == redirect::kind::moved) self->refresh();  // the map changed
          const auto& target_host = to->host.empty() ? host : to->host;
          return self->send(target_host, to->port, std::move(retry_args), std::move(handler), redirects + 1,
                            to->type == redirect::kind::ask);
        }
      }
      // A master that cannot be reached may have been replaced.
      if (self && (ec == errc::not_connected || ec == errc::connection_lost)) self->refresh();
      if (handler) handler(ec, std::move(r));
    });
  }

  void command_masters(std::vector<std::string> args, replies_handler handler) {
    if (!map) {
      if (stopped || !started || waiting.size() >= options.max_waiting_commands) {
        if (handler) handler(make_error_code(stopped ? errc::stopped : errc::not_connected), {});
        return;
      }
      waiting.push_back([this, args = std::move(args), handler = std::move(handler)]() mutable {
        command_masters(std::move(args), std::move(handler));
      });
      return;
    }
    const auto masters = map->masters();
    struct gather {
      std::vector<reply> replies;
      std::error_code first_error;
      std::size_t left;
      replies_handler done;
    };
    auto g =
        std::make_shared<gather>(gather{std::vector<reply>(masters.size()), {}, masters.size(), std::move(handler)});
    if (masters.empty()) {
      if (g->done) g->done(make_error_code(errc::not_connected), {});
      return;
    }
    for (std::size_t i = 0; i < masters.size(); ++i) {
      send(
          masters[i].host, masters[i].port, args,
          [g, i](std::error_code ec, reply r) {
            if (ec && !g->first_error) g->first_error = ec;
            g->replies[i] = std::move(r);
            if (--g->left == 0 && g->done) g->done(g->first_error, std::move(g->replies));
          },
          0, false);
    }
  }

  void fail(errc why, reply_handler handler) {
    if (handler) asio::post(executor, [handler = std::move(handler), why] { handler(make_error_code(why), reply{}); });
  }

  // --- sharded subscriptions ----------------------------------------------------------
  void ssubscribe(std::vector<std::string> channels, std::function<void()> done) {
    if (stopped) return;
    std::vector<std::string> fresh;
    for (auto& c : channels) {
      if (wanted.insert(c).second) fresh.push_back(std::move(c));
    }
    if (!map) {
      // Placed with the first map; `done` waits for it.
      if (done)
        waiting.push_back([this, fresh, done = std::move(done)] {
          auto each = countdown(fresh.size(), done);
          for (const auto& c : fresh) place(c, each);
        });
      return;
    }
    auto each = countdown(fresh.size(), std::move(done));
    for (const auto& c : fresh) place(c, each);
  }

  void sunsubscribe(std::vector<std::string> channels) {
    for (const auto& c : channels) {
      if (wanted.erase(c) == 0) continue;
      if (const auto it = placed.find(c); it != placed.end()) {
        nodes.sunsubscribe(it->second, c);
        placed.erase(it);
      }
    }
  }

  /// Subscribes `channel` on the master serving it now (leaving the node it was on).
  void place(const std::string& channel, const std::function<void()>& done) {
    const auto* owner = map ? map->master_for(key_slot(channel)) : nullptr;
    if (!owner) {
      schedule_refresh();  // placed when a map names a master for it
      if (done) done();
      return;
    }
    place_at(channel, owner->host, owner->port, done);
  }

  void place_at(const std::string& channel, const std::string& host, std::uint16_t port,
                const std::function<void()>& done) {
    const auto key = node_key(host, port);
    if (const auto it = placed.find(channel); it != placed.end()) {
      if (it->second == key) {
        if (done) done();
        return;
      }
      nodes.sunsubscribe(it->second, channel);
    }
    placed[channel] = key;
    nodes.subscriber_at(host, port).ssubscribe({channel}, done);
  }

  void place_channels() {
    for (const auto& c : wanted) place(c, {});
  }

  /// A node refused a channel (MOVED: it does not serve its slot) or ended it (the slot moved).
  void shard_lost(const std::string& key, const std::string& channel, const std::string& error) override {
    if (stopped || !wanted.contains(channel)) return;
    if (const auto it = placed.find(channel); it != placed.end() && it->second == key) placed.erase(it);
    if (const auto to = parse_redirect(error); to && to->type == redirect::kind::moved) {
      refresh();
      const auto host = to->host.empty() ? key.substr(0, key.rfind(':')) : to->host;
      return place_at(channel, host, to->port, {});
    }
    if (!error.empty()) {
      spdlog::warn("redis cluster: SSUBSCRIBE {} refused by {}: {}", channel, key, error);
      return schedule_refresh();
    }
    // Ended by Redis: its slot moved; the new map says where it is now.
    refresh();
    place(channel, {});
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    refresh_timer.cancel();
    forget_handlers();
    // What waits for the map or for a node fails with errc::stopped (posted), then each
    // connection stops, failing what it has in flight the same way.
    auto pending = std::move(waiting);
    waiting.clear();
    for (auto& run : pending) run();
    nodes.stop();
    std::lock_guard lock(snapshot_mutex);
    healthy = false;
  }

  void forget_handlers() {
    std::lock_guard lock(handlers_mutex);
    message_handler.reset();
    topology_handler.reset();
    state_handler.reset();
  }

  asio::any_io_executor executor;
  cluster_options options;
  std::vector<url> seeds;
  cluster_nodes nodes;
  std::optional<cluster_topology> map;
  std::set<std::string> wanted;                // sharded channels asked for
  std::map<std::string, std::string> placed;   // channel → the node it is subscribed on
  std::vector<std::function<void()>> waiting;  // calls made before the first map
  asio::steady_timer refresh_timer;
  bool timer_armed = false;
  bool refreshing = false;
  bool started = false;
  bool stopped = false;

  std::shared_ptr<const connection::message_handler> message_handler;
  std::shared_ptr<const cluster::topology_handler> topology_handler;
  std::shared_ptr<const connection::state_handler> state_handler;
  std::recursive_mutex handlers_mutex;  // held while a handler runs

  mutable std::mutex snapshot_mutex;
  std::optional<cluster_topology> snapshot;
  bool healthy = false;
};

cluster::cluster(asio::any_io_executor executor, cluster_options options)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options))) {}

cluster::~cluster() {
  impl_->forget_handlers();
  stop();
}

void cluster::on_message(connection::message_handler handler) {
  impl_->message_handler = std::make_shared<const connection::message_handler>(std::move(handler));
}
void cluster::on_topology(topology_handler handler) {
  impl_->topology_handler = std::make_shared<const topology_handler>(std::move(handler));
}

void cluster::on_state(connection::state_handler handler) {
  impl_->state_handler = std::make_shared<const connection::state_handler>(std::move(handler));
}

void cluster::start() {
  asio::dispatch(impl_->executor, [self = impl_] { self->start(); });
}
void cluster::stop() {
  asio::dispatch(impl_->executor, [self = impl_] { self->stop(); });
}

void cluster::command(std::string key, std::vector<std::string> args, reply_handler handler) {
  asio::dispatch(impl_->executor,
                 [self = impl_, key = std::move(key), args = std::move(args), handler = std::move(handler)]() mutable {
                   self->command(std::move(key), std::move(args), std::move(handler));
                 });
}

void cluster::command_masters(std::vector<std::string> args, replies_handler handler) {
  asio::dispatch(impl_->executor, [self = impl_, args = std::move(args), handler = std::move(handler)]() mutable {
    self->command_masters(std::move(args), std::move(handler));
  });
}

void cluster::ssubscribe(std::vector<std::string> channels, std::function<void()> done) {
  asio::dispatch(impl_->executor, [self = impl_, channels = std::move(channels), done = std::move(done)]() mutable {
    self->ssubscribe(std::move(channels), std::move(done));
  });
}

void cluster::sunsubscribe(std::vector<std::string> channels) {
  asio::dispatch(impl_->executor,
                 [self = impl_, channels = std::move(channels)]() mutable { self->sunsubscribe(std::move(channels)); });
}

std::optional<cluster_topology> cluster::topology() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot;
}

bool cluster::connected() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->healthy;
}

}  // namespace sockio::redis
