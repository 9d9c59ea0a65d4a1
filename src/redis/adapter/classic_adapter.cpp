#include "classic_adapter.hpp"

#include "node_state.hpp"
#include "sockio/adapter/ack_collector.hpp"
#include "sockio/sio/namespace.hpp"

namespace sockio::redis::detail {

using wire::json;
using wire::request_type;

namespace {

/// The text of a string field, or empty.
std::string text_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<sio::room> rooms_of(const json& j) {
  std::vector<sio::room> out;
  const auto it = j.find("rooms");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& r : *it) {
    if (r.is_string()) out.push_back(r.get<std::string>());
    if (r.is_number_integer()) out.push_back(r.dump());
  }
  return out;
}

/// Two halves of a cluster-wide answer: this node's and the others'.
template <class T>
struct merged {
  T value{};
  bool local_done = false;
  bool remote_done = false;
  std::error_code ec;
  bool complete() const { return local_done && remote_done; }
};

}  // namespace

classic_adapter::classic_adapter(sio::namespace_& nsp, std::shared_ptr<node_state> node)
    : in_memory_adapter(nsp), node_(std::move(node)), channels_(node_->options.key, nsp.name(), node_->uid) {
  node_->add(*this);
}

classic_adapter::~classic_adapter() {
  node_->remove(*this);
  // Nothing of this adapter runs on the node's thread after this.
  node_->run_and_wait([this] {
    alive_.reset();
    node_->forget_requests(this);
  });
}

void classic_adapter::on_node(std::function<void()> fn) {
  node_->post([alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (alive.lock()) fn();
  });
}

void classic_adapter::respond(const std::string& requester, std::string payload) {
  node_->publish(channels_.response_for(requester, node_->options.publish_on_specific_response_channel),
                 std::move(payload));
}

// --- this node's rooms ------------------------------------------------------------------

void classic_adapter::add_all(sio::socket& s, const std::set<sio::room>& rooms) {
  std::vector<const sio::room*> created;
  for (const auto& r : rooms) {
    if (room_size(s.shard(), r) == 0) created.push_back(&r);
  }
  in_memory_adapter::add_all(s, rooms);
  std::lock_guard lock(rooms_mutex_);
  for (const auto* r : created) {
    if (room_size(s.shard(), *r) != 0) ++room_shards_[*r];
  }
}

void classic_adapter::del(sio::socket& s, const sio::room& r) {
  const bool had = room_size(s.shard(), r) != 0;
  in_memory_adapter::del(s, r);
  if (!had || room_size(s.shard(), r) != 0) return;
  std::lock_guard lock(rooms_mutex_);
  if (const auto it = room_shards_.find(r); it != room_shards_.end() && --it->second == 0) room_shards_.erase(it);
}

bool classic_adapter::has_room(std::string_view r) const {
  std::lock_guard lock(rooms_mutex_);
  return room_shards_.find(r) != room_shards_.end();
}

// --- operations started here ------------------------------------------------------------

void classic_adapter::broadcast(sio::packet p, const sio::broadcast_options& options) {
  if (options.flags.local) return in_memory_adapter::broadcast(std::move(p), options);
  p.nsp = sockets_.name();
  auto bytes = wire::encode_broadcast(node_->uid, p, options);  // before recovery adds its offset
  // This node's sockets first: their writes are queued on the shards, and the publish is
  // queued behind them on this shard. Handing it to the node's thread at once would let
  // that thread (and Redis, and the other nodes) take a shared core before those writes.
  in_memory_adapter::broadcast(std::move(p), options);
  publish_in_order(channels_.broadcast_for(options), std::move(bytes));
}

void classic_adapter::publish_in_order(std::string channel, std::string payload) {
  sockets_.post(sockets_.home_shard(),
                [node = node_, channel = std::move(channel), payload = std::move(payload)]() mutable {
                  node->publish(std::move(channel), std::move(payload));
                });
}

