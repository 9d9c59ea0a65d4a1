#include "sharded_adapter.hpp"

#include "sharded_state.hpp"
#include "sockio/sio/namespace.hpp"

namespace sockio::redis::detail {

using cluster_wire::message_type;
using cluster_wire::ojson;

sharded_adapter::sharded_adapter(sio::namespace_& nsp, std::shared_ptr<sharded_state> node)
    : cluster_adapter(nsp, node, node->options.requests_timeout),
      node_(std::move(node)),
      channels_(node_->options.channel_prefix, nsp.name(), node_->uid) {
  node_->subscribe({channels_.main, channels_.response}, *this);
}

sharded_adapter::~sharded_adapter() {
  std::vector<std::string> channels{channels_.main, channels_.response};
  {
    std::lock_guard lock(rooms_mutex_);
    for (const auto& [r, local] : rooms_) {
      if (local.subscribed) channels.push_back(channels_.room(r));
    }
  }
  node_->unsubscribe(std::move(channels));
  close();
}

std::function<void()> sharded_adapter::publisher(message_type type, const ojson& data,
                                                 const sio::broadcast_options* broadcast) {
  auto channel =
      broadcast ? channels_.broadcast_channel(node_->options.subscription_mode, *broadcast, false) : channels_.main;
  return [node = node_, channel = std::move(channel),
          payload = cluster_wire::encode(type, data, node_->uid, sockets_.name())]() mutable {
    node->publish(std::move(channel), std::move(payload));
  };
}

std::function<void(message_type, const ojson&)> sharded_adapter::responder(const std::string& requester) {
  return [node = node_, channel = channels_.response_to(requester), nsp = sockets_.name()](message_type type,
                                                                                           const ojson& data) {
    node->publish(channel, cluster_wire::encode(type, data, node->uid, nsp));
  };
}

void sharded_adapter::count_nodes(std::function<void(std::error_code, std::size_t)> done) {
  node_->count_nodes(channels_.main, std::move(done));
}

void sharded_adapter::on_channel_message(std::string_view channel, std::string_view payload) {
  std::string error;
  auto m = cluster_wire::decode(payload, error);
  if (!m) return drop(channel, error);
  on_message(*m, channel);
}

// --- this node's rooms ------------------------------------------------------------------

void sharded_adapter::add_all(sio::socket& s, const std::set<sio::room>& rooms) {
  std::vector<const sio::room*> created;
  for (const auto& r : rooms) {
    if (room_size(s.shard(), r) == 0) created.push_back(&r);
  }
  in_memory_adapter::add_all(s, rooms);
  std::lock_guard lock(rooms_mutex_);
  for (const auto* r : created) {
    if (room_size(s.shard(), *r) == 0) continue;
    auto& local = rooms_[*r];
    if (local.shards++ != 0) continue;
    // As Node: a room is private when it is a socket's own (its id).
    if (cluster_wire::subscribes_to_room(node_->options.subscription_mode, *r == s.id())) {
      local.subscribed = true;
      node_->subscribe({channels_.room(*r)}, *this);
    }
  }
}

void sharded_adapter::del(sio::socket& s, const sio::room& r) {
  const bool had = room_size(s.shard(), r) != 0;
  in_memory_adapter::del(s, r);
  if (!had || room_size(s.shard(), r) != 0) return;
  std::lock_guard lock(rooms_mutex_);
  const auto it = rooms_.find(r);
  if (it == rooms_.end() || --it->second.shards != 0) return;
  if (it->second.subscribed) node_->unsubscribe({channels_.room(r)});
  rooms_.erase(it);
}

}  // namespace sockio::redis::detail
