// The sockio side of bench/compare: the same handlers as bench/node/server.mjs.
//
//   bench_server [--port N] [--host ADDR] [--threads N] [--redis URL]   prints "listening on port N"
// --redis: a node of a cluster on that Redis (the cluster row of bench/compare).
#include "fixture_main.hpp"
#include "sockio/redis/redis_adapter.hpp"
#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;

int main(int argc, char** argv) {
  std::string redis_url;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--redis" && i + 1 < argc) {
      redis_url = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  const auto args =
      sockio::examples::parse_fixture_args(static_cast<int>(rest.size()), rest.data(), false,
                                           "usage: bench_server [--port N] [--host ADDR] [--threads N] [--redis URL]");
  if (!args) return 2;
  std::optional<sockio::redis::node> cluster;
  sio::server_options options;
  options.engine.threads = args->threads;
  if (!redis_url.empty()) {
    sockio::redis::adapter_options cluster_options;
    cluster_options.connection.url = redis_url;
    options.adapter = cluster.emplace(cluster_options).adapter_factory();
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
