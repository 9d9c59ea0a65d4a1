// The gateway's HTTP side: static files, the client bundle, health, metrics and the
// API for backends (/api/).
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "gateway.hpp"
#include "sockio/codec/url.hpp"

namespace sockio::gateway {
namespace {

engine::http_response json_response(unsigned status, const json& body) {
  return {status, {{"content-type", "application/json"}, {"cache-control", "no-store"}}, body.dump() + "\n"};
}

engine::http_response api_error(unsigned status, std::string message) {
  return json_response(status, json{{"error", std::move(message)}});
}

std::string_view content_type(const std::filesystem::path& file) {
  const auto ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "application/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/// A file under `root` named by a URL path, or nullopt (never outside `root`).
std::optional<std::filesystem::path> static_file(const std::string& root, std::string_view url_path) {
  auto decoded = codec::percent_decode_path(url_path);
  if (!decoded || decoded->find('\0') != std::string::npos) return std::nullopt;
  std::filesystem::path relative = std::filesystem::path(*decoded).relative_path().lexically_normal();
  if (relative.empty() || relative == ".") relative = "index.html";
  for (const auto& part : relative) {
    if (part == "..") return std::nullopt;
  }
  auto full = std::filesystem::path(root) / relative;
  std::error_code ec;
  if (std::filesystem::is_directory(full, ec)) full /= "index.html";
  if (!std::filesystem::is_regular_file(full, ec)) return std::nullopt;
  return full;
}

std::optional<std::vector<std::string>> string_list(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end()) return std::vector<std::string>{};
  if (!it->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return std::nullopt;
    out.push_back(v.get<std::string>());
  }
  return out;
}

/// A POST body of the API: a JSON object with only the `allowed` fields, among them
/// `namespace` (default "/") and `rooms` (default none).
struct api_body {
  json fields;
  std::string nsp;
  std::vector<std::string> rooms;
};

/// The body, or the reason it is refused.
std::variant<api_body, std::string> parse_body(const std::string& body,
                                               std::initializer_list<std::string_view> allowed) {
  json value = json::parse(body, nullptr, false);
  if (value.is_discarded()) return std::string("body is not valid JSON");
  if (!value.is_object()) return std::string("body must be a JSON object");
  for (const auto& [key, v] : value.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) return "unknown field '" + key + "'";
  }
  const auto nsp = value.value("namespace", json("/"));
  if (!nsp.is_string()) return std::string("namespace must be a string");
  auto rooms = string_list(value, "rooms");
  if (!rooms) return std::string("rooms must be a list of strings");
  return api_body{std::move(value), nsp.get<std::string>(), std::move(*rooms)};
}

}  // namespace

void gateway::handle_http(const engine::request_info& req, std::string body, engine::http_responder respond) {
  const std::string_view url = req.url();
  const auto path = url.substr(0, url.find('?'));
  const bool get = req.method() == "GET" || req.method() == "HEAD";

  // Healthy while it serves its own clients, Redis or not (docs/scaling.md).
  if (path == "/healthz" && get) {
    return respond(json_response(200, json{{"status", "ok"}, {"cluster", cluster_health()}}));
  }
  if (path == "/readyz" && get) {
    return respond(draining_ ? json_response(503, json{{"status", "shutting down"}})
                             : json_response(200, json{{"status", "ready"}}));
  }
  if (config_.metrics_enabled && path == config_.metrics_path && get) {
    return respond({200, {{"content-type", "text/plain; version=0.0.4; charset=utf-8"}}, render_metrics()});
  }
  if (path.starts_with("/api/")) return handle_api(req, std::string(path), std::move(body), std::move(respond));
  if (!client_bundle_.empty() && get && path == bundle_path_) {
    return respond(
        {200,
         {{"content-type", "application/javascript; charset=utf-8"}, {"cache-control", "public, max-age=3600"}},
         client_bundle_});
  }
  if (!config_.static_dir.empty() && get) {
    if (auto file = static_file(config_.static_dir, path)) {
      return respond({200,
                      {{"content-type", std::string(content_type(*file))}, {"cache-control", "no-cache"}},
                      file_contents(file->string())});
    }
  }
  respond({404, {{"content-type", "text/plain; charset=utf-8"}}, "Not Found\n"});
}

namespace {

/// The endpoints of the HTTP API: a path (or, with `prefix`, the start of one), the
/// method it takes, and the member that serves it with the rest of the path.
struct api_route {
  std::string_view path;
  bool prefix;
  std::string_view method;
  void (gateway::*serve)(const engine::request_info&, std::string_view rest, std::string body,
                         engine::http_responder respond);
};

constexpr api_route api_routes[] = {
    {"/api/emit", false, "POST", &gateway::api_emit},
    {"/api/disconnect", false, "POST", &gateway::api_disconnect},
    {"/api/rooms/", true, "GET", &gateway::api_room},
};

}  // namespace

