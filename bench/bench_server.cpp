// The sockio side of bench/compare: the same handlers as bench/node/server.mjs.
//
//   bench_server [--port N] [--host ADDR] [--threads N] [--redis URL]   prints "listening on port N"
//                [--adapter redis|redis-sharded|redis-streams] [--redis-cluster] [--recovery]
// --redis: a node of a cluster on that Redis (the cluster rows of bench/compare), with the
// classic adapter (--redis-cluster: URL is a node of a Redis Cluster), the sharded one (URL
// is any node) or the Streams one; --recovery: connection state recovery (60 s).
#include "fixture_main.hpp"
#include "sockio/redis/redis_adapter.hpp"
#include "sockio/redis/sharded_adapter.hpp"
#include "sockio/redis/streams_adapter.hpp"
#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;

int main(int argc, char** argv) {
  std::string redis_url;
  std::string adapter = "redis";
  bool redis_cluster = false;
  bool recovery = false;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--redis" && i + 1 < argc) {
      redis_url = argv[++i];
    } else if (arg == "--adapter" && i + 1 < argc) {
      adapter = argv[++i];
    } else if (arg == "--redis-cluster") {
      redis_cluster = true;
    } else if (arg == "--recovery") {
      recovery = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  const auto args = sockio::examples::parse_fixture_args(
      static_cast<int>(rest.size()), rest.data(), false,
      "usage: bench_server [--port N] [--host ADDR] [--threads N] [--redis URL]\n"
      "                    [--adapter redis|redis-sharded|redis-streams] [--redis-cluster] [--recovery]");
  if (!args) return 2;
  std::unique_ptr<sockio::redis::adapter_node> cluster;  // outlives the server
  sio::server_options options;
  options.engine.threads = args->threads;
  if (!redis_url.empty() && adapter == "redis-sharded") {
    sockio::redis::sharded_adapter_options o;
    o.cluster.seeds = {redis_url};
    cluster = std::make_unique<sockio::redis::sharded_node>(o);
  } else if (!redis_url.empty() && adapter == "redis-streams") {
    sockio::redis::streams_adapter_options o;
    o.connection.url = redis_url;
    cluster = std::make_unique<sockio::redis::streams_node>(o);
  } else if (!redis_url.empty() && adapter == "redis") {
    sockio::redis::adapter_options o;
    o.connection.url = redis_url;
    o.redis_cluster = redis_cluster;
    cluster = std::make_unique<sockio::redis::node>(o);
  } else if (!redis_url.empty()) {
    std::cerr << "bench_server: --adapter takes redis, redis-sharded or redis-streams\n";
    return 2;
  }
  if (cluster) options.adapter = cluster->adapter_factory();
  if (recovery) {
    options.connection_state_recovery = sio::recovery_options{.max_disconnection_duration = std::chrono::seconds(60)};
  }
  sio::server io(options);
  io.on_connection([&io](const std::shared_ptr<sio::socket>& s) {
    s->on("echo", [](json args, sio::ack_fn ack) {
      if (ack) ack(std::move(args));
    });
    s->on("join", [s](json args, sio::ack_fn ack) {
      if (!args.empty() && args[0].is_string()) s->join(args[0].get<std::string>());
      if (ack) ack();
    });
    s->on("burst", [&io](json args, sio::ack_fn ack) {
      if (args.size() < 4 || !args[0].is_string() || !args[1].is_number_unsigned()) return;
      const auto room = io.to(args[0].get<std::string>());
      for (std::uint64_t i = 0, n = args[1].get<std::uint64_t>(); i < n; ++i) room.emit("tick", args[2], args[3]);
      if (ack) ack();
    });
  });
  return sockio::examples::serve(io, *args, "bench_server");
}
