#include "cluster_nodes.hpp"

namespace sockio::redis::detail {

std::string node_key(const std::string& host, std::uint16_t port) {
  return host + ":" + std::to_string(port);
}

connection_options cluster_nodes::options_for(const std::string& host, std::uint16_t port, const char* role) const {
  auto o = options_.connection;
  const auto& seed = seeds_.front();
  o.url = seed.kind == url::scheme::tls ? "rediss://" : "redis://";
  if (!seed.user.empty() || !seed.password.empty()) o.url += seed.user + ":" + seed.password + "@";
  o.url += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  o.url += ":" + std::to_string(port);
  o.name = options_.connection.name + " " + role + " " + node_key(host, port);
  return o;
}

cluster_nodes::node& cluster_nodes::at(const std::string& host, std::uint16_t port) {
  const auto key = node_key(host, port);
  auto& n = nodes_[key];
  if (!n.commands) {
    n.commands = std::make_unique<connection>(executor_, options_for(host, port, "node"));
    n.commands->on_state([to = events_, key](bool up) {
      if (auto e = to.lock()) e->node_state(key, up);
    });
    n.commands->start();
  }
  return n;
}

connection& cluster_nodes::subscriber_at(const std::string& host, std::uint16_t port) {
  auto& n = at(host, port);
  if (!n.subscriber) {
    n.subscriber = std::make_unique<connection>(executor_, options_for(host, port, "subscriber"));
    n.subscriber->on_message([to = events_](const pubsub_message& m) {
      if (auto e = to.lock()) e->message(m);
    });
    n.subscriber->on_shard_lost(
        [to = events_, key = node_key(host, port)](const std::string& channel, const std::string& error) {
          if (auto e = to.lock()) e->shard_lost(key, channel, error);
        });
    n.subscriber->start();
  }
  return *n.subscriber;
}

cluster_nodes::node* cluster_nodes::find(const std::string& key) {
  const auto it = nodes_.find(key);
  return it == nodes_.end() ? nullptr : &it->second;
}

bool cluster_nodes::connected(const std::string& host, std::uint16_t port) {
  const auto* n = find(node_key(host, port));
  return n && n->commands->connected();
}

connection* cluster_nodes::any_connected() {
  for (auto& [key, n] : nodes_) {
    if (n.commands && n.commands->connected()) return n.commands.get();
  }
  return nullptr;
}

void cluster_nodes::sunsubscribe(const std::string& key, const std::string& channel) {
  if (auto* n = find(key); n && n->subscriber) n->subscriber->sunsubscribe({channel});
}

void cluster_nodes::stop() {
  for (auto& [key, n] : nodes_) {
    auto queued = std::move(n.waiting);
    n.waiting.clear();
    for (auto& run : queued) run();
  }
  nodes_.clear();
}

}  // namespace sockio::redis::detail
