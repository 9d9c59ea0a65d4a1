#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

engine::server_options fast_heartbeat() {
  engine::server_options o;
  o.ping_interval = 100ms;
  o.ping_timeout = 100ms;
  return o;
}

TEST(EngineHeartbeat, NoPongClosesWithPingTimeout) {
  engine_harness h(fast_heartbeat());
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  EXPECT_EQ(c.get(polling_target(sid)).body, "2");  // the ping arrives; we never answer
  EXPECT_TRUE(h.wait_for("close " + sid + " ping timeout", 3s));
}

TEST(EngineHeartbeat, NoPongOverWebSocketClosesWithPingTimeout) {
  engine_harness h(fast_heartbeat());
  ws_client ws(h.port(), ws_target());
  const auto sid = sid_of(ws.read()->data);
  EXPECT_TRUE(h.wait_for("close " + sid + " ping timeout", 3s));
  EXPECT_TRUE(ws.wait_closed());
}

TEST(EngineHeartbeat, PongsKeepSessionAlive) {
  engine_harness h(fast_heartbeat());
  ws_client ws(h.port(), ws_target());
  const auto sid = sid_of(ws.read()->data);
  // Five ping/pong rounds take ~5 ping intervals, well past one interval + timeout.
  for (int i = 0; i < 5; ++i) {
    auto ping = ws.read(2s);
    ASSERT_TRUE(ping) << "round " << i;
    EXPECT_EQ(ping->data, "2");
    ws.send_text("3");
  }
  EXPECT_FALSE(h.wait_prefix("close " + sid, 0ms).size());
  ws.send_text("4alive");
  auto echo = ws.read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, "4alive");
}

TEST(EngineHeartbeat, PollingPongsKeepSessionAlive) {
  engine_harness h(fast_heartbeat());
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c.get(polling_target(sid), 2s).body, "2") << "round " << i;
    EXPECT_EQ(c.post(polling_target(sid), "3").body, "ok");
  }
  EXPECT_TRUE(h.wait_prefix("close " + sid, 0ms).empty());
}

TEST(EngineHeartbeat, ManySessionsShareOneTimerAndAllTimeOut) {
  engine_harness h(fast_heartbeat());
  std::vector<std::unique_ptr<ws_client>> clients;
  std::vector<std::string> sids;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<ws_client>(h.port(), ws_target()));
    sids.push_back(sid_of(clients.back()->read()->data));
  }
  for (const auto& sid : sids) EXPECT_TRUE(h.wait_for("close " + sid + " ping timeout", 3s));
}

}  // namespace
}  // namespace sockio::test
