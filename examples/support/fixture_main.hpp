// Command line and signal handling shared by the fixture servers.
#pragma once

#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

namespace sockio::examples {

struct fixture_args {
  std::uint16_t port = 3000;
  std::string host = "0.0.0.0";
  unsigned threads = 0;
  bool recovery = false;
};

/// Parses `--port N --host ADDR --threads N [--recovery]`; prints `usage` and returns
/// nullopt on anything else.
inline std::optional<fixture_args> parse_fixture_args(int argc, char** argv, bool with_recovery, const char* usage) {
  fixture_args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--port" && has_value) {
      args.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    } else if (arg == "--host" && has_value) {
      args.host = argv[++i];
    } else if (arg == "--threads" && has_value) {
      args.threads = static_cast<unsigned>(std::stoi(argv[++i]));
    } else if (arg == "--recovery" && with_recovery) {
      args.recovery = true;
    } else {
      std::cerr << usage << "\n";
      return std::nullopt;
    }
  }
  return args;
}

/// Blocks SIGINT and SIGTERM in this thread and the threads it starts later, so that
/// `wait_for_stop_signal` receives them (no work in a signal handler).
inline sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

inline void wait_for_stop_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
}

/// Listens on `args`, prints "listening on port N", runs `server` until SIGINT/SIGTERM,
/// then stops it. Returns the process exit code.
template <class Server>
int serve(Server& server, const fixture_args& args, const char* name) {
  const auto signals = block_stop_signals();  // before start(): its threads inherit the mask
  if (auto ec = server.listen(args.host, args.port)) {
    std::cerr << name << ": cannot listen on " << args.host << ":" << args.port << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "listening on port " << server.port() << std::endl;
  server.start();
  wait_for_stop_signal(signals);
  server.stop();
  return 0;
}

}  // namespace sockio::examples
