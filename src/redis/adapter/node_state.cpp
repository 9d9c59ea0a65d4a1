#include "node_state.hpp"

#include <spdlog/spdlog.h>

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
    : node_core(codec::random_id(6)),
      options(std::move(o)),
      pub(io.get_executor(), named(options.connection, "pub")),
      sub(io.get_executor(), named(options.connection, "sub")) {
  if (options.redis_cluster) {
    masters = std::make_unique<cluster>(
        io.get_executor(),
        cluster_options{.seeds = {options.connection.url}, .connection = named(options.connection, "count")});
  }
}

node_state::~node_state() {
  shutdown();
}

void node_state::start() {
  node_core::start([this] {
    sub.on_message([this](const pubsub_message& m) { on_message(m); });
    pub.start();
    sub.start();
    if (masters) masters->start();
  });
}

void node_state::shutdown() {
  node_core::shutdown([this] {
    pub.stop();
    sub.stop();
    if (masters) masters->stop();
  });
}

void node_state::publish(std::string channel, std::string payload) {
  ++publishes;
  pub.command({"PUBLISH", std::move(channel), std::move(payload)}, [this](std::error_code ec, reply) {
    if (ec) ++dropped;
  });
}

void node_state::count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done) {
  // On a Redis Cluster each master knows only the subscribers connected to it.
  if (masters) {
    return masters->command_masters(
        {"PUBSUB", "NUMSUB", channel},
        [this, done = std::move(done)](std::error_code ec, std::vector<reply> replies) { counted(ec, replies, done); });
  }
  pub.command({"PUBSUB", "NUMSUB", channel},
              [this, done = std::move(done)](std::error_code ec, reply r) { counted(ec, {std::move(r)}, done); });
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
  answer(id->get<std::string>(), *j);
}

std::string node_state::new_request_id() const {
  return codec::random_id(6);
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
  return state_->stats(state_->pub.connected() && state_->sub.connected() &&
                       (!state_->masters || state_->masters->connected()));
}

}  // namespace sockio::redis
