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
#include "fixture_main.hpp"
#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;

namespace {

void setup(sio::namespace_& nsp) {
  nsp.on_connection([](const std::shared_ptr<sio::socket>& s) {
    s->emit("auth", s->handshake().auth());
    s->on("message", [s](json args, sio::ack_fn) { s->emit_args("message-back", std::move(args)); });
    s->on("message-with-ack", [](json args, sio::ack_fn ack) { ack(std::move(args)); });
    s->on("join", [s](json args, sio::ack_fn ack) {
      if (!args.empty() && args[0].is_string()) s->join(args[0].get<std::string>());
      if (ack) ack.reply(json(s->rooms()));
    });
    s->on("broadcast", [s](json args, sio::ack_fn ack) {
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
  const auto args = sockio::examples::parse_fixture_args(
      argc, argv, true, "usage: socketio_fixture [--port N] [--host ADDR] [--threads N] [--recovery]");
  if (!args) return 2;

  sio::server_options options;
  options.engine.ping_interval = 300ms;
  options.engine.ping_timeout = 200ms;
  options.engine.max_http_buffer_size = 1'000'000;
  options.engine.cors.origins = {"*"};
  options.engine.threads = args->threads;
  options.connect_timeout = 1000ms;
  if (args->recovery) options.connection_state_recovery = sio::recovery_options{};
  sio::server io(options);
  setup(io.of("/"));
  setup(io.of("/custom"));

  return sockio::examples::serve(io, *args, "socketio_fixture");
}
