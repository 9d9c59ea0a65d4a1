// A redis-server of a test's own on a free loopback port: started, stopped, killed,
// paused and restarted by its process id.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sockio::test {

/// A redis-server process (no persistence). Stopped when destroyed.
class redis_server {
 public:
  /// Starts `redis-server` with `extra` arguments on a free port (`port()`), or on
  /// `port` when given; waits until it accepts connections.
  explicit redis_server(std::vector<std::string> extra = {}, std::uint16_t port = 0);
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  void kill();     ///< SIGKILL, waited for
  void restart();  ///< kill, then start again on the same port with the same arguments
  void pause();    ///< SIGSTOP: it stops reading and answering
  void resume();   ///< SIGCONT

  /// A loopback TCP port that was free a moment ago.
  static std::uint16_t free_port();

 private:
  void start();

  std::vector<std::string> extra_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace sockio::test