void classic_adapter::broadcast_with_ack(sio::packet p, const sio::broadcast_options& options,
                                         sio::ack_callback callback) {
  if (options.flags.local) return in_memory_adapter::broadcast_with_ack(std::move(p), options, std::move(callback));
  const auto home = sockets_.home_shard();
  // One reporter per shard, and one for all the other nodes.
  auto collector =
      std::make_shared<sio::ack_collector>(sockets_.context(home), sockets_.shards() + 1, std::move(callback));
  // Across nodes, an acknowledgement may never come (a node counted that then went away):
  // without a timeout of its own, the broadcast ends after requests_timeout.
  sockets_.run_on(home, [collector, timeout = options.flags.timeout.value_or(node_->options.requests_timeout)] {
    collector->arm(timeout);
  });

  const auto id = node_->new_request_id();
  p.nsp = sockets_.name();
  auto payload = wire::encode_broadcast_with_ack(node_->uid, id, p, options);
  // Through this shard's queue, as every publish of this adapter: they reach Redis in call order.
  auto ask = [this, id, collector, payload = std::move(payload), timeout = options.flags.timeout]() mutable {
    // The other nodes report as one: once they are counted and each sent its client count.
    // (A count may come before the node count: then it waits for it.)
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
      if (type == response.end() || !type->is_number_integer()) return;
      if (*type == static_cast<int>(request_type::broadcast_client_count)) {
        const auto count = response.find("clientCount");
        ++t->reports;
        t->clients += count != response.end() && count->is_number_unsigned() ? count->get<std::size_t>() : 0;
        report();
      } else if (*type == static_cast<int>(request_type::broadcast_ack)) {
        const auto arg = response.find("packet");
        collector->respond(json::array({arg != response.end() ? *arg : json()}));
      }
    };
    // As Node: the answers are taken until the broadcast's timeout.
    node_->begin_request(id, std::move(r), timeout.value_or(node_->options.requests_timeout));
    node_->publish(channels_.request, std::move(payload));
    node_->count_nodes(channels_.request, [t, report](std::error_code ec, std::size_t n) {
      t->nodes = !ec && n > 1 ? n - 1 : 0;
      report();
    });
  };
  sockets_.post(home, [this, ask = std::move(ask)]() mutable { on_node(std::move(ask)); });
  deliver_with_ack(
      std::move(p), options, [collector](std::size_t n) { collector->expect(n); },
      [collector](json args) { collector->respond(std::move(args)); });
}

void classic_adapter::ask_cluster(request_type type, std::chrono::milliseconds timeout,
                                  std::function<std::string(const std::string&)> make,
                                  std::function<void(const json&)> on_response,
                                  std::function<void(std::error_code)> on_done) {
  node_->count_nodes(channels_.request, [this, alive = std::weak_ptr<int>(alive_), type, timeout,
                                         make = std::move(make), on_response = std::move(on_response),
                                         on_done = std::move(on_done)](std::error_code ec, std::size_t nodes) mutable {
    if (!alive.lock()) return;
    if (ec) return on_done(ec);
    if (nodes <= 1) return on_done({});
    const auto id = node_->new_request_id();
    pending_request r{nodes - 1, 0, std::move(on_response), std::move(on_done), {}, this};
    node_->begin_request(id, std::move(r), timeout);
    node_->publish(channels_.request, make(id));
  });
}

void classic_adapter::fetch_sockets(const sio::broadcast_options& options,
                                    std::function<void(std::error_code, std::vector<sio::remote_socket>)> callback) {
  if (options.flags.local) return in_memory_adapter::fetch_sockets(options, std::move(callback));
  const auto home = sockets_.home_shard();
  on_node([this, options, home, callback = std::move(callback)]() mutable {
    auto st = std::make_shared<merged<std::vector<sio::remote_socket>>>();
    auto finish = [this, st, home, callback = std::move(callback)] {
      if (!st->complete()) return;
      sockets_.post(home, [st, callback] { callback(st->ec, std::move(st->value)); });
    };
    ask_cluster(
        request_type::remote_fetch, node_->options.requests_timeout,
        [this, options](const std::string& id) { return wire::fetch_sockets_request(node_->uid, id, options); },
        [this, st](const json& response) {
          const auto sockets = response.find("sockets");
          if (sockets == response.end() || !sockets->is_array()) return;
          for (const auto& s : *sockets) {
            if (auto rs = wire::decode_socket(s, &nsp_)) st->value.push_back(std::move(*rs));
          }
        },
        [st, finish](std::error_code ec) {
          if (ec) st->ec = errc::fetch_sockets_timeout;
          st->remote_done = true;
          finish();
        });
    in_memory_adapter::fetch_sockets(options, [this, st, finish](std::error_code,
                                                                 std::vector<sio::remote_socket> local) {
      on_node([st, finish, local = std::move(local)]() mutable {
        st->value.insert(st->value.end(), std::make_move_iterator(local.begin()), std::make_move_iterator(local.end()));
        st->local_done = true;
        finish();
      });
    });
  });
}

