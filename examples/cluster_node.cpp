// A node of a socket.io cluster on Redis, driven by its clients: the C++ side of the
// mixed-cluster tests (tests/interop/cluster_node.mjs is the Node side, with the same
// control events).
//
//   cluster_node --redis URL --name NAME [--specific] [--port N] [--host ADDR] [--threads N]
//                [--adapter classic|sharded|streams] [--mode static|dynamic|dynamic-private]
//                [--redis-cluster] [--recovery] [--persist-connected]
//   (--specific: publish_on_specific_response_channel; --redis-cluster: the classic adapter
//   with URL a node of a Redis Cluster; --adapter sharded: the sharded adapter, URL a node
//   of a Redis Cluster or a Redis >= 7; --mode: its subscription mode; --adapter streams:
//   @socket.io/redis-streams-adapter's; --recovery: connection state recovery, 60 s;
//   --persist-connected: the Streams adapter keeps connected sockets' sessions too)
//
// - on connection (not a recovered one): socket.data = {node: NAME, user: auth.user}
// - "join" (room)              -> joins, acknowledges
// - "op" ({op, ...})           -> runs a cluster operation on io, acknowledges its result:
//     broadcast {rooms, except, event, args, volatile, local}
//     binary {rooms, event}: emits (<01 02 03>, "2023-11-14T22:13:20.123Z", {nested: <04>})
//     sequence {room, event}: emit(event, 1) to room, room leaves room, emit(event, 2)
//     broadcastWithAck {rooms, event, args, timeout} -> {error, responses}
//     fetchSockets {rooms} -> {error, sockets: [{id, rooms, data, address}]}
//     remote {id, action: emit|join|leave|disconnect, event, args, room} -> true
//     socketsJoin / socketsLeave {rooms, room}, disconnectSockets {rooms, close}
//     serverSideEmit {event, args, ack} -> {error, responses}
//     allRooms -> {error, rooms}, serverCount -> n, received -> server-side events seen
// - server-side event "ping" (x) -> acknowledges "pong-from-NAME"
// Prints "listening on port N" once ready.
#include <memory>
#include <mutex>

#include "fixture_main.hpp"
#include "sockio/redis/redis_adapter.hpp"
#include "sockio/redis/sharded_adapter.hpp"
#include "sockio/redis/streams_adapter.hpp"
#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;

namespace {

std::vector<std::string> strings(const json& op, const char* key) {
  std::vector<std::string> out;
  if (const auto it = op.find(key); it != op.end() && it->is_array()) {
    for (const auto& v : *it) out.push_back(v.get<std::string>());
  }
  return out;
}

sio::broadcast_operator select(sio::namespace_& nsp, const json& op) {
  auto b = nsp.to(strings(op, "rooms"));
  for (const auto& r : strings(op, "except")) b = b.except(r);
  if (op.value("volatile", false)) b = b.volatile_();
  if (op.value("local", false)) b = b.local();
  return b;
}

json error_of(std::error_code ec) {
  return ec ? json(ec.message()) : json(nullptr);
}

struct node_app {
  std::string name;
  std::mutex mutex;
  json received = json::array();  // server-side events, in order

  void run(sio::namespace_& nsp, const json& op, const sio::ack_fn& ack) {
    const auto what = op.value("op", "");
    const auto args = op.value("args", json::array());
    if (what == "broadcast") {
      select(nsp, op).emit_args(op.value("event", ""), args);
      ack.reply(true);
    } else if (what == "binary") {
      // Binary anywhere in the arguments, and a date as JavaScript writes it into JSON.
      select(nsp, op).emit(op.value("event", ""), sio::binary("\x01\x02\x03"), "2023-11-14T22:13:20.123Z",
                           json{{"nested", sio::binary("\x04")}});
      ack.reply(true);
    } else if (what == "sequence") {
      // Order across Redis: an emit, a leave, an emit; the members see the first only.
      const auto room = op.value("room", "");
      nsp.to(room).emit(op.value("event", ""), 1);
      nsp.in(room).sockets_leave({room});
      nsp.to(room).emit(op.value("event", ""), 2);
      ack.reply(true);
    } else if (what == "broadcastWithAck") {
      select(nsp, op)
          .timeout(std::chrono::milliseconds(op.value("timeout", 2000)))
          .emit_with_ack(op.value("event", ""), args, [ack](std::error_code ec, json responses) {
            ack.reply(json{{"error", error_of(ec)}, {"responses", std::move(responses)}});
          });
    } else if (what == "fetchSockets") {
      select(nsp, op).fetch_sockets([ack](std::error_code ec, std::vector<sio::remote_socket> sockets) {
        json list = json::array();
        for (const auto& s : sockets) {
          list.push_back({{"id", s.id}, {"rooms", s.rooms}, {"data", s.data}, {"address", s.handshake.address()}});
        }
        ack.reply(json{{"error", error_of(ec)}, {"sockets", std::move(list)}});
      });
    } else if (what == "remote") {
      nsp.in(op.value("id", "")).fetch_sockets([op, args, ack](std::error_code, std::vector<sio::remote_socket> found) {
        for (const auto& s : found) {
          const auto action = op.value("action", "");
          if (action == "emit") s.emit_args(op.value("event", ""), args);
          if (action == "join") s.join(op.value("room", ""));
          if (action == "leave") s.leave(op.value("room", ""));
          if (action == "disconnect") s.disconnect(op.value("close", false));
        }
        ack.reply(found.size());
      });
    } else if (what == "socketsJoin") {
      select(nsp, op).sockets_join({op.value("room", "")});
      ack.reply(true);
    } else if (what == "socketsLeave") {
      select(nsp, op).sockets_leave({op.value("room", "")});
      ack.reply(true);
    } else if (what == "disconnectSockets") {
      select(nsp, op).disconnect_sockets(op.value("close", false));
      ack.reply(true);
    } else if (what == "serverSideEmit") {
      if (!op.value("ack", false)) {
        nsp.server_side_emit(op.value("event", ""), args);
        return ack.reply(true);
      }
      nsp.server_side_emit(op.value("event", ""), args, [ack](std::error_code ec, json responses) {
        ack.reply(json{{"error", error_of(ec)}, {"responses", std::move(responses)}});
      });
    } else if (what == "allRooms") {
      nsp.all_rooms([ack](std::error_code ec, std::set<std::string> rooms) {
        ack.reply(json{{"error", error_of(ec)}, {"rooms", rooms}});
      });
    } else if (what == "serverCount") {
      nsp.server_count([ack](std::size_t n) { ack.reply(n); });
    } else if (what == "received") {
      std::lock_guard lock(mutex);
      ack.reply(received);
    } else {
      ack.reply(json{{"error", "unknown op " + what}});
    }
  }

