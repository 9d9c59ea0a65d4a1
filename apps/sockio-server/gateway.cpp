// The gateway's Socket.IO side: handshake authentication, limits, built-in events,
// presence and connection logs.
#include "gateway.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

namespace sockio::gateway {
namespace {

using clock = std::chrono::steady_clock;

/// Events a client may not publish: socket.io's reserved names and the gateway's own.
bool reserved_event(std::string_view e) {
  if (sio::is_reserved_event(e)) return true;
  for (std::string_view r : {"join", "leave", "publish", "presence", "presence:join", "presence:leave", "error"}) {
    if (e == r) return true;
  }
  return false;
}

/// A room name from `args[index]`: a non-empty string of at most 128 bytes.
std::optional<std::string> room_arg(const json& args, std::size_t index = 0) {
  if (!args.is_array() || args.size() <= index || !args[index].is_string()) return std::nullopt;
  const auto& room = args[index].get_ref<const std::string&>();
  if (room.empty() || room.size() > 128) return std::nullopt;
  return room;
}

json error_reply(std::string message) {
  return json{{"error", std::move(message)}};
}

std::vector<std::string> strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& v : value) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

sio::server_options server_options_of(const config& c) {
  sio::server_options o;
  auto& e = o.engine;
  e.path = c.path;
  e.ping_interval = std::chrono::milliseconds(c.ping_interval_ms);
  e.ping_timeout = std::chrono::milliseconds(c.ping_timeout_ms);
  e.max_http_buffer_size = static_cast<std::size_t>(c.max_payload);
  e.transports = c.transports;
  e.cors.origins = c.cors_origins;
  e.cors.credentials = c.cors_credentials;
  e.threads = static_cast<unsigned>(c.threads);
  e.http_timeout = std::chrono::milliseconds(c.limits_http_timeout_ms);
  e.stop_timeout = std::chrono::milliseconds(c.shutdown_timeout_ms);
  if (c.tls()) e.tls = engine::tls_options{c.tls_cert, c.tls_key};
  o.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
  if (c.recovery_ms > 0) {
    o.connection_state_recovery =
        sio::recovery_options{.max_disconnection_duration = std::chrono::milliseconds(c.recovery_ms)};
  }
  return o;
}

}  // namespace

/// What a socket may do and its rate limit, kept with its handlers (one shard: no locking).
struct socket_context {
  std::vector<std::string> join;
  std::vector<std::string> publish;
  double tokens = 0;
  std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
  std::int64_t dropped_in_a_row = 0;
};

json member_of(const std::string& sid, const json& data) {
  return json{{"sid", sid}, {"user", data.value("user", json(nullptr))}, {"name", data.value("name", "")}};
}

