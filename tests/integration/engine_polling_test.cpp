#include <future>
#include <thread>

#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

TEST(EnginePolling, MessagesRoundTripOverOneKeepAliveConnection) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  const auto posted = c.post(polling_target(sid),
                             "4hello\x1e"
                             "4world €");
  EXPECT_EQ(posted.status, 200u);
  EXPECT_EQ(posted.body, "ok");
  EXPECT_EQ(posted.header("content-type"), "text/html");
  const auto polled = c.get(polling_target(sid));
  EXPECT_EQ(polled.status, 200u);
  EXPECT_TRUE(polled.keep_alive);
  // Both echoes come in one payload.
  EXPECT_EQ(split_payload(polled.body), (std::vector<std::string>{"4hello", "4world €"}));
  EXPECT_TRUE(h.wait_for("message " + sid + " world €"));
}

TEST(EnginePolling, BinaryTravelsAsBase64) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  EXPECT_EQ(c.post(polling_target(sid), "bAAEC/w==").body, "ok");
  EXPECT_TRUE(h.wait_for("binary " + sid + " 4"));
  EXPECT_EQ(c.get(polling_target(sid)).body, "bAAEC/w==");
}

TEST(EnginePolling, PendingGetIsAnsweredWhenDataArrives) {
  engine_harness h;
  h.on_message = [](engine::session&, std::string_view, bool) {};  // no echo
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto pending = std::async(std::launch::async, [&] { return c.get(polling_target(sid)); });
  EXPECT_EQ(pending.wait_for(200ms), std::future_status::timeout);  // parked
  auto s = h.session(sid);
  ASSERT_TRUE(s);
  on_shard(*s, [&] { s->send("pushed"); });
  EXPECT_EQ(pending.get().body, "4pushed");
}

TEST(EnginePolling, OversizedPostGets413AndClosesSession) {
  engine::server_options o;
  o.max_http_buffer_size = 100;
  engine_harness h(o);
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  EXPECT_EQ(c.post(polling_target(sid), "4" + std::string(99, 'a')).status, 200u);  // at the limit
  const auto res = c.post(polling_target(sid), "4" + std::string(100, 'a'));
  EXPECT_EQ(res.status, 413u);
  EXPECT_TRUE(h.wait_for("close " + sid + " transport error"));
  http_client c2(h.port());
  EXPECT_EQ(error_body(c2.get(polling_target(sid))), engine_error(1, "Session ID unknown"));
}

TEST(EnginePolling, SecondConcurrentGetClosesSession) {
  engine_harness h;
  http_client first(h.port());
  http_client second(h.port());
  const auto sid = polling_handshake(first);
  auto pending = std::async(std::launch::async, [&] { return first.get(polling_target(sid)); });
  ASSERT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  const auto res = second.get(polling_target(sid));
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(error_body(res), engine_error(3, "Bad request"));
  EXPECT_EQ(pending.get().body, "1");  // the first one is told the session closed
  EXPECT_TRUE(h.wait_for("close " + sid + " transport error"));
}

TEST(EnginePolling, ClientClosePacket) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  EXPECT_EQ(c.post(polling_target(sid), "1").body, "ok");
  EXPECT_TRUE(h.wait_for("close " + sid + " transport close"));
  EXPECT_EQ(error_body(c.get(polling_target(sid))), engine_error(1, "Session ID unknown"));
}

/// Waits (bounded) until the server has handed `n` requests to another shard.
bool wait_cross_shard(engine::server& server, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.cross_shard_requests() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Connections go to the shards in turn: with 2 shards, the handshake's connection and its
// session are on shard 0, the next connection on shard 1, the one after on shard 0.
TEST(EnginePolling, ClientCloseAnswersTheParkedGetWithANoop) {
  engine::server_options o;
  o.threads = 2;
  engine_harness h(o);
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  http_client getter(h.port());  // shard 1: its GET is handed to shard 0
  auto parked = std::async(std::launch::async, [&] { return getter.get(polling_target(sid)); });
  ASSERT_TRUE(wait_cross_shard(h.server(), 1));
  auto s = h.session(sid);
  ASSERT_TRUE(s);
  on_shard(*s, [] {});  // after the handed-over GET: it is parked now
  EXPECT_EQ(c.post(polling_target(sid), "1").body, "ok");
  const auto answer = parked.get();
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "6");  // engine.io: a noop, not the close packet
  EXPECT_TRUE(h.wait_for("close " + sid + " transport close"));
  EXPECT_EQ(error_body(c.get(polling_target(sid))), engine_error(1, "Session ID unknown"));
  EXPECT_EQ(error_body(c.post(polling_target(sid), "4x")), engine_error(1, "Session ID unknown"));
}