void classic_adapter::all_rooms(std::function<void(std::error_code, std::set<sio::room>)> callback) {
  const auto home = sockets_.home_shard();
  on_node([this, home, callback = std::move(callback)]() mutable {
    auto st = std::make_shared<merged<std::set<sio::room>>>();
    auto finish = [this, st, home, callback = std::move(callback)] {
      if (!st->complete()) return;
      sockets_.post(home, [st, callback] { callback(st->ec, std::move(st->value)); });
    };
    ask_cluster(
        request_type::all_rooms, node_->options.requests_timeout,
        [this](const std::string& id) { return wire::all_rooms_request(node_->uid, id); },
        [st](const json& response) {
          for (const auto& r : rooms_of(response)) st->value.insert(r);
        },
        [st, finish](std::error_code ec) {
          if (ec) st->ec = errc::all_rooms_timeout;
          st->remote_done = true;
          finish();
        });
    in_memory_adapter::all_rooms([this, st, finish](std::error_code, std::set<sio::room> local) {
      on_node([st, finish, local = std::move(local)]() mutable {
        st->value.merge(local);
        st->local_done = true;
        finish();
      });
    });
  });
}

void classic_adapter::server_side_emit(json data, sio::ack_callback ack) {
  if (!ack) {
    publish_in_order(channels_.request, wire::server_side_emit_request(node_->uid, {}, data));
    return;
  }
  const auto home = sockets_.home_shard();
  on_node([this, home, data = std::move(data), ack = std::move(ack)]() mutable {
    auto responses = std::make_shared<json>(json::array());
    ask_cluster(
        request_type::server_side_emit, node_->options.requests_timeout,
        [this, data](const std::string& id) { return wire::server_side_emit_request(node_->uid, id, data); },
        [responses](const json& response) {
          const auto it = response.find("data");
          responses->push_back(it != response.end() ? *it : json());
        },
        [this, home, responses, ack = std::move(ack)](std::error_code ec) {
          if (ec) ec = errc::server_side_emit_timeout;
          sockets_.post(home, [ack, ec, responses] { ack(ec, std::move(*responses)); });
        });
  });
}

void classic_adapter::server_count(std::function<void(std::size_t)> callback) {
  const auto home = sockets_.home_shard();
  on_node([this, home, callback = std::move(callback)] {
    node_->count_nodes(channels_.request,
                       [this, alive = std::weak_ptr<int>(alive_), home, callback](std::error_code ec, std::size_t n) {
                         if (!alive.lock()) return;
                         sockets_.post(home, [callback, n = ec ? 1 : std::max<std::size_t>(n, 1)] { callback(n); });
                       });
  });
}

// Room and disconnect requests are applied here at once and skipped when they come back
// (Node applies its own on the way back; either way every node applies them once).
void classic_adapter::add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (!options.flags.local) {
    publish_in_order(channels_.request, wire::rooms_request(request_type::remote_join, node_->uid, options, rooms));
  }
  in_memory_adapter::add_sockets(options, rooms);
}

void classic_adapter::del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (!options.flags.local) {
    publish_in_order(channels_.request, wire::rooms_request(request_type::remote_leave, node_->uid, options, rooms));
  }
  in_memory_adapter::del_sockets(options, rooms);
}

void classic_adapter::disconnect_sockets(const sio::broadcast_options& options, bool close) {
  if (!options.flags.local) {
    publish_in_order(channels_.request, wire::disconnect_request(node_->uid, options, close));
  }
  in_memory_adapter::disconnect_sockets(options, close);
}

// --- messages from other nodes ------------------------------------------------------------

void classic_adapter::on_broadcast(std::string_view channel, std::string_view payload) {
  // `<key>#<nsp>#` then, for a single room, `<room>#`.
  if (!channel.starts_with(channels_.broadcast)) return node_->drop(channel, "not a broadcast channel");
  // As Node: a single room's message is dropped unread when the room has no member here.
  auto room = channel.substr(channels_.broadcast.size());
  if (!room.empty()) {
    if (room.back() != '#' || !has_room(room.substr(0, room.size() - 1))) return;
  }
  std::string error;
  auto m = wire::decode_broadcast(payload, error);
  if (!m) return node_->drop(channel, error);
  if (m->uid == node_->uid) return;
  if (m->packet.nsp != sockets_.name()) return;
  ++node_->received;
  in_memory_adapter::broadcast(std::move(m->packet), m->options);
}