gateway::gateway(config c) : config_(std::move(c)), auth_(config_) {
  if (!config_.client_bundle.empty()) client_bundle_ = file_contents(config_.client_bundle);
  if (config_.path.back() != '/') config_.path += '/';
  bundle_path_ = config_.path + "socket.io.min.js";
  auto options = server_options_of(config_);
  options.engine.allow_request = [this](const engine::request_info& req) { return admit(req); };
  options.engine.http_handler = [this](const engine::request_info& req, std::string body,
                                       engine::http_responder respond) {
    handle_http(req, std::move(body), std::move(respond));
  };
  if (config_.cluster_adapter == "redis") {
    redis::adapter_options cluster;
    cluster.connection.url = config_.cluster_redis_url;
    cluster.connection.tls_ca_file = config_.cluster_redis_ca_file;
    cluster.key = config_.cluster_key_prefix;
    cluster.requests_timeout = std::chrono::milliseconds(config_.cluster_requests_timeout_ms);
    cluster.redis_cluster = config_.cluster_redis_cluster;
    cluster_ = std::make_unique<redis::node>(std::move(cluster));
  } else if (config_.cluster_adapter == "redis-sharded") {
    using redis::cluster_wire::subscription_mode;
    redis::sharded_adapter_options cluster;
    cluster.cluster.seeds = cluster_seeds(config_.cluster_redis_url);
    cluster.cluster.connection.tls_ca_file = config_.cluster_redis_ca_file;
    cluster.channel_prefix = config_.cluster_key_prefix;
    cluster.requests_timeout = std::chrono::milliseconds(config_.cluster_requests_timeout_ms);
    const auto& mode = config_.cluster_subscription_mode;
    cluster.subscription_mode = mode == "static"            ? subscription_mode::static_
                                : mode == "dynamic-private" ? subscription_mode::dynamic_private
                                                            : subscription_mode::dynamic;
    cluster_ = std::make_unique<redis::sharded_node>(std::move(cluster));
  } else if (config_.cluster_adapter == "redis-streams") {
    redis::streams_adapter_options cluster;
    cluster.connection.url = config_.cluster_redis_url;
    cluster.connection.tls_ca_file = config_.cluster_redis_ca_file;
    cluster.channel_prefix = config_.cluster_key_prefix;
    cluster.max_len = static_cast<std::size_t>(config_.cluster_stream_max_len);
    cluster.persist_connected_sessions = config_.cluster_persist_connected_sessions;
    cluster.requests_timeout = std::chrono::milliseconds(config_.cluster_requests_timeout_ms);
    cluster_ = std::make_unique<redis::streams_node>(std::move(cluster));
  }
  if (cluster_) {
    options.adapter = cluster_->adapter_factory();
    spdlog::info("cluster: {} adapter on {} (key prefix {}{}, node {})", config_.cluster_adapter,
                 config_.cluster_redis_url, config_.cluster_key_prefix,
                 config_.cluster_adapter == "redis-sharded" ? ", " + config_.cluster_subscription_mode + " mode" : "",
                 cluster_->uid());
  }
  server_ = std::make_unique<sio::server>(std::move(options));

  auto& engine = server_->engine();
  engine.on_connection([this](const std::shared_ptr<engine::session>& s) {
    std::lock_guard lock(mutex_);
    ++connections_per_ip_[std::string(s->request().remote_address())];
  });
  engine.on_close([this](engine::session& s, std::string_view) {
    std::lock_guard lock(mutex_);
    if (auto it = connections_per_ip_.find(s.request().remote_address());
        it != connections_per_ip_.end() && --it->second <= 0) {
      connections_per_ip_.erase(it);
    }
  });

  bool dynamic = false;
  for (const auto& pattern : config_.namespaces) {
    if (pattern.find('*') != std::string::npos) {
      dynamic = true;
    } else {
      setup_namespace(server_->of(pattern));
    }
  }
  if (!matches_any(config_.namespaces, "/")) setup_namespace(server_->of("/"));  // always served
  if (dynamic) {
    setup_namespace(
        server_->of([this](const std::string& name, const json&) { return matches_any(config_.namespaces, name); }));
  }
}

gateway::~gateway() = default;

std::error_code gateway::listen() {
  return server_->listen(config_.host, static_cast<std::uint16_t>(config_.port));
}

void gateway::shutdown() {
  draining_ = true;
  spdlog::info("shutting down: closing {} connections", server_->engine().session_count());
  server_->stop();
}

std::optional<std::string> gateway::admit(const engine::request_info& req) {
  std::optional<std::string> refused;
  if (draining_) {
    refused = "server shutting down";
  } else if (server_->engine().session_count() >= static_cast<std::size_t>(config_.limits_max_connections)) {
    refused = "too many connections";
  } else {
    std::lock_guard lock(mutex_);
    auto it = connections_per_ip_.find(req.remote_address());
    if (it != connections_per_ip_.end() && it->second >= config_.limits_max_connections_per_ip) {
      refused = "too many connections from this address";
    }
  }
  if (refused) {
    metrics_.handshake_failures.add(*refused);
    spdlog::warn("refused connection address={} reason=\"{}\"", req.remote_address(), *refused);
  }
  return refused;
}

