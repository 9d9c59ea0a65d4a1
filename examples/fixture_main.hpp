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
inline std::optional<fixture_args> parse_fixture_args(int argc, char** argv, bool with_recovery,
                                                      const char* usage) {
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

}  // namespace sockio::examples
