// The reference configuration of the engine.io-protocol test suite: every message
// received is sent back unchanged (text as text, binary as binary).
//
//   engineio_fixture [--port N] [--host ADDR] [--threads N]
//
// Prints "listening on port N" once ready (port 0 picks a free one); SIGINT/SIGTERM stop it.
#include "fixture_main.hpp"
#include "sockio/engine/server.hpp"

namespace {

class echo_handler final : public sockio::engine::session_handler {
 public:
  void on_message(sockio::engine::session& s, std::string_view data, bool binary) override { s.send(data, binary); }
  void on_close(sockio::engine::session&, std::string_view) override {}
};

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const auto args = sockio::examples::parse_fixture_args(
      argc, argv, false, "usage: engineio_fixture [--port N] [--host ADDR] [--threads N]");
  if (!args) return 2;

  sockio::engine::server_options options;
  options.path = "/engine.io/";
  options.ping_interval = 300ms;
  options.ping_timeout = 200ms;
  options.max_http_buffer_size = 1'000'000;
  options.cors.origins = {"*"};
  options.threads = args->threads;
  sockio::engine::server server(options);
  auto handler = std::make_shared<echo_handler>();
  server.on_connection([handler](const std::shared_ptr<sockio::engine::session>& s) { s->set_handler(handler); });

  return sockio::examples::serve(server, *args, "engineio_fixture");
}