void gateway::setup_namespace(sio::namespace_& nsp) {
  nsp.use([this](const std::shared_ptr<sio::socket>& s, sio::next_fn next) {
    auto result = auth_.identify(s->handshake());
    if (auto* error = std::get_if<std::string>(&result)) {
      metrics_.handshake_failures.add(*error);
      spdlog::warn("refused socket nsp={} address={} reason=\"{}\"", s->nsp().name(), s->handshake().address(), *error);
      return next(sio::connect_error{*error});
    }
    auto& id = std::get<identity>(result);
    s->data() = json{{"user", id.user ? json(*id.user) : json(nullptr)},
                     {"name", id.name},
                     {"join", id.join},
                     {"publish", id.publish}};
    next(std::nullopt);
  });
  nsp.on_room_event([this, &nsp](sio::room_event e, const sio::room& room, const std::string& sid) {
    if (room == sid || (e != sio::room_event::join_room && e != sio::room_event::leave_room)) return;
    std::lock_guard lock(mutex_);
    const auto key = std::make_pair(nsp.name(), room);
    auto& size = room_sizes_[key];
    if (e == sio::room_event::join_room) {
      if (size++ == 0) ++metrics_.rooms;
    } else if (--size <= 0) {
      room_sizes_.erase(key);
      --metrics_.rooms;
    }
  });
  nsp.on_connection([this](const std::shared_ptr<sio::socket>& s) { on_connection(s); });
}

void gateway::on_connection(const std::shared_ptr<sio::socket>& s) {
  auto& nsp = s->nsp();
  {
    std::lock_guard lock(mutex_);
    namespaces_.emplace(nsp.name(), &nsp);
  }
  metrics_.sockets.add(nsp.name());
  auto context = std::make_shared<socket_context>();
  context->join = strings(s->data()["join"]);
  context->publish = strings(s->data()["publish"]);
  context->tokens = static_cast<double>(config_.limits_event_burst);
  s->data().erase("join");
  s->data().erase("publish");
  spdlog::info("connect sid={} nsp={} address={} user={} transport={}", s->id(), nsp.name(), s->handshake().address(),
               s->data()["user"].is_string() ? s->data()["user"].get<std::string>() : "-", s->transport());

  sio::socket* raw = s.get();
  add_rate_limit(s, context);
  const auto timed = [this](auto handler) {
    return [this, handler](json args, sio::ack_fn ack) {
      const auto start = clock::now();
      handler(args, sio::ack_fn([this, start, ack](json reply) {
                metrics_.ack_seconds.observe(std::chrono::duration<double>(clock::now() - start).count());
                ack(std::move(reply));
              }));
    };
  };
  // Each handler gets the socket (its handlers belong to it: it outlives them) and its
  // context, and answers through an ack that records the handling time.
  const auto handler = [this, raw, context, timed](auto member) {
    return timed([this, raw, context, member](const json& args, const sio::ack_fn& ack) {
      (this->*member)(*raw, *context, args, ack);
    });
  };
  s->on("join", handler(&gateway::on_join));
  s->on("leave", handler(&gateway::on_leave));
  s->on("publish", handler(&gateway::on_publish));
  s->on("presence", handler(&gateway::on_presence));

  s->on_disconnecting([this, raw](std::string_view) {
    for (const auto& room : raw->rooms()) {
      if (room != raw->id()) announce(*raw, room, "presence:leave");
    }
  });
  s->on_disconnect([this, raw](std::string_view reason) {
    metrics_.sockets.add(raw->nsp().name(), -1);
    metrics_.disconnects.add(std::string(reason));
    spdlog::info("disconnect sid={} nsp={} reason=\"{}\"", raw->id(), raw->nsp().name(), reason);
  });
}

void gateway::add_rate_limit(const std::shared_ptr<sio::socket>& s, std::shared_ptr<socket_context> context) {
  std::weak_ptr<sio::socket> weak = s;
  sio::socket* raw = s.get();
  s->use([this, context, raw, weak](json&, sio::next_fn next) {
    metrics_.events_received.fetch_add(1, std::memory_order_relaxed);
    const auto now = clock::now();
    const double rate = static_cast<double>(config_.limits_events_per_second);
    context->tokens = std::min(static_cast<double>(config_.limits_event_burst),
                               context->tokens + rate * std::chrono::duration<double>(now - context->refilled).count());
    context->refilled = now;
    if (context->tokens >= 1) {
      context->tokens -= 1;
      context->dropped_in_a_row = 0;
      return next(std::nullopt);
    }
    metrics_.dropped_events.add("rate_limited");
    if (++context->dropped_in_a_row == 1) {
      raw->emit("error", json{{"code", "rate_limited"}, {"message", "too many events: dropped"}});
    }
    if (context->dropped_in_a_row == config_.limits_max_dropped_events) {
      spdlog::warn("rate limit: disconnecting sid={} after {} dropped events", raw->id(), context->dropped_in_a_row);
      // Not from inside the packet pipeline: the socket is still dispatching.
      boost::asio::post(raw->context(), [weak] {
        if (auto s = weak.lock()) s->disconnect(true);
      });
    }
  });
}