  void setup(sio::namespace_& nsp) {
    nsp.on_connection([this, &nsp](const std::shared_ptr<sio::socket>& s) {
      // A recovered socket keeps the data of its session (from the node it was on).
      if (!s->recovered())
        s->data() = json{{"node", name}, {"user", s->handshake().auth().value("user", json(nullptr))}};
      s->on("join", [s](json args, sio::ack_fn ack) {
        if (!args.empty() && args[0].is_string()) s->join(args[0].get<std::string>());
        ack.reply(true);
      });
      s->on("op", [this, &nsp](json args, sio::ack_fn ack) {
        if (!args.empty() && args[0].is_object()) run(nsp, args[0], ack);
      });
    });
    nsp.on_server_side_emit("ping", [this](json args, sio::ack_fn ack) {
      {
        std::lock_guard lock(mutex);
        json event = json::array({"ping"});
        for (auto& a : args) event.push_back(a);
        received.push_back(std::move(event));
      }
      if (ack) ack.reply("pong-from-" + name);
    });
    nsp.on_server_side_emit("note", [this](json args, sio::ack_fn) {
      std::lock_guard lock(mutex);
      json event = json::array({"note"});
      for (auto& a : args) event.push_back(a);
      received.push_back(std::move(event));
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  std::string redis_url = "redis://127.0.0.1:6379";
  bool specific = false;
  bool redis_cluster = false;
  bool recovery = false;
  bool persist_connected = false;
  std::string adapter = "classic";
  std::string mode = "dynamic";
  node_app app;
  app.name = "cpp";
  // --redis and --name first; the rest are the fixtures' common flags.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--redis" && i + 1 < argc) {
      redis_url = argv[++i];
    } else if (arg == "--specific") {
      specific = true;
    } else if (arg == "--redis-cluster") {
      redis_cluster = true;
    } else if (arg == "--recovery") {
      recovery = true;
    } else if (arg == "--persist-connected") {
      persist_connected = true;
    } else if (arg == "--adapter" && i + 1 < argc) {
      adapter = argv[++i];
    } else if (arg == "--mode" && i + 1 < argc) {
      mode = argv[++i];
    } else if (arg == "--name" && i + 1 < argc) {
      app.name = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  const auto args = sockio::examples::parse_fixture_args(
      static_cast<int>(rest.size()), rest.data(), false,
      "usage: cluster_node --redis URL --name NAME [--port N] [--host ADDR] [--threads N]");
  if (!args) return 2;

  // The node outlives the server (declared first).
  std::unique_ptr<sockio::redis::adapter_node> node;
  if (adapter == "streams") {
    sockio::redis::streams_adapter_options o;
    o.connection.url = redis_url;
    o.requests_timeout = 2000ms;
    o.block_time = 1000ms;
    o.persist_connected_sessions = persist_connected;
    node = std::make_unique<sockio::redis::streams_node>(o);
  } else if (adapter == "sharded") {
    using sockio::redis::cluster_wire::subscription_mode;
    sockio::redis::sharded_adapter_options o;
    o.cluster.seeds = {redis_url};
    o.requests_timeout = 2000ms;
    o.subscription_mode = mode == "static"            ? subscription_mode::static_
                          : mode == "dynamic-private" ? subscription_mode::dynamic_private
                                                      : subscription_mode::dynamic;
    node = std::make_unique<sockio::redis::sharded_node>(o);
  } else {
    sockio::redis::adapter_options o;
    o.connection.url = redis_url;
    o.requests_timeout = 2000ms;
    o.publish_on_specific_response_channel = specific;
    o.redis_cluster = redis_cluster;
    node = std::make_unique<sockio::redis::node>(o);
  }

  sio::server_options options;
  options.engine.cors.origins = {"*"};
  options.engine.threads = args->threads;
  options.adapter = node->adapter_factory();
  if (recovery) options.connection_state_recovery = sio::recovery_options{.max_disconnection_duration = 60s};
  sio::server io(options);
  app.setup(io.of("/"));
  return sockio::examples::serve(io, *args, "cluster_node");
}
