// A server process of a test's own (a fixture that prints "listening on port N"):
// started, stopped and restarted on the same port, by its process id.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sockio::test {

/// Runs `argv` with `--port P` appended (0 first: the fixture picks a free port) and waits
/// for its "listening on port N" line. Stopped (SIGTERM, then SIGKILL) when destroyed.
class peer_process {
 public:
  explicit peer_process(std::vector<std::string> argv);
  ~peer_process();
  peer_process(const peer_process&) = delete;
  peer_process& operator=(const peer_process&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  void stop();     ///< SIGTERM, waited for (SIGKILL after 3 s)
  void kill();     ///< SIGKILL, waited for
  void restart();  ///< stop, then start again on the same port
  void pause();    ///< SIGSTOP: it stops answering (and pinging)
  void resume();   ///< SIGCONT

 private:
  void start(std::uint16_t port);

  std::vector<std::string> argv_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sockio::test
