// Shared helpers of the Socket.IO integration tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "event_log.hpp"
#include "sio_client.hpp"
#include "sockio/sio/server.hpp"

namespace sockio::test {

using namespace std::chrono_literals;
using sio::json;

/// A Socket.IO server on a free loopback port; configure `io` before `start()`.
struct sio_server {
  explicit sio_server(sio::server_options options = {}) : io(with_defaults(std::move(options))) {}
  ~sio_server() { io.stop(); }

  void start() {
    if (auto ec = io.listen("127.0.0.1", 0)) throw std::runtime_error(ec.message());
    io.start();
  }
  std::uint16_t port() const { return io.port(); }

  static sio::server_options with_defaults(sio::server_options o) {
    if (o.engine.threads == 0) o.engine.threads = 1;
    // Test clients are abandoned, not polling: a stop need not wait long for them.
    if (o.engine.stop_timeout == engine::server_options{}.stop_timeout) o.engine.stop_timeout = 200ms;
    return o;
  }

  sio::server io;
};

/// Runs `fn` on `shard` of `io` and waits for it.
template <class Fn>
void on_shard(sio::server& io, unsigned shard, Fn fn) {
  std::promise<void> done;
  boost::asio::post(io.engine().context(shard), [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

/// A connected client of namespace `nsp`.
inline std::unique_ptr<sio_client> connected(std::uint16_t port, const std::string& nsp = "/",
                                             json auth = json(json::value_t::discarded)) {
  auto c = std::make_unique<sio_client>(port);
  auto reply = c->connect(nsp, std::move(auth));
  EXPECT_EQ(reply.type, sio::packet_type::connect) << reply.data.dump();
  return c;
}

}  // namespace sockio::test
