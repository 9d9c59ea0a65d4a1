// An Engine.IO server on a free loopback port that records what its sessions see.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "event_log.hpp"
#include "sockio/engine/server.hpp"

namespace sockio::test {

/// Starts `engine::server` with `options` on 127.0.0.1 (free port) and records events as
/// strings: "open <sid> <transport>", "message <sid> <data>", "binary <sid> <size>",
/// "close <sid> <reason>", "upgrade <sid>", "drain <sid>", and "observed close <sid> <reason>"
/// from the server's close observer. By default every message is echoed back.
class engine_harness {
 public:
  explicit engine_harness(engine::server_options options = {});
  ~engine_harness();

  std::uint16_t port() const { return server_.port(); }
  engine::server& server() { return server_; }

  /// Waits until `event` has been recorded; false after `timeout`.
  bool wait_for(const std::string& event, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return log_.wait_for(event, 1, timeout);
  }
  /// Waits until `event` has been recorded `n` times; false after `timeout`.
  bool wait_count(const std::string& event, std::size_t n,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return log_.wait_for(event, n, timeout);
  }
  /// Waits for the first event starting with `prefix`; returns it or "" after `timeout`.
  std::string wait_prefix(const std::string& prefix, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return log_.wait_prefix(prefix, timeout);
  }
  std::vector<std::string> events() { return log_.all(); }
  /// The session with id `sid` (call its functions only on its shard: post to context()).
  std::shared_ptr<engine::session> session(const std::string& sid);

  /// Replaces the default echo for messages (runs on the session's shard).
  std::function<void(engine::session&, std::string_view, bool)> on_message;

  void record(std::string event) { log_.push(std::move(event)); }

 private:
  event_log log_;  // before the server: its handlers record while it stops
  engine::server server_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<engine::session>> sessions_;
};

}  // namespace sockio::test
