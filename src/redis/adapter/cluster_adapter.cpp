#include "cluster_adapter.hpp"

#include "sockio/adapter/ack_collector.hpp"
#include "sockio/codec/random_id.hpp"
#include "sockio/sio/namespace.hpp"

namespace sockio::redis::detail {

using cluster_wire::message;
using cluster_wire::message_type;
using cluster_wire::ojson;
using wire::json;

std::string cluster_request_id() {
  return codec::random_hex(8);
}

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

cluster_adapter::cluster_adapter(sio::namespace_& nsp, std::shared_ptr<node_core> core,
                                 std::chrono::milliseconds requests_timeout)
    : in_memory_adapter(nsp), core_(std::move(core)), requests_timeout_(requests_timeout) {}

cluster_adapter::~cluster_adapter() {
  close();
}

void cluster_adapter::close() {
  if (!alive_) return;
  core_->run_and_wait([this] {
    alive_.reset();
    core_->forget_requests(this);
  });
}

void cluster_adapter::on_node(std::function<void()> fn) {
  core_->post([alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (alive.lock()) fn();
  });
}

void cluster_adapter::publish_in_order(message_type type, const ojson& data, const sio::broadcast_options* broadcast) {
  sockets_.post(sockets_.home_shard(), publisher(type, data, broadcast));
}

// --- operations started here ------------------------------------------------------------

void cluster_adapter::broadcast(sio::packet p, const sio::broadcast_options& options) {
  if (options.flags.local) return in_memory_adapter::broadcast(std::move(p), options);
  const auto data = cluster_wire::broadcast_data(p, options);  // before recovery adds its offset
  // This node's sockets first, the publish queued behind their writes (see the classic adapter).
  in_memory_adapter::broadcast(std::move(p), options);
  publish_in_order(message_type::broadcast, data, &options);
}

void cluster_adapter::broadcast_with_ack(sio::packet p, const sio::broadcast_options& options,
                                         sio::ack_callback callback) {
  if (options.flags.local) return in_memory_adapter::broadcast_with_ack(std::move(p), options, std::move(callback));
  const auto home = sockets_.home_shard();
  // One reporter per shard, and one for all the other nodes.
  auto collector =
      std::make_shared<sio::ack_collector>(sockets_.context(home), sockets_.shards() + 1, std::move(callback));
  const auto timeout = options.flags.timeout.value_or(requests_timeout_);
  sockets_.run_on(home, [collector, timeout] { collector->arm(timeout); });

  const auto id = cluster_request_id();
  auto publish = publisher(message_type::broadcast, cluster_wire::broadcast_data(p, options, id), nullptr);
  auto ask = [this, id, collector, timeout, publish = std::move(publish)]() mutable {
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
    core_->begin_request(id, std::move(r), timeout);
    publish();
    count_nodes([t, report](std::error_code ec, std::size_t n) {
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

void cluster_adapter::ask_cluster(std::chrono::milliseconds timeout,
                                  std::function<std::pair<message_type, ojson>(const std::string&)> make,
                                  std::function<void(const json&)> on_response,
                                  std::function<void(std::error_code)> on_done) {
  count_nodes([this, alive = std::weak_ptr<int>(alive_), timeout, make = std::move(make),
               on_response = std::move(on_response),
               on_done = std::move(on_done)](std::error_code ec, std::size_t nodes) mutable {
    if (!alive.lock()) return;
    if (ec) return on_done(ec);
    if (nodes <= 1) return on_done({});
    const auto id = cluster_request_id();
    pending_request r{nodes - 1, 0, std::move(on_response), std::move(on_done), {}, this};
    core_->begin_request(id, std::move(r), timeout);
    const auto [type, data] = make(id);
    publisher(type, data, nullptr)();
  });
}

void cluster_adapter::fetch_sockets(const sio::broadcast_options& options,
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
    const auto timeout = options.flags.timeout.value_or(requests_timeout_);
    ask_cluster(
        timeout,
        [options](const std::string& id) {
          return std::pair{message_type::fetch_sockets, cluster_wire::fetch_sockets_data(options, id)};
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

void cluster_adapter::server_side_emit(json data, sio::ack_callback ack) {
  if (!ack) return publish_in_order(message_type::server_side_emit, cluster_wire::server_side_emit_data(data));
  const auto home = sockets_.home_shard();
  on_node([this, home, data = std::move(data), ack = std::move(ack)]() mutable {
    auto responses = std::make_shared<json>(json::array());
    ask_cluster(
        requests_timeout_,
        [data](const std::string& id) {
          return std::pair{message_type::server_side_emit, cluster_wire::server_side_emit_data(data, id)};
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

void cluster_adapter::server_count(std::function<void(std::size_t)> callback) {
  const auto home = sockets_.home_shard();
  on_node([this, home, callback = std::move(callback)] {
    count_nodes([this, alive = std::weak_ptr<int>(alive_), home, callback](std::error_code ec, std::size_t n) {
      if (!alive.lock()) return;
      sockets_.post(home, [callback, n = ec ? 1 : std::max<std::size_t>(n, 1)] { callback(n); });
    });
  });
}

// As Node's ClusterAdapter: the sender applies these and publishes them; receivers skip
// their own messages.
void cluster_adapter::add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (!options.flags.local) publish_in_order(message_type::sockets_join, cluster_wire::rooms_data(options, rooms));
  in_memory_adapter::add_sockets(options, rooms);
}

void cluster_adapter::del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (!options.flags.local) publish_in_order(message_type::sockets_leave, cluster_wire::rooms_data(options, rooms));
  in_memory_adapter::del_sockets(options, rooms);
}

void cluster_adapter::disconnect_sockets(const sio::broadcast_options& options, bool close) {
  if (!options.flags.local) {
    publish_in_order(message_type::disconnect_sockets, cluster_wire::disconnect_data(options, close));
  }
  in_memory_adapter::disconnect_sockets(options, close);
}

// --- messages from other nodes ------------------------------------------------------------

void cluster_adapter::on_message(const message& m, std::string_view where, const std::string& offset) {
  if (m.uid == core_->uid || m.nsp != sockets_.name()) return;
  const bool has_data = m.data.is_object();
  switch (m.type) {
    case message_type::broadcast:
      if (!has_data) break;
      return on_broadcast(m, where, offset);
    case message_type::sockets_join:
    case message_type::sockets_leave:
    case message_type::disconnect_sockets: {
      auto o = options_of(m.data);
      if (!o) break;
      ++core_->received;
      if (m.type == message_type::sockets_join) {
        in_memory_adapter::add_sockets(*o, rooms_of(m.data));
      } else if (m.type == message_type::sockets_leave) {
        in_memory_adapter::del_sockets(*o, rooms_of(m.data));
      } else {
        const auto close = m.data.find("close");
        in_memory_adapter::disconnect_sockets(*o, close != m.data.end() && close->is_boolean() && close->get<bool>());
      }
      return;
    }
    case message_type::fetch_sockets:
      if (!has_data) break;
      return on_fetch_sockets(m, where);
    case message_type::server_side_emit:
      if (!has_data) break;
      return on_server_side_emit(m, where);
    // Answers come on this node's own channel; Node handles them on the others too.
    case message_type::fetch_sockets_response:
    case message_type::server_side_emit_response:
    case message_type::broadcast_client_count:
    case message_type::broadcast_ack: return on_response(m, where);
    default: return;  // heartbeats and closes: these protocols count nodes by subscription
  }
  drop(where, "a message without its data");
}

void cluster_adapter::on_response(const message& m, std::string_view where) {
  const auto id = text_of(m.data, "requestId");
  if (id.empty()) return drop(where, "a response without requestId");
  core_->answer(id, json{{"type", static_cast<int>(m.type)}, {"data", m.data}});
}

void cluster_adapter::on_remote_broadcast(sio::packet p, const sio::broadcast_options& options, const std::string&) {
  in_memory_adapter::broadcast(std::move(p), options);
}

void cluster_adapter::on_broadcast(const message& m, std::string_view where, const std::string& offset) {
  const auto packet = m.data.find("packet");
  auto p = packet != m.data.end() ? wire::decode_event_packet(*packet, sockets_.name()) : std::nullopt;
  auto o = options_of(m.data);
  if (!p || !o) return drop(where, "a broadcast that is not an event");
  ++core_->received;
  const auto request_id = text_of(m.data, "requestId");
  if (request_id.empty()) return on_remote_broadcast(std::move(*p), *o, offset);
  // With acks: one client count (the shards' summed), then each client's first argument.
  p->id = sockets_.next_ack_id();
  struct count_state {
    unsigned shards;
    std::size_t clients = 0;
  };
  auto count = std::make_shared<count_state>(count_state{sockets_.shards()});
  auto respond = responder(m.uid);
  deliver_with_ack(
      std::move(*p), *o,
      [this, count, respond, request_id](std::size_t n) {
        on_node([count, respond, request_id, n] {
          count->clients += n;
          if (--count->shards != 0) return;
          respond(message_type::broadcast_client_count, cluster_wire::client_count_data(request_id, count->clients));
        });
      },
      [this, respond, request_id](json args) {
        on_node([respond, request_id, args = std::move(args)] {
          respond(message_type::broadcast_ack, cluster_wire::first_argument_data(request_id, args));
        });
      });
}

void cluster_adapter::on_fetch_sockets(const message& m, std::string_view where) {
  auto o = options_of(m.data);
  if (!o) return drop(where, "bad fetchSockets options");
  ++core_->received;
  o->flags = {};
  in_memory_adapter::fetch_sockets(*o, [this, respond = responder(m.uid), id = text_of(m.data, "requestId")](
                                           std::error_code, std::vector<sio::remote_socket> sockets) {
    on_node([respond, id, sockets = std::move(sockets)] {
      respond(message_type::fetch_sockets_response, cluster_wire::fetch_sockets_response_data(id, sockets));
    });
  });
}

void cluster_adapter::on_server_side_emit(const message& m, std::string_view where) {
  const auto packet = m.data.find("packet");
  if (packet == m.data.end() || !packet->is_array() || packet->empty() || !(*packet)[0].is_string()) {
    return drop(where, "a serverSideEmit without an event");
  }
  ++core_->received;
  std::function<void(json)> ack;
  if (auto id = text_of(m.data, "requestId"); !id.empty()) {
    // Any thread, once.
    ack = [respond = responder(m.uid), id](json args) {
      respond(message_type::server_side_emit_response, cluster_wire::first_argument_data(id, args));
    };
  }
  sockets_.server_side_event(*packet, std::move(ack));
}

}  // namespace sockio::redis::detail