void gateway::handle_api(const engine::request_info& req, const std::string& path, std::string body,
                         engine::http_responder respond) {
  if (config_.api_key.empty()) return respond(api_error(404, "the API is disabled (no api.key)"));
  const auto auth = req.header("authorization").value_or("");
  const std::string expected = "Bearer " + config_.api_key;
  if (auth.size() != expected.size() || CRYPTO_memcmp(auth.data(), expected.data(), expected.size()) != 0) {
    auto r = api_error(401, "invalid API key");
    r.headers.emplace_back("www-authenticate", "Bearer");
    return respond(std::move(r));
  }
  for (const auto& route : api_routes) {
    const bool matches =
        route.prefix ? path.starts_with(route.path) && path.size() > route.path.size() : path == route.path;
    if (!matches) continue;
    if (req.method() != route.method) return respond(api_error(405, "use " + std::string(route.method)));
    const auto rest = std::string_view(path).substr(route.path.size());
    return (this->*route.serve)(req, rest, std::move(body), std::move(respond));
  }
  respond(api_error(404, "unknown endpoint " + path));
}

void gateway::api_emit(const engine::request_info&, std::string_view, std::string body,
                       engine::http_responder respond) {
  auto parsed = parse_body(body, {"namespace", "rooms", "except", "event", "args"});
  if (auto* error = std::get_if<std::string>(&parsed)) return respond(api_error(400, *error));
  auto& [b, name, rooms] = std::get<api_body>(parsed);
  auto except = string_list(b, "except");
  if (!except) return respond(api_error(400, "except must be a list of strings"));
  auto event = b.find("event");
  if (event == b.end() || !event->is_string() || event->get_ref<const std::string&>().empty()) {
    return respond(api_error(400, "event must be a non-empty string"));
  }
  if (sio::is_reserved_event(event->get_ref<const std::string&>())) {
    return respond(api_error(400, "reserved event " + event->get<std::string>()));
  }
  const auto args = b.value("args", json::array());
  if (!args.is_array()) return respond(api_error(400, "args must be a list"));
  if (!matches_any(config_.namespaces, name) && name != "/")
    return respond(api_error(400, "unknown namespace " + name));

  std::int64_t recipients = 0;
  if (auto* nsp = find_namespace(name)) {
    if (rooms.empty()) {
      recipients = metrics_.sockets.values()[name];
    } else {
      for (const auto& r : rooms) recipients += room_size(name, r);
    }
    auto op = nsp->to(rooms);
    if (!except->empty()) op = op.except(*except);
    op.emit_args(event->get_ref<const std::string&>(), args);
  }
  metrics_.broadcast_recipients.observe(static_cast<double>(recipients));
  respond(json_response(200, json{{"ok", true}}));
}

void gateway::api_disconnect(const engine::request_info&, std::string_view, std::string body,
                             engine::http_responder respond) {
  auto parsed = parse_body(body, {"namespace", "rooms", "close"});
  if (auto* error = std::get_if<std::string>(&parsed)) return respond(api_error(400, *error));
  const auto& [b, name, rooms] = std::get<api_body>(parsed);
  const auto close = b.value("close", json(false));
  if (!close.is_boolean()) return respond(api_error(400, "close must be true or false"));
  auto* nsp = find_namespace(name);
  if (!nsp) return respond(json_response(200, json{{"ok", true}, {"disconnected", 0}}));
  nsp->to(rooms).fetch_sockets(
      [respond, close = close.get<bool>()](std::error_code ec, std::vector<sio::remote_socket> sockets) {
        if (ec) return respond(json_response(504, json{{"error", ec.message()}}));
        for (const auto& s : sockets) s.disconnect(close);
        respond(json_response(200, json{{"ok", true}, {"disconnected", sockets.size()}}));
      });
}

void gateway::api_room(const engine::request_info& req, std::string_view rest, std::string,
                       engine::http_responder respond) {
  auto room = codec::percent_decode_path(rest);
  if (!room || room->empty()) return respond(api_error(400, "invalid room"));
  const auto nsp_name = req.query("namespace").value_or("/");
  json result{{"namespace", nsp_name}, {"room", *room}, {"presence", presence_enabled(*room)}};
  auto* nsp = find_namespace(nsp_name);
  if (!nsp) {
    result["count"] = 0;
    result["members"] = json::array();
    return respond(json_response(200, result));
  }
  nsp->in(*room).fetch_sockets([respond, result](std::error_code ec, std::vector<sio::remote_socket> sockets) mutable {
    if (ec) return respond(json_response(504, json{{"error", ec.message()}}));
    json members = json::array();
    for (const auto& s : sockets) members.push_back(member_of(s.id, s.data));
    result["count"] = members.size();
    result["members"] = std::move(members);
    respond(json_response(200, result));
  });
}

