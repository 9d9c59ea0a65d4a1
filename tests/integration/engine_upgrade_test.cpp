#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

/// Probes `sid` over a new WebSocket while a GET is parked; checks the noop release.
std::unique_ptr<ws_client> probe(engine_harness& h, http_client& poller, const std::string& sid) {
  auto pending = std::async(std::launch::async, [&] { return poller.get(polling_target(sid)); });
  EXPECT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  auto ws = std::make_unique<ws_client>(h.port(), ws_target(sid));
  ws->send_text("2probe");
  auto pong = ws->read();
  EXPECT_TRUE(pong);
  if (pong) {
    EXPECT_EQ(pong->data, "3probe");
  }
  EXPECT_EQ(pending.get().body, "6");  // the parked GET is released with a noop
  return ws;
}

TEST(EngineUpgrade, FullSequenceMovesSessionToWebSocket) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  ws->send_text("5");
  ASSERT_TRUE(h.wait_for("upgrade " + sid));
  ws->send_text("4after");
  auto echo = ws->read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, "4after");
  auto s = h.session(sid);
  engine::transport_kind kind{};
  on_shard(*s, [&] { kind = s->transport(); });
  EXPECT_EQ(kind, engine::transport_kind::websocket);
}

TEST(EngineUpgrade, StatsFollowTheTransportAndCloseObserversRun) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto stats = h.server().stats();
  EXPECT_EQ(stats.polling_sessions, 1u);
  EXPECT_EQ(stats.websocket_sessions, 0u);
  auto ws = probe(h, c, sid);
  ws->send_text("5");
  ASSERT_TRUE(h.wait_for("upgrade " + sid));
  ws->send_text("4hello");
  ASSERT_TRUE(ws->read());  // the echo: one message in, one out
  stats = h.server().stats();
  EXPECT_EQ(stats.polling_sessions, 0u);
  EXPECT_EQ(stats.websocket_sessions, 1u);
  EXPECT_EQ(stats.messages_in, 1u);
  EXPECT_EQ(stats.bytes_in, 5u);
  EXPECT_EQ(stats.messages_out, 1u);
  EXPECT_EQ(stats.bytes_out, 5u);
  ws->send_text("1");
  ASSERT_TRUE(h.wait_for("observed close " + sid + " transport close"));
  stats = h.server().stats();
  EXPECT_EQ(stats.websocket_sessions, 0u);
}

TEST(EngineUpgrade, ServerCloseAfterTheProbeEndsAtOnce) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  // The client polls no more once its probe is answered: waiting for its next GET
  // (close_timeout) would hold the session, and a server stop, for nothing.
  auto s = h.session(sid);
  on_shard(*s, [&] { s->close(); });
  EXPECT_TRUE(h.wait_for("close " + sid + " forced close"));
  EXPECT_TRUE(ws->wait_closed());
}

TEST(EngineUpgrade, PacketsQueuedDuringUpgradeGoOverWebSocket) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  auto s = h.session(sid);
  on_shard(*s, [&] { s->send("while upgrading"); });
  ws->send_text("5");
  auto queued = ws->read();
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->data, "4while upgrading");
}

TEST(EngineUpgrade, GetDuringProbeIsAnsweredWithNoop) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  EXPECT_EQ(c.get(polling_target(sid)).body, "6");
}

TEST(EngineUpgrade, UpgradeTimeoutDropsTheWebSocketAndKeepsPolling) {
  engine::server_options o;
  o.upgrade_timeout = 200ms;
  engine_harness h(o);
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  // No "5": the server gives up on the upgrade.
  EXPECT_TRUE(ws->wait_closed(3s));
  EXPECT_EQ(c.post(polling_target(sid), "4still here").body, "ok");
  EXPECT_EQ(c.get(polling_target(sid)).body, "4still here");
  EXPECT_FALSE(h.wait_for("upgrade " + sid, 0ms));
}

TEST(EngineUpgrade, UnexpectedPacketAbortsUpgrade) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  ws_client ws(h.port(), ws_target(sid));
  ws.send_text("4not a probe");
  EXPECT_TRUE(ws.wait_closed());
  EXPECT_EQ(c.post(polling_target(sid), "4polling works").body, "ok");
  EXPECT_EQ(c.get(polling_target(sid)).body, "4polling works");
}

TEST(EngineUpgrade, RequestsAfterUpgradeAreRefused) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  ws->send_text("5");
  ASSERT_TRUE(h.wait_for("upgrade " + sid));
  EXPECT_EQ(error_body(c.get(polling_target(sid))), engine_error(3, "Bad request"));
  EXPECT_EQ(error_body(c.post(polling_target(sid), "4x")), engine_error(3, "Bad request"));
  // As engine.io: a further WebSocket completes its handshake and is closed at once.
  EXPECT_EQ(ws_client::try_handshake(h.port(), ws_target(sid)).status, 101u);
  ws_client second(h.port(), ws_target(sid));
  EXPECT_TRUE(second.wait_closed());
  // The upgraded transport is unaffected.
  ws->send_text("4still fine");
  auto echo = ws->read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, "4still fine");
}

TEST(EngineUpgrade, SecondProbeDuringUpgradeIsRefused) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto ws = probe(h, c, sid);
  ws_client second(h.port(), ws_target(sid));  // handshake succeeds, then it is dropped
  EXPECT_TRUE(second.wait_closed());
  ws->send_text("5");
  EXPECT_TRUE(h.wait_for("upgrade " + sid));
}

}  // namespace
}  // namespace sockio::test
