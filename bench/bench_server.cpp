// The sockio side of bench/compare: the same handlers as bench/node/server.mjs.
//
//   bench_server [--port N] [--host ADDR] [--threads N]   prints "listening on port N"
#include "fixture_main.hpp"
#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;

int main(int argc, char** argv) {
  const auto args = sockio::examples::parse_fixture_args(argc, argv, false,
                                                         "usage: bench_server [--port N] [--host ADDR] [--threads N]");
  if (!args) return 2;
  sio::server_options options;
  options.engine.threads = args->threads;
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
