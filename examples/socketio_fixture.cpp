// The reference configuration of the socket.io-protocol test suite, plus a few events
// used by sockio's own interop and browser tests.
//
//   socketio_fixture [--port N] [--host ADDR] [--threads N] [--recovery]
//
// - on connection to "/" and "/custom": emits "auth" with the handshake's auth object
// - "message"          -> emits "message-back" with the same arguments
// - "message-with-ack" -> acknowledges with the same arguments
// - "join" (room)      -> joins the room, acknowledges with the socket's rooms
// - "broadcast" (room, event, ...args) -> emits event(...args) to everyone in the room
// Prints "listening on port N" once ready (port 0 picks a free one).
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;

namespace {

void setup(sio::server& io, sio::namespace_& nsp) {
  nsp.on_connection([&io](const std::shared_ptr<sio::socket>& s) {
    s->emit("auth", s->handshake().auth);
    s->on("message", [s](json args, sio::ack_fn) { s->emit_args("message-back", std::move(args)); });
    s->on("message-with-ack", [](json args, sio::ack_fn ack) { ack(std::move(args)); });
    s->on("join", [s](json args, sio::ack_fn ack) {
      if (!args.empty() && args[0].is_string()) s->join(args[0].get<std::string>());
      if (ack) ack.reply(json(s->rooms()));
    });
    s->on("broadcast", [s, &io](json args, sio::ack_fn ack) {
      if (args.size() < 2 || !args[0].is_string() || !args[1].is_string()) return;
      const auto room = args[0].get<std::string>();
      const auto event = args[1].get<std::string>();
      s->nsp().to(room).emit_args(event, json(args.begin() + 2, args.end()));
      if (ack) ack.reply(true);
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  std::uint16_t port = 3000;
  std::string host = "0.0.0.0";
  unsigned threads = 0;
  bool recovery = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    } else if (arg == "--host" && i + 1 < argc) {
      host = argv[++i];
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::stoi(argv[++i]));
    } else if (arg == "--recovery") {
      recovery = true;
    } else {
      std::cerr << "usage: socketio_fixture [--port N] [--host ADDR] [--threads N] [--recovery]\n";
      return 2;
    }
  }

  sio::server_options options;
  options.engine.ping_interval = 300ms;
  options.engine.ping_timeout = 200ms;
  options.engine.max_http_buffer_size = 1'000'000;
  options.engine.cors.origins = {"*"};
  options.engine.threads = threads;
  options.connect_timeout = 1000ms;
  if (recovery) options.connection_state_recovery = sio::recovery_options{};
  sio::server io(options);
  setup(io, io.of("/"));
  setup(io, io.of("/custom"));

  // Signals are handled by a watcher thread; the shard threads inherit the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (auto ec = io.listen(host, port)) {
    std::cerr << "socketio_fixture: cannot listen on " << host << ":" << port << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "listening on port " << io.port() << std::endl;
  io.start();
  int sig = 0;
  sigwait(&set, &sig);
  io.stop();
  return 0;
}
