#include "sharded_state.hpp"

#include <spdlog/spdlog.h>

#include "sharded_adapter.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::redis::detail {

namespace {

cluster_options named(cluster_options o) {
  if (o.connection.name.empty()) o.connection.name = "sharded";
  return o;
}

}  // namespace

sharded_state::sharded_state(sharded_adapter_options o)
    : node_core(codec::random_hex(8)), options(std::move(o)), redis(io.get_executor(), named(options.cluster)) {}

sharded_state::~sharded_state() {
  shutdown();
}

void sharded_state::start() {
  node_core::start([this] {
    redis.on_message([this](const pubsub_message& m) { on_message(m); });
    redis.start();
  });
}

void sharded_state::shutdown() {
  node_core::shutdown([this] { redis.stop(); });
}

void sharded_state::publish(std::string channel, std::string payload) {
  ++publishes;
  auto key = channel;
  redis.command(std::move(key), {"SPUBLISH", std::move(channel), std::move(payload)},
                [this](std::error_code ec, reply) {
                  if (ec) ++dropped;
                });
}

void sharded_state::count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done) {
  redis.command_masters(
      {"PUBSUB", "SHARDNUMSUB", channel},
      [this, done = std::move(done)](std::error_code ec, std::vector<reply> replies) { counted(ec, replies, done); });
}

void sharded_state::subscribe(std::vector<std::string> channels, sharded_adapter& a) {
  {
    std::lock_guard lock(routes_mutex_);
    for (const auto& c : channels) routes_[c] = &a;
  }
  redis.ssubscribe(std::move(channels));
}

void sharded_state::unsubscribe(std::vector<std::string> channels) {
  {
    std::lock_guard lock(routes_mutex_);
    for (const auto& c : channels) routes_.erase(c);
  }
  redis.sunsubscribe(std::move(channels));
}

void sharded_state::on_message(const pubsub_message& m) {
  // The lock keeps an adapter from going away while it handles a message.
  std::lock_guard lock(routes_mutex_);
  const auto it = routes_.find(std::string(m.channel));
  if (it != routes_.end()) it->second->on_channel_message(m.channel, m.payload);
}

}  // namespace sockio::redis::detail

namespace sockio::redis {

sharded_node::sharded_node(sharded_adapter_options options)
    : state_(std::make_shared<detail::sharded_state>(std::move(options))) {}

sharded_node::~sharded_node() {
  state_->shutdown();
}

sio::adapter_factory sharded_node::adapter_factory() {
  return [state = state_](sio::namespace_& nsp) -> std::unique_ptr<sio::adapter> {
    state->start();
    return std::make_unique<detail::sharded_adapter>(nsp, state);
  };
}

const std::string& sharded_node::uid() const noexcept {
  return state_->uid;
}

cluster_stats sharded_node::stats() const {
  return state_->stats(state_->redis.connected());
}

}  // namespace sockio::redis
