// Many threads using one client at once (run under TSan by `ctest --preset tsan`):
// emits, acks, listeners, disconnects, and the manager destroyed with work in flight.
#include <atomic>
#include <thread>

#include "client_test_util.hpp"

namespace sockio::test {
namespace {

TEST(ClientThreads, ManyThreadsEmitAndCloseOnOneClient) {
  auto peer = start_peer(peer_kind::sockio);
  constexpr int threads = 8, per_thread = 50;
  std::atomic<int> acked{0}, failed{0};
  event_log log;
  {
    client::manager io(url_of(*peer), options_for(transport_mode::websocket));
    auto s = io.socket();
    record(s, log);
    auto admin = io.socket("/admin", {.auth = {{"token", "secret"}}});
    admin.connect();
    ASSERT_TRUE(log.wait_for("connect"));
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          // Callbacks, futures and plain emits, from every thread at once.
          s.emit_with_ack("echo", json::array({t, i}), [&](boost::system::error_code ec, json reply) {
            (ec ? failed : acked)++;
            (void)reply;
          });
          s.emit("record", json::array({t}));
          admin.volatile_().emit("echo-event", json::array({i}));
          if (i % 10 == 0) s.on("x" + std::to_string(t), [](const json&) {});
          if (i % 10 == 5) s.off("x" + std::to_string(t));
          (void)s.connected();
          (void)s.id();
          (void)io.transport();
        }
      });
    }
    workers.clear();  // joined
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (acked + failed < threads * per_thread && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(acked.load(), threads * per_thread);
    // Closing from several threads while emits are still queued.
    std::vector<std::jthread> closers;
    closers.emplace_back([&] { admin.disconnect(); });
    closers.emplace_back([&] {
      for (int i = 0; i < 100; ++i) s.emit("echo", json::array({i}));
    });
    closers.emplace_back([&] { io.drop_connection(); });
  }  // the manager goes with work in flight
  EXPECT_EQ(failed.load(), 0);
}

TEST(ClientThreads, DestroyedFromItsOwnHandler) {
  auto peer = start_peer(peer_kind::sockio);
  event_log log;
  auto io = std::make_unique<client::manager>(url_of(*peer), options_for(transport_mode::websocket));
  std::atomic<client::manager*> raw{io.get()};
  auto s = io->socket();
  std::promise<void> destroyed;
  s.on("echo-event", [&](const json&) {
    // The application drops the manager from one of its handlers.
    delete raw.exchange(nullptr);
    destroyed.set_value();
  });
  s.on_connect([&log] { log.push("connect"); });
  s.connect();
  ASSERT_TRUE(log.wait_for("connect"));
  (void)io.release();
  s.emit("echo-event");
  EXPECT_EQ(destroyed.get_future().wait_for(5s), std::future_status::ready);
  // The socket handle outlives its manager: emits do nothing, acks fail.
  auto [ec, reply] = call(s, "echo", json::array());
  EXPECT_EQ(ec, client::errc::closed);
}

}  // namespace
}  // namespace sockio::test
