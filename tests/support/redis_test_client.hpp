// A Redis connection for integration tests: a loop on its own thread, a started
// connection whose state changes and messages can be waited for, commands run to the end.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sockio/redis/connection.hpp"

namespace sockio::test {

using namespace std::chrono_literals;

/// A loop on its own thread for the connections of one test.
struct loop {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~loop() {
    work.reset();
    io.stop();
    thread.join();
  }
};

/// A started connection whose state changes can be waited for.
struct client {
  client(loop& l, sockio::redis::connection_options o)
      : conn(std::make_unique<sockio::redis::connection>(l.io.get_executor(), o)) {
    conn->on_state([this](bool up) {
      std::lock_guard lock(mutex);
      (up ? ups : downs)++;
      changed.notify_all();
    });
    conn->on_message([this](const sockio::redis::pubsub_message& m) {
      std::lock_guard lock(mutex);
      messages.push_back(std::string(m.channel) + "=" + std::string(m.payload));
      changed.notify_all();
    });
    conn->on_shard_lost([this](const std::string& channel, const std::string& error) {
      std::lock_guard lock(mutex);
      lost_shards.push_back(channel + "=" + error);
      changed.notify_all();
    });
    conn->start();
  }
  ~client() {
    conn.reset();  // stops it; the loop outlives it (the connection's rule)
  }
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds ms = 5000ms) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, ms, pred);
  }
  /// Runs a command and waits for its outcome.
  std::pair<std::error_code, sockio::redis::reply> run(std::vector<std::string> args) {
    std::promise<std::pair<std::error_code, sockio::redis::reply>> p;
    conn->command(std::move(args), [&](std::error_code ec, sockio::redis::reply r) {
      p.set_value({ec, std::move(r)});
    });
    auto f = p.get_future();
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    return f.get();
  }

  std::unique_ptr<sockio::redis::connection> conn;
  std::mutex mutex;
  std::condition_variable changed;
  int ups = 0;
  int downs = 0;
  std::vector<std::string> messages;
  std::vector<std::string> lost_shards;  // "CHANNEL=ERROR" from on_shard_lost
};

inline sockio::redis::connection_options options(const std::string& url) {
  sockio::redis::connection_options o;
  o.url = url;
  o.reconnect_delay = 20ms;
  o.reconnect_delay_max = 200ms;
  return o;
}

}  // namespace sockio::test
