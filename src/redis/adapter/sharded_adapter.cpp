#include "sharded_adapter.hpp"

#include "sharded_state.hpp"
#include "sockio/adapter/ack_collector.hpp"
#include "sockio/sio/namespace.hpp"

namespace sockio::redis::detail {

using cluster_wire::message;
using cluster_wire::message_type;
using cluster_wire::ojson;
using wire::json;

namespace {

/// The text of a string field of `data`, or empty.
std::string text_of(const json& data, const char* key) {
  if (!data.is_object()) return {};
  const auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// `data.opts` as broadcast options (flags kept); nullopt when absent or malformed.
std::optional<sio::broadcast_options> options_of(const json& data) {
  if (!data.is_object()) return std::nullopt;
  const auto it = data.find("opts");
  if (it == data.end()) return std::nullopt;
  return wire::decode_options(*it);
}

std::vector<sio::room> rooms_of(const json& data) {
  std::vector<sio::room> out;
  const auto it = data.find("rooms");
  if (it == data.end() || !it->is_array()) return out;
  for (const auto& r : *it) {
    if (r.is_string()) out.push_back(r.get<std::string>());
    if (r.is_number_integer()) out.push_back(r.dump());
  }
  return out;
}

}  // namespace

sharded_adapter::sharded_adapter(sio::namespace_& nsp, std::shared_ptr<sharded_state> node)
    : in_memory_adapter(nsp), node_(std::move(node)), channels_(node_->options.channel_prefix, nsp.name(), node_->uid) {
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
  // Nothing of this adapter runs on the node's thread after this.
  node_->run_and_wait([this] {
    alive_.reset();
    node_->forget_requests(this);
  });
}

void sharded_adapter::on_node(std::function<void()> fn) {
  node_->post([alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (alive.lock()) fn();
  });
}

void sharded_adapter::publish_in_order(message_type type, const ojson& data, std::string channel) {
  if (channel.empty()) channel = channels_.main;
  sockets_.post(sockets_.home_shard(),
                [node = node_, channel = std::move(channel),
                 payload = cluster_wire::encode(type, data, node_->uid, sockets_.name())]() mutable {
                  node->publish(std::move(channel), std::move(payload));
                });
}

void sharded_adapter::respond(const std::string& requester, message_type type, const ojson& data) {
  node_->publish(channels_.response_to(requester), cluster_wire::encode(type, data, node_->uid, sockets_.name()));
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

// --- operations started here ------------------------------------------------------------

void sharded_adapter::broadcast(sio::packet p, const sio::broadcast_options& options) {
  if (options.flags.local) return in_memory_adapter::broadcast(std::move(p), options);
  const auto data = cluster_wire::broadcast_data(p, options);  // before recovery adds its offset
  // This node's sockets first, the publish queued behind their writes (see the classic adapter).
  in_memory_adapter::broadcast(std::move(p), options);
  publish_in_order(message_type::broadcast, data,
                   channels_.broadcast_channel(node_->options.subscription_mode, options, false));
}

void sharded_adapter::broadcast_with_ack(sio::packet p, const sio::broadcast_options& options,
                                         sio::ack_callback callback) {
  if (options.flags.local) return in_memory_adapter::broadcast_with_ack(std::move(p), options, std::move(callback));
  const auto home = sockets_.home_shard();
  // One reporter per shard, and one for all the other nodes.
  auto collector =
      std::make_shared<sio::ack_collector>(sockets_.context(home), sockets_.shards() + 1, std::move(callback));
  const auto timeout = options.flags.timeout.value_or(node_->options.requests_timeout);
  sockets_.run_on(home, [collector, timeout] { collector->arm(timeout); });

  const auto id = node_->new_request_id();
  auto payload = cluster_wire::encode(message_type::broadcast, cluster_wire::broadcast_data(p, options, id), node_->uid,
                                      sockets_.name());
  auto ask = [this, id, collector, timeout, payload = std::move(payload)]() mutable {
    // The other nodes report as one: once they are counted and each sent its client count.
    struct tally {
      std::optional<std::size_t> nodes;
      std::size_t reports = 0;
      std::size_t clients = 0;
      bool reported = false;
    };
    auto t = std::make_shared<tally>();
    auto report = [collector, t] {
      if (t->reported || !t->nodes || t->reports < *t->nodes) return;
      t->reported = true;
      collector->expect(t->clients);
    };
    pending_request r{0, 0, {}, {}, {}, this};
    r.on_response = [collector, t, report](const json& response) {
      const auto type = response.find("type");
      const auto data = response.find("data");
      if (type == response.end() || data == response.end()) return;
      if (*type == static_cast<int>(message_type::broadcast_client_count)) {
        const auto count = data->find("clientCount");
        ++t->reports;
        t->clients += count != data->end() && count->is_number_unsigned() ? count->get<std::size_t>() : 0;
        report();
      } else if (*type == static_cast<int>(message_type::broadcast_ack)) {
        const auto arg = data->find("packet");
        collector->respond(json::array({arg != data->end() ? *arg : json()}));
      }
    };
    // As Node: the answers are taken until the broadcast's timeout.
    node_->begin_request(id, std::move(r), timeout);
    node_->publish(channels_.main, std::move(payload));
    node_->count_nodes(channels_.main, [t, report](std::error_code ec, std::size_t n) {
      t->nodes = !ec && n > 1 ? n - 1 : 0;
      report();
    });
  };
  // Through this shard's queue, as every publish of this adapter: they reach Redis in call order.
  sockets_.post(home, [this, ask = std::move(ask)]() mutable { on_node(std::move(ask)); });
  p.nsp = sockets_.name();
  deliver_with_ack(
      std::move(p), options, [collector](std::size_t n) { collector->expect(n); },
      [collector](json args) { collector->respond(std::move(args)); });
}

void sharded_adapter::ask_cluster(std::chrono::milliseconds timeout,
                                  std::function<std::string(const std::string&)> make,
                                  std::function<void(const json&)> on_response,
                                  std::function<void(std::error_code)> on_done) {
  node_->count_nodes(channels_.main, [this, alive = std::weak_ptr<int>(alive_), timeout, make = std::move(make),
                                      on_response = std::move(on_response),
                                      on_done = std::move(on_done)](std::error_code ec, std::size_t nodes) mutable {
    if (!alive.lock()) return;
    if (ec) return on_done(ec);
    if (nodes <= 1) return on_done({});
    const auto id = node_->new_request_id();
    pending_request r{nodes - 1, 0, std::move(on_response), std::move(on_done), {}, this};
    node_->begin_request(id, std::move(r), timeout);
    node_->publish(channels_.main, make(id));
  });
}

void sharded_adapter::fetch_sockets(const sio::broadcast_options& options,
                                    std::function<void(std::error_code, std::vector<sio::remote_socket>)> callback) {
  if (options.flags.local) return in_memory_adapter::fetch_sockets(options, std::move(callback));
  const auto home = sockets_.home_shard();
  on_node([this, options, home, callback = std::move(callback)]() mutable {
    struct state {
      std::vector<sio::remote_socket> sockets;
      std::error_code ec;
      int halves = 2;  // this node's and the others'
    };
    auto st = std::make_shared<state>();
    auto finish = [this, st, home, callback = std::move(callback)] {
      if (--st->halves != 0) return;
      sockets_.post(home, [st, callback] { callback(st->ec, std::move(st->sockets)); });
    };
    // As Node: the request's own timeout, else the default.
    const auto timeout = options.flags.timeout.value_or(node_->options.requests_timeout);
    ask_cluster(
        timeout,
        [this, options](const std::string& id) {
          return cluster_wire::encode(message_type::fetch_sockets, cluster_wire::fetch_sockets_data(options, id),
                                      node_->uid, sockets_.name());
        },
        [this, st](const json& response) {
          const auto data = response.find("data");
          if (data == response.end() || !data->is_object()) return;
          const auto sockets = data->find("sockets");
          if (sockets == data->end() || !sockets->is_array()) return;
          for (const auto& s : *sockets) {
            if (auto rs = wire::decode_socket(s, &nsp_)) st->sockets.push_back(std::move(*rs));
          }
        },
        [st, finish](std::error_code ec) {
          if (ec) st->ec = errc::fetch_sockets_timeout;
          finish();
        });
    in_memory_adapter::fetch_sockets(options,
                                     [this, st, finish](std::error_code, std::vector<sio::remote_socket> local) {
                                       on_node([st, finish, local = std::move(local)]() mutable {
                                         st->sockets.insert(st->sockets.end(), std::make_move_iterator(local.begin()),
                                                            std::make_move_iterator(local.end()));
                                         finish();
                                       });
                                     });
  });
}

void sharded_adapter::server_side_emit(json data, sio::ack_callback ack) {
  if (!ack) return publish_in_order(message_type::server_side_emit, cluster_wire::server_side_emit_data(data));
  const auto home = sockets_.home_shard();
  on_node([this, home, data = std::move(data), ack = std::move(ack)]() mutable {
    auto responses = std::make_shared<json>(json::array());
    ask_cluster(
        node_->options.requests_timeout,
        [this, data](const std::string& id) {
          return cluster_wire::encode(message_type::server_side_emit, cluster_wire::server_side_emit_data(data, id),
                                      node_->uid, sockets_.name());
        },
        [responses](const json& response) {
          const auto d = response.find("data");
          const auto it = d != response.end() && d->is_object() ? d->find("packet") : d;
          responses->push_back(d != response.end() && it != d->end() ? *it : json());
        },
        [this, home, responses, ack = std::move(ack)](std::error_code ec) {
          if (ec) ec = errc::server_side_emit_timeout;
          sockets_.post(home, [ack, ec, responses] { ack(ec, std::move(*responses)); });
        });
  });
}

void sharded_adapter::server_count(std::function<void(std::size_t)> callback) {
  const auto home = sockets_.home_shard();
  on_node([this, home, callback = std::move(callback)] {
    node_->count_nodes(channels_.main,
                       [this, alive = std::weak_ptr<int>(alive_), home, callback](std::error_code ec, std::size_t n) {
                         if (!alive.lock()) return;
                         sockets_.post(home, [callback, n = ec ? 1 : std::max<std::size_t>(n, 1)] { callback(n); });
                       });
  });
}

// As Node's ClusterAdapter: the sender applies these and publishes them; receivers skip
// their own messages.
void sharded_adapter::add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (!options.flags.local) publish_in_order(message_type::sockets_join, cluster_wire::rooms_data(options, rooms));
  in_memory_adapter::add_sockets(options, rooms);
}

void sharded_adapter::del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (!options.flags.local) publish_in_order(message_type::sockets_leave, cluster_wire::rooms_data(options, rooms));
  in_memory_adapter::del_sockets(options, rooms);
}

void sharded_adapter::disconnect_sockets(const sio::broadcast_options& options, bool close) {
  if (!options.flags.local) {
    publish_in_order(message_type::disconnect_sockets, cluster_wire::disconnect_data(options, close));
  }
  in_memory_adapter::disconnect_sockets(options, close);
}

// --- messages from other nodes ------------------------------------------------------------

void sharded_adapter::on_message(std::string_view channel, std::string_view payload) {
  std::string error;
  auto m = cluster_wire::decode(payload, error);
  if (!m) return node_->drop(channel, error);
  if (channel == channels_.response) return on_response(*m);
  if (m->uid == node_->uid || m->nsp != sockets_.name()) return;
  const bool has_data = m->data.is_object();
  switch (m->type) {
    case message_type::broadcast:
      if (!has_data) break;
      return on_broadcast(*m);
    case message_type::sockets_join:
    case message_type::sockets_leave:
    case message_type::disconnect_sockets: {
      auto o = options_of(m->data);
      if (!o) break;
      ++node_->received;
      if (m->type == message_type::sockets_join) {
        in_memory_adapter::add_sockets(*o, rooms_of(m->data));
      } else if (m->type == message_type::sockets_leave) {
        in_memory_adapter::del_sockets(*o, rooms_of(m->data));
      } else {
        const auto close = m->data.find("close");
        in_memory_adapter::disconnect_sockets(*o, close != m->data.end() && close->is_boolean() && close->get<bool>());
      }
      return;
    }
    case message_type::fetch_sockets:
      if (!has_data) break;
      return on_fetch_sockets(*m);
    case message_type::server_side_emit:
      if (!has_data) break;
      return on_server_side_emit(*m);
    // Answers may come on the main channel too (Node handles them there as well).
    case message_type::fetch_sockets_response:
    case message_type::server_side_emit_response:
    case message_type::broadcast_client_count:
    case message_type::broadcast_ack: return on_response(*m);
    default: return;  // heartbeats and closes: the sharded protocol counts nodes by subscription
  }
  node_->drop(channel, "a message without its data");
}

void sharded_adapter::on_response(const message& m) {
  const auto id = text_of(m.data, "requestId");
  if (id.empty()) return node_->drop(channels_.response, "a response without requestId");
  node_->answer(id, json{{"type", static_cast<int>(m.type)}, {"data", m.data}});
}

void sharded_adapter::on_broadcast(const message& m) {
  const auto packet = m.data.find("packet");
  auto p = packet != m.data.end() ? wire::decode_event_packet(*packet, sockets_.name()) : std::nullopt;
  auto o = options_of(m.data);
  if (!p || !o) return node_->drop(channels_.main, "a broadcast that is not an event");
  ++node_->received;
  const auto request_id = text_of(m.data, "requestId");
  if (request_id.empty()) return in_memory_adapter::broadcast(std::move(*p), *o);
  // With acks: one client count (the shards' summed), then each client's first argument.
  p->id = sockets_.next_ack_id();
  struct count_state {
    unsigned shards;
    std::size_t clients = 0;
  };
  auto count = std::make_shared<count_state>(count_state{sockets_.shards()});
  deliver_with_ack(
      std::move(*p), *o,
      [this, count, requester = m.uid, request_id](std::size_t n) {
        on_node([this, count, requester, request_id, n] {
          count->clients += n;
          if (--count->shards != 0) return;
          respond(requester, message_type::broadcast_client_count,
                  cluster_wire::client_count_data(request_id, count->clients));
        });
      },
      [this, requester = m.uid, request_id](json args) {
        on_node([this, requester, request_id, args = std::move(args)] {
          respond(requester, message_type::broadcast_ack, cluster_wire::first_argument_data(request_id, args));
        });
      });
}

void sharded_adapter::on_fetch_sockets(const message& m) {
  auto o = options_of(m.data);
  if (!o) return node_->drop(channels_.main, "bad fetchSockets options");
  ++node_->received;
  o->flags = {};
  in_memory_adapter::fetch_sockets(*o, [this, requester = m.uid, id = text_of(m.data, "requestId")](
                                           std::error_code, std::vector<sio::remote_socket> sockets) {
    on_node([this, requester, id, sockets = std::move(sockets)] {
      respond(requester, message_type::fetch_sockets_response, cluster_wire::fetch_sockets_response_data(id, sockets));
    });
  });
}

void sharded_adapter::on_server_side_emit(const message& m) {
  const auto packet = m.data.find("packet");
  if (packet == m.data.end() || !packet->is_array() || packet->empty() || !(*packet)[0].is_string()) {
    return node_->drop(channels_.main, "a serverSideEmit without an event");
  }
  ++node_->received;
  std::function<void(json)> ack;
  if (auto id = text_of(m.data, "requestId"); !id.empty()) {
    // Any thread, once; the answer goes to the requester's channel.
    ack = [node = node_, channel = channels_.response_to(m.uid), id, nsp = sockets_.name()](json args) {
      node->publish(channel, cluster_wire::encode(message_type::server_side_emit_response,
                                                  cluster_wire::first_argument_data(id, args), node->uid, nsp));
    };
  }
  sockets_.server_side_event(*packet, std::move(ack));
}

}  // namespace sockio::redis::detail