bool gateway::presence_enabled(const std::string& room) const {
  return matches_any(config_.presence_rooms, room);
}

void gateway::announce(sio::socket& s, const std::string& room, std::string_view event) {
  if (!presence_enabled(room)) return;
  auto member = member_of(s.id(), s.data());
  member["room"] = room;
  s.to(room).emit(event, std::move(member));
}

std::int64_t gateway::room_size(const std::string& nsp, const std::string& room) {
  std::lock_guard lock(mutex_);
  auto it = room_sizes_.find({nsp, room});
  return it == room_sizes_.end() ? 0 : it->second;
}

sio::namespace_* gateway::find_namespace(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? nullptr : it->second;
}

void gateway::on_join(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack) {
  auto room = room_arg(args);
  if (!room) return ack.reply(error_reply("invalid room"));
  if (sio::is_socket_id(*room)) return ack.reply(error_reply("reserved room name"));
  if (!matches_any(context.join, *room)) return ack.reply(error_reply("not allowed to join " + *room));
  if (s.in_room(*room)) return ack.reply(json{{"ok", true}, {"room", *room}});
  if (static_cast<std::int64_t>(s.room_count()) - 1 >= config_.limits_max_rooms_per_socket) {
    return ack.reply(error_reply("too many rooms"));
  }
  s.join(*room);
  announce(s, *room, "presence:join");
  ack.reply(json{{"ok", true}, {"room", *room}});
}

void gateway::on_leave(sio::socket& s, socket_context& /*context*/, const json& args, const sio::ack_fn& ack) {
  auto room = room_arg(args);
  if (!room) return ack.reply(error_reply("invalid room"));
  if (*room == s.id() || !s.in_room(*room)) return ack.reply(error_reply("not in room " + *room));
  s.leave(*room);
  announce(s, *room, "presence:leave");
  ack.reply(json{{"ok", true}, {"room", *room}});
}

void gateway::on_publish(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack) {
  auto room = room_arg(args);
  if (!room) return ack.reply(error_reply("invalid room"));
  if (args.size() < 2 || !args[1].is_string() || args[1].get_ref<const std::string&>().empty()) {
    return ack.reply(error_reply("invalid event"));
  }
  const auto& event = args[1].get_ref<const std::string&>();
  if (reserved_event(event)) return ack.reply(error_reply("reserved event " + event));
  if (!matches_any(context.publish, *room)) return ack.reply(error_reply("not allowed to publish to " + *room));
  const auto recipients = room_size(s.nsp().name(), *room) - (s.in_room(*room) ? 1 : 0);
  metrics_.broadcast_recipients.observe(static_cast<double>(std::max<std::int64_t>(0, recipients)));
  s.to(*room).emit_args(event, json(args.begin() + 2, args.end()));
  ack.reply(json{{"ok", true}});
}

void gateway::on_presence(sio::socket& s, socket_context& context, const json& args, const sio::ack_fn& ack) {
  auto room = room_arg(args);
  if (!room) return ack.reply(error_reply("invalid room"));
  if (!matches_any(context.join, *room)) return ack.reply(error_reply("not allowed to see " + *room));
  s.nsp().in(*room).fetch_sockets([room = *room, ack](std::error_code ec, std::vector<sio::remote_socket> sockets) {
    if (ec) return ack.reply(error_reply(ec.message()));
    json members = json::array();
    for (const auto& rs : sockets) members.push_back(member_of(rs.id, rs.data));
    ack.reply(json{{"ok", true}, {"room", room}, {"members", std::move(members)}});
  });
}

}  // namespace sockio::gateway
