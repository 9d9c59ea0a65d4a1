// The reference configuration of the engine.io-protocol test suite: every message
// received is sent back unchanged (text as text, binary as binary).
//
//   engineio_fixture [--port N] [--host ADDR] [--threads N]
//
// Prints "listening on port N" once ready (port 0 picks a free one).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "sockio/engine/server.hpp"

namespace {

class echo_handler final : public sockio::engine::session_handler {
 public:
  void on_message(sockio::engine::session& s, std::string_view data, bool binary) override {
    s.send(data, binary);
  }
  void on_close(sockio::engine::session&, std::string_view) override {}
};

sockio::engine::server* running = nullptr;

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  std::uint16_t port = 3000;
  std::string host = "0.0.0.0";
  unsigned threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    } else if (arg == "--host" && i + 1 < argc) {
      host = argv[++i];
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::stoi(argv[++i]));
    } else {
      std::cerr << "usage: engineio_fixture [--port N] [--host ADDR] [--threads N]\n";
      return 2;
    }
  }

  sockio::engine::server_options options;
  options.path = "/engine.io/";
  options.ping_interval = 300ms;
  options.ping_timeout = 200ms;
  options.max_http_buffer_size = 1'000'000;
  options.cors.origins = {"*"};
  options.threads = threads;
  sockio::engine::server server(options);
  auto handler = std::make_shared<echo_handler>();
  server.on_connection([handler](const std::shared_ptr<sockio::engine::session>& s) {
    s->set_handler(handler);
  });
  if (auto ec = server.listen(host, port)) {
    std::cerr << "engineio_fixture: cannot listen on " << host << ":" << port << ": "
              << ec.message() << "\n";
    return 1;
  }
  std::cout << "listening on port " << server.port() << std::endl;

  running = &server;
  // Stop on SIGINT/SIGTERM from a watcher thread (no work in the signal handler).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread watcher([&set] {
    int sig = 0;
    sigwait(&set, &sig);
    running->stop();
  });
  server.run();
  watcher.join();
  return 0;
}