std::string gateway::render_metrics() {
  std::string out;
  const auto stats = server_->engine().stats();
  const auto line = [&out](const std::string& text) { out += text + "\n"; };
  const auto label = [](std::string value) {
    std::string escaped;
    for (const char c : value) {
      if (c == '\\' || c == '"') escaped += '\\';
      if (c == '\n') {
        escaped += "\\n";
        continue;
      }
      escaped += c;
    }
    return escaped;
  };
  const auto family = [&](const std::string& name, const char* type, const char* help) {
    line("# HELP " + name + " " + help);
    line("# TYPE " + name + " " + type);
  };
  const auto by_label = [&](const std::string& name, const char* type, const char* help, const char* key,
                            const labeled_counter& counter) {
    family(name, type, help);
    for (const auto& [value, n] : counter.values()) {
      line(name + "{" + key + "=\"" + label(value) + "\"} " + std::to_string(n));
    }
  };

  family("sockio_connections", "gauge", "Open Engine.IO connections by transport.");
  line("sockio_connections{transport=\"polling\"} " + std::to_string(stats.polling_sessions));
  line("sockio_connections{transport=\"websocket\"} " + std::to_string(stats.websocket_sessions));
  by_label("sockio_sockets", "gauge", "Connected sockets by namespace.", "namespace", metrics_.sockets);
  family("sockio_rooms", "gauge", "Rooms with members (sockets' own rooms excluded).");
  line("sockio_rooms " + std::to_string(metrics_.rooms.load()));
  family("sockio_events_received_total", "counter", "Socket.IO events received from clients.");
  line("sockio_events_received_total " + std::to_string(metrics_.events_received.load()));
  family("sockio_messages_total", "counter", "Engine.IO messages by direction.");
  line("sockio_messages_total{direction=\"in\"} " + std::to_string(stats.messages_in));
  line("sockio_messages_total{direction=\"out\"} " + std::to_string(stats.messages_out));
  family("sockio_bytes_total", "counter", "Bytes of Engine.IO messages by direction.");
  line("sockio_bytes_total{direction=\"in\"} " + std::to_string(stats.bytes_in));
  line("sockio_bytes_total{direction=\"out\"} " + std::to_string(stats.bytes_out));
  by_label("sockio_handshake_failures_total", "counter", "Refused connections and sockets by reason.", "reason",
           metrics_.handshake_failures);
  by_label("sockio_disconnects_total", "counter", "Socket disconnections by reason.", "reason", metrics_.disconnects);
  by_label("sockio_dropped_events_total", "counter", "Events dropped by the gateway by reason.", "reason",
           metrics_.dropped_events);
  family("sockio_ack_duration_seconds", "histogram", "Time from a client's event to the gateway's acknowledgement.");
  metrics_.ack_seconds.render(out, "sockio_ack_duration_seconds");
  family("sockio_broadcast_recipients", "histogram", "Recipients of each publish and API emit.");
  metrics_.broadcast_recipients.render(out, "sockio_broadcast_recipients");
  if (cluster_) {
    const auto c = cluster_->stats();
    family("sockio_cluster_up", "gauge", "1 while every Redis connection of the cluster adapter is up.");
    line("sockio_cluster_up " + std::string(c.up ? "1" : "0"));
    family("sockio_cluster_peers", "gauge", "Other nodes seen at the last count (PUBSUB NUMSUB or SHARDNUMSUB).");
    line("sockio_cluster_peers " + std::to_string(c.peers));
    family("sockio_cluster_publishes_total", "counter", "Messages published to Redis.");
    line("sockio_cluster_publishes_total " + std::to_string(c.publishes));
    family("sockio_cluster_messages_received_total", "counter", "Messages received from other nodes and emitters.");
    line("sockio_cluster_messages_received_total " + std::to_string(c.received));
    family("sockio_cluster_request_timeouts_total", "counter", "Cluster requests that ended without every answer.");
    line("sockio_cluster_request_timeouts_total " + std::to_string(c.request_timeouts));
    family("sockio_cluster_dropped_messages_total", "counter",
           "Messages from Redis that did not decode, and publishes Redis refused.");
    line("sockio_cluster_dropped_messages_total " + std::to_string(c.dropped));
  }
  return out;
}

json gateway::cluster_health() const {
  if (!cluster_) return json{{"adapter", "none"}};
  const auto c = cluster_->stats();
  return json{{"adapter", config_.cluster_adapter},
              {"node", cluster_->uid()},
              {"up", c.up},
              {"peers", c.peers},
              {"publishes", c.publishes},
              {"messages_received", c.received},
              {"request_timeouts", c.request_timeouts},
              {"dropped_messages", c.dropped}};
}

}  // namespace sockio::gateway