void classic_adapter::on_request(std::string_view payload) {
  std::string error;
  const auto j = wire::decode_envelope(payload, error);
  if (!j || !j->is_object()) return node_->drop(channels_.request, j ? "not an object" : error);
  const auto type = j->find("type");
  if (type == j->end() || !type->is_number_integer()) return node_->drop(channels_.request, "no type");
  const auto uid = text_of(*j, "uid");
  const auto request_id = text_of(*j, "requestId");
  const auto opts = [&]() -> std::optional<sio::broadcast_options> {
    const auto it = j->find("opts");
    return wire::decode_options(it != j->end() ? *it : json());
  };
  switch (static_cast<request_type>(type->get<int>())) {
    case request_type::sockets:
      if (!node_->has_request(request_id)) on_sockets_request(*j);
      break;
    case request_type::all_rooms:
      if (!node_->has_request(request_id)) on_all_rooms_request(*j);
      break;
    case request_type::remote_fetch:
      if (!node_->has_request(request_id)) on_fetch_request(*j);
      break;
    case request_type::remote_join:
    case request_type::remote_leave:
    case request_type::remote_disconnect: {
      if (uid == node_->uid) break;
      auto o = opts();
      if (!o || !j->contains("opts")) return node_->drop(channels_.request, "a room request without opts");
      ++node_->received;
      if (*type == static_cast<int>(request_type::remote_join)) {
        in_memory_adapter::add_sockets(*o, rooms_of(*j));
      } else if (*type == static_cast<int>(request_type::remote_leave)) {
        in_memory_adapter::del_sockets(*o, rooms_of(*j));
      } else {
        const auto close = j->find("close");
        in_memory_adapter::disconnect_sockets(*o, close != j->end() && close->is_boolean() && close->get<bool>());
      }
      break;
    }
    case request_type::server_side_emit:
      if (uid != node_->uid) on_server_side_emit_request(*j);
      break;
    case request_type::broadcast:
      if (!node_->has_request(request_id)) on_broadcast_request(*j);
      break;
    default: break;  // unknown types are ignored, as Node does
  }
}

void classic_adapter::on_fetch_request(const json& request) {
  const auto it = request.find("opts");
  auto o = wire::decode_options(it != request.end() ? *it : json());
  if (!o) return node_->drop(channels_.request, "bad fetchSockets options");
  ++node_->received;
  o->flags = {};
  in_memory_adapter::fetch_sockets(*o, [this, requester = text_of(request, "uid"), id = text_of(request, "requestId")](
                                           std::error_code, std::vector<sio::remote_socket> sockets) {
    respond(requester, wire::fetch_sockets_response(id, sockets));
  });
}

void classic_adapter::on_sockets_request(const json& request) {
  ++node_->received;
  sio::broadcast_options o;
  for (auto& r : rooms_of(request)) o.rooms.insert(std::move(r));
  in_memory_adapter::fetch_sockets(o, [this, requester = text_of(request, "uid"), id = text_of(request, "requestId")](
                                          std::error_code, std::vector<sio::remote_socket> sockets) {
    respond(requester, wire::sockets_response(id, sockets));
  });
}

void classic_adapter::on_all_rooms_request(const json& request) {
  ++node_->received;
  in_memory_adapter::all_rooms(
      [this, requester = text_of(request, "uid"), id = text_of(request, "requestId")](
          std::error_code, std::set<sio::room> rooms) { respond(requester, wire::all_rooms_response(id, rooms)); });
}

void classic_adapter::on_server_side_emit_request(const json& request) {
  const auto data = request.find("data");
  if (data == request.end() || !data->is_array() || data->empty() || !(*data)[0].is_string()) {
    return node_->drop(channels_.request, "a serverSideEmit without an event");
  }
  ++node_->received;
  std::function<void(json)> ack;
  if (auto id = text_of(request, "requestId"); !id.empty()) {
    // Node answers on the shared channel, with the first argument only, whatever the option.
    ack = [node = node_, channel = channels_.response, id](json args) {
      node->publish(channel, wire::server_side_emit_response(id, args));
    };
  }
  sockets_.server_side_event(*data, std::move(ack));
}

void classic_adapter::on_broadcast_request(const json& request) {
  const auto packet = request.find("packet");
  auto p = packet != request.end() ? wire::decode_event_packet(*packet, sockets_.name()) : std::nullopt;
  const auto it = request.find("opts");
  auto o = wire::decode_options(it != request.end() ? *it : json());
  if (!p || !o) return node_->drop(channels_.request, "a broadcast with acks that is not an event");
  ++node_->received;
  o->flags = {};  // as Node: only rooms and except are passed on
  p->id = sockets_.next_ack_id();
  const auto requester = text_of(request, "uid");
  const auto id = text_of(request, "requestId");
  struct count_state {
    unsigned shards;
    std::size_t clients = 0;
  };
  auto count = std::make_shared<count_state>(count_state{sockets_.shards()});
  deliver_with_ack(
      std::move(*p), *o,
      [this, count, requester, id](std::size_t n) {
        on_node([this, count, requester, id, n] {
          count->clients += n;
          if (--count->shards != 0) return;
          respond(requester, wire::client_count_response(id, count->clients));
        });
      },
      [this, requester, id](json args) {
        on_node([this, requester, payload = wire::broadcast_ack_response(id, args)]() mutable {
          respond(requester, std::move(payload));
        });
      });
}

}  // namespace sockio::redis::detail
