#include "node_state.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <future>

#include "classic_adapter.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::redis::detail {

namespace asio = boost::asio;

namespace {

connection_options named(connection_options o, const char* role) {
  o.name = role;
  return o;
}

}  // namespace

node_state::node_state(adapter_options o)
    : options(std::move(o)),
      uid(codec::random_id(6)),
      work(io.get_executor()),
      pub(io.get_executor(), named(options.connection, "pub")),
      sub(io.get_executor(), named(options.connection, "sub")) {}

node_state::~node_state() {
  shutdown();
}

void node_state::start() {
  std::call_once(started_, [this] {
    sub.on_message([this](const pubsub_message& m) { on_message(m); });
    pub.start();
    sub.start();
    thread = std::thread([this] { io.run(); });
  });
}

void node_state::shutdown() {
  if (!thread.joinable()) return;
  run_and_wait([this] {
    pub.stop();
    sub.stop();
    for (auto& [id, r] : requests) {
      if (r.timer) r.timer->cancel();
    }
    requests.clear();
  });
  work.reset();
  io.stop();
  // The last owner may let go on the node's own thread (a handler's capture): it cannot
  // join itself, and its loop ends with this handler.
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();
  } else {
    thread.join();
  }
}

void node_state::post(std::function<void()> fn) {
  asio::post(io, std::move(fn));
}

void node_state::run_and_wait(const std::function<void()>& fn) {
  if (!thread.joinable() || thread.get_id() == std::this_thread::get_id()) return fn();
  std::promise<void> done;
  asio::post(io, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

void node_state::publish(std::string channel, std::string payload) {
  ++publishes;
  pub.command({"PUBLISH", std::move(channel), std::move(payload)}, [this](std::error_code ec, reply) {
    if (ec) ++dropped;
  });
}

void node_state::count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done) {
  pub.command({"PUBSUB", "NUMSUB", channel}, [this, done = std::move(done)](std::error_code ec, reply r) {
    if (ec) return done(ec, 0);
    // [channel, count]
    if (!r.is_array() || r.elements.size() != 2 || r.elements[1].type != reply::kind::integer) {
      return done(make_error_code(errc::protocol_error), 0);
    }
    const auto n = std::max<std::int64_t>(r.elements[1].integer, 0);
    peers = std::max<std::int64_t>(n - 1, 0);
    done({}, static_cast<std::size_t>(n));
  });
}

void node_state::add(classic_adapter& a) {
  const auto& c = a.channels();
  {
    std::lock_guard lock(routes_mutex_);
    by_pattern_[c.pattern] = &a;
    by_request_channel_[c.request] = &a;
    ++response_channels_[c.response];
    ++response_channels_[c.specific_response];
  }
  sub.psubscribe({c.pattern});
  sub.subscribe({c.request, c.response, c.specific_response}, [name = a.nsp_name(), id = uid] {
    spdlog::info("redis adapter: node {} subscribed for namespace {}", id, name);
  });
}

void node_state::remove(classic_adapter& a) {
  const auto& c = a.channels();
  std::vector<std::string> unused;
  {
    std::lock_guard lock(routes_mutex_);
    by_pattern_.erase(c.pattern);
    by_request_channel_.erase(c.request);
    for (const auto& ch : {c.response, c.specific_response}) {
      if (--response_channels_[ch] == 0) {
        response_channels_.erase(ch);
        unused.push_back(ch);
      }
    }
  }
  sub.punsubscribe({c.pattern});
  unused.push_back(c.request);
  sub.unsubscribe(std::move(unused));
}

void node_state::on_message(const pubsub_message& m) {
  // The lock keeps an adapter from going away while it handles a message.
  std::unique_lock lock(routes_mutex_);
  if (m.kind == "pmessage") {
    const auto it = by_pattern_.find(std::string(m.pattern));
    if (it != by_pattern_.end()) it->second->on_broadcast(m.channel, m.payload);
    return;
  }
  if (const auto it = by_request_channel_.find(std::string(m.channel)); it != by_request_channel_.end()) {
    it->second->on_request(m.payload);
    return;
  }
  if (response_channels_.contains(std::string(m.channel))) {
    lock.unlock();
    on_response(m.payload);
  }
}

void node_state::on_response(std::string_view payload) {
  std::string error;
  const auto j = wire::decode_envelope(payload, error);
  if (!j || !j->is_object()) return drop("response", j ? "not an object" : error);
  const auto id = j->find("requestId");
  if (id == j->end() || !id->is_string()) return drop("response", "no requestId");
  const auto it = requests.find(id->get<std::string>());
  if (it == requests.end()) return;  // another node's request, or one that ended
  ++received;
  auto& r = it->second;
  if (r.on_response) r.on_response(*j);
  if (r.expected != 0 && ++r.received >= r.expected) finish(it->first, {});
}

std::string node_state::new_request_id() const {
  return codec::random_id(6);
}

void node_state::begin_request(const std::string& id, pending_request r, std::chrono::milliseconds timeout) {
  r.timer = std::make_unique<asio::steady_timer>(io, timeout);
  r.timer->async_wait([this, id](boost::system::error_code ec) {
    if (ec) return;
    const auto it = requests.find(id);
    if (it == requests.end()) return;
    if (it->second.expected != 0) ++request_timeouts;
    finish(id, make_error_code(std::errc::timed_out));
  });
  requests[id] = std::move(r);
}

void node_state::finish(const std::string& id, std::error_code ec) {
  const auto it = requests.find(id);
  if (it == requests.end()) return;
  auto r = std::move(it->second);
  requests.erase(it);
  if (r.timer) r.timer->cancel();
  if (r.on_done) r.on_done(ec);
}

void node_state::forget_requests(const void* owner) {
  std::erase_if(requests, [owner](auto& item) {
    if (item.second.owner != owner) return false;
    if (item.second.timer) item.second.timer->cancel();
    return true;
  });
}

void node_state::drop(std::string_view channel, std::string_view reason) {
  ++dropped;
  ++drops_since_log_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_drop_log_ < std::chrono::seconds(1)) return;
  spdlog::warn("redis adapter: dropped a message on {}: {} ({} dropped since the last such line)", channel, reason,
               drops_since_log_);
  last_drop_log_ = now;
  drops_since_log_ = 0;
}

}  // namespace sockio::redis::detail

namespace sockio::redis {

node::node(adapter_options options) : state_(std::make_shared<detail::node_state>(std::move(options))) {}

node::~node() {
  state_->shutdown();
}

sio::adapter_factory node::adapter_factory() {
  return [state = state_](sio::namespace_& nsp) -> std::unique_ptr<sio::adapter> {
    state->start();
    return std::make_unique<detail::classic_adapter>(nsp, state);
  };
}

const std::string& node::uid() const noexcept {
  return state_->uid;
}

cluster_stats node::stats() const {
  cluster_stats s;
  s.up = state_->pub.connected() && state_->sub.connected();
  s.peers = state_->peers.load();
  s.publishes = state_->publishes.load();
  s.received = state_->received.load();
  s.request_timeouts = state_->request_timeouts.load();
  s.dropped = state_->dropped.load();
  return s;
}

}  // namespace sockio::redis
