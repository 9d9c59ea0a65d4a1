#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

engine::server_options two_threads() {
  engine::server_options o;
  o.threads = 2;
  return o;
}

// Connections are spread over the shards in turn, so two connections land on two shards.
TEST(EngineThreads, PollingRequestsFromBothShardsReachTheSession) {
  engine_harness h(two_threads());
  http_client a(h.port());
  http_client b(h.port());
  const auto sid_a = polling_handshake(a);
  const auto sid_b = polling_handshake(b);
  ASSERT_NE(sid_a.front(), sid_b.front()) << "each connection's session lives on its own shard";
  // Drive each session through the other shard's connection, and its own.
  for (int round = 0; round < 3; ++round) {
    const auto text = "round " + std::to_string(round);
    EXPECT_EQ(b.post(polling_target(sid_a), "4" + text).body, "ok");
    EXPECT_EQ(b.get(polling_target(sid_a)).body, "4" + text);
    EXPECT_EQ(a.post(polling_target(sid_b), "4" + text).body, "ok");
    EXPECT_EQ(a.get(polling_target(sid_b)).body, "4" + text);
    EXPECT_EQ(a.post(polling_target(sid_a), "4own").body, "ok");
    EXPECT_EQ(a.get(polling_target(sid_a)).body, "4own");
  }
  EXPECT_GE(h.server().cross_shard_requests(), 12u);
}

TEST(EngineThreads, UpgradeAcceptedOnAnotherShardMovesToTheSessionsShard) {
  engine_harness h(two_threads());
  http_client a(h.port());
  http_client b(h.port());
  const auto sid_a = polling_handshake(a);
  const auto sid_b = polling_handshake(b);
  for (const auto* sid : {&sid_a, &sid_b}) {
    http_client& poller = sid == &sid_a ? a : b;
    auto pending = std::async(std::launch::async, [&] { return poller.get(polling_target(*sid)); });
    // Connections go to shards 0, 1, 0, ...: the extra one puts the WebSocket on shard 1,
    // across from the session of `a` (shard 0).
    http_client extra(h.port());
    ws_client ws(h.port(), ws_target(*sid));
    ws.send_text("2probe");
    EXPECT_EQ(ws.read()->data, "3probe");
    EXPECT_EQ(pending.get().body, "6");
    ws.send_text("5");
    ASSERT_TRUE(h.wait_for("upgrade " + *sid));
    ws.send_text("4over ws");
    EXPECT_EQ(ws.read()->data, "4over ws");
  }
  EXPECT_GE(h.server().cross_shard_requests(), 1u);
}

}  // namespace
}  // namespace sockio::test