TEST(EnginePolling, ClientCloseAnswersAGetStillBeingHandedOverWithANoop) {
  engine::server_options o;
  o.threads = 2;
  engine_harness h(o);
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  http_client getter(h.port());  // shard 1
  std::future<http_response> pending;
  // The POST's first packet holds shard 0 until shard 1 has handed the GET over: the
  // close packet that follows is then handled while the GET waits in shard 0's queue.
  h.on_message = [&](engine::session&, std::string_view data, bool) {
    if (data != "hold") return;
    pending = std::async(std::launch::async, [&] { return getter.get(polling_target(sid)); });
    EXPECT_TRUE(wait_cross_shard(h.server(), 1));
  };
  EXPECT_EQ(c.post(polling_target(sid),
                   "4hold\x1e"
                   "1")
                .body,
            "ok");
  EXPECT_TRUE(h.wait_for("close " + sid + " transport close"));
  ASSERT_TRUE(pending.valid());
  const auto answer = pending.get();
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "6");
  EXPECT_EQ(error_body(c.get(polling_target(sid))), engine_error(1, "Session ID unknown"));
}

TEST(EnginePolling, MalformedPayloadIsParseError) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  EXPECT_EQ(c.post(polling_target(sid),
                   "4fine\x1e"
                   "9bad")
                .body,
            "ok");
  EXPECT_TRUE(h.wait_for("message " + sid + " fine"));  // what came before is kept
  EXPECT_TRUE(h.wait_for("close " + sid + " parse error"));
}

TEST(EnginePolling, PingFromClientIsTransportError) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  c.post(polling_target(sid), "2");
  EXPECT_TRUE(h.wait_for("close " + sid + " transport error"));
}

TEST(EnginePolling, ServerCloseAnswersPendingGet) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto pending = std::async(std::launch::async, [&] { return c.get(polling_target(sid)); });
  ASSERT_EQ(pending.wait_for(100ms), std::future_status::timeout);
  auto s = h.session(sid);
  on_shard(*s, [&] { s->close(); });
  EXPECT_EQ(pending.get().body, "1");
  EXPECT_TRUE(h.wait_for("close " + sid + " forced close"));
}

TEST(EnginePolling, ServerCloseWaitsForNextGet) {
  engine_harness h;
  h.on_message = [](engine::session&, std::string_view, bool) {};
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto s = h.session(sid);
  on_shard(*s, [&] {
    s->send("last words");
    s->close();
  });
  EXPECT_EQ(split_payload(c.get(polling_target(sid)).body), (std::vector<std::string>{"4last words", "1"}));
  EXPECT_TRUE(h.wait_for("close " + sid + " forced close"));
}

TEST(EnginePolling, ServerCloseEndsAfterCloseTimeoutWithoutGet) {
  engine::server_options o;
  o.close_timeout = 200ms;
  engine_harness h(o);
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  auto s = h.session(sid);
  on_shard(*s, [&] { s->close(); });
  // No GET comes to collect the close packet: the close timer ends the session.
  EXPECT_FALSE(h.wait_for("close " + sid + " forced close", 100ms));
  EXPECT_TRUE(h.wait_for("close " + sid + " forced close", 3s));
  http_client late(h.port());
  EXPECT_EQ(error_body(late.get(polling_target(sid))), engine_error(1, "Session ID unknown"));
}

TEST(EnginePolling, ClientAbortingPendingGetClosesSession) {
  engine_harness h;
  std::string sid;
  {
    http_client c(h.port());
    sid = polling_handshake(c);
    auto client = std::make_unique<http_client>(h.port());
    auto pending = std::async(std::launch::async, [&] {
      try {
        client->get(polling_target(sid), 300ms);
      } catch (const std::exception&) {
        // the timeout closes the connection: that is the abort under test
      }
    });
    pending.get();
  }
  EXPECT_TRUE(h.wait_for("close " + sid + " transport error"));
}

}  // namespace
}  // namespace sockio::test
