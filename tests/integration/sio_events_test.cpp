#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioEvents, ClientEventsReachHandlersWithAcks) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on("sum", [](json args, sio::ack_fn ack) {
      ASSERT_TRUE(ack);
      ack.reply(args[0].get<int>() + args[1].get<int>());
    });
    s->on("note", [&](json args, sio::ack_fn ack) {
      log.push("note " + args.dump() + " ack=" + std::to_string(static_cast<bool>(ack)));
    });
  });
  srv.start();
  auto c = connected(srv.port());
  c->emit("note", json::array({"a", json{{"b", 1}}}));
  c->emit("sum", json::array({2, 3}), "/", 7);
  EXPECT_EQ(c->wait_ack(7)->data, json::array({5}));
  EXPECT_TRUE(log.wait_for(R"(note ["a",{"b":1}] ack=0)"));
}

TEST(SioEvents, ServerEmitsAndWaitsForClientAck) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->emit("hello", "world", 42, json{{"k", true}});
    s->timeout(5s).emit_with_ack("question", json::array({"?"}), [&](std::error_code ec, json args) {
      log.push("answer " + std::string(ec ? ec.message() : "ok") + " " + args.dump());
    });
  });
  srv.start();
  auto c = connected(srv.port());
  const auto hello = c->wait_event("hello");
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->data, json::array({"hello", "world", 42, json{{"k", true}}}));
  const auto question = c->wait_event("question");
  ASSERT_TRUE(question && question->id);
  c->ack(*question->id, json::array({"yes", 1}));
  EXPECT_TRUE(log.wait_for(R"(answer ok ["yes",1])"));
}

TEST(SioEvents, AckTimeoutReportsError) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->timeout(100ms).emit_with_ack("silent", json::array(), [&](std::error_code ec, json) {
      log.push(ec == sio::errc::timeout ? "timeout" : "other");
    });
    s->on("probe", [](json, sio::ack_fn ack) { ack(); });
  });
  srv.start();
  auto c = connected(srv.port());
  const auto silent = c->wait_event("silent");
  ASSERT_TRUE(silent && silent->id);
  EXPECT_TRUE(log.wait_for("timeout"));
  c->ack(*silent->id, json::array({"too late"}));  // ignored: the callback already ran
  c->emit("probe", json::array(), "/", 1);
  ASSERT_TRUE(c->wait_ack(1));  // packets are handled in order: the late ack came first
  EXPECT_EQ(log.all(), (std::vector<std::string>{"timeout"}));
}

TEST(SioEvents, PendingAckGetsDisconnectedError) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->emit_with_ack("never", json::array(), [&](std::error_code ec, json) {
      log.push(ec == sio::errc::disconnected ? "disconnected" : "other");
    });
  });
  srv.start();
  auto c = connected(srv.port());
  ASSERT_TRUE(c->wait_event("never"));
  c->close();
  EXPECT_TRUE(log.wait_for("disconnected"));
}

TEST(SioEvents, AwaitableEmitWithAck) {
  sio_server srv;
  std::promise<std::shared_ptr<sio::socket>> connected_socket;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) { connected_socket.set_value(s); });
  srv.start();
  auto c = connected(srv.port());
  auto s = connected_socket.get_future().get();
  std::future<json> answer;
  std::future<json> unanswered;
  on_shard(srv.io, 0, [&] {
    answer = s->emit_with_ack("question", json::array({1}));
    unanswered = s->timeout(100ms).emit_with_ack("ignored", json::array());
  });
  const auto question = c->wait_event("question");
  ASSERT_TRUE(question && question->id);
  c->ack(*question->id, json::array({"answer", 2}));
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(answer.get(), json::array({"answer", 2}));
  ASSERT_EQ(unanswered.wait_for(5s), std::future_status::ready);
  try {
    unanswered.get();
    ADD_FAILURE() << "no timeout";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), sio::errc::timeout);
  }
  on_shard(srv.io, 0, [&] { s.reset(); });
}

TEST(SioEvents, CatchAllListenersSeeIncomingAndOutgoing) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on_any(
        [&](std::string_view event, const json& args) { log.push("in " + std::string(event) + " " + args.dump()); });
    s->on_any_outgoing(
        [&](std::string_view event, const json& args) { log.push("out " + std::string(event) + " " + args.dump()); });
    s->on("known", [s](json, sio::ack_fn) { s->emit("reply", 1); });
  });
  srv.start();
  auto c = connected(srv.port());
  c->emit("unknown", json::array({"x"}));
  c->emit("known", json::array());
  ASSERT_TRUE(c->wait_event("reply"));
  EXPECT_TRUE(log.wait_for(R"(in unknown ["x"])"));
  EXPECT_TRUE(log.wait_for("in known []"));
  EXPECT_TRUE(log.wait_for("out reply [1]"));
}

TEST(SioEvents, ReservedEventFromClientIsParseError) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on_disconnect([&](std::string_view reason) { log.push("disconnect " + std::string(reason)); });
  });
  srv.start();
  auto c = connected(srv.port());
  c->send_raw(R"(42["disconnect"])");
  EXPECT_TRUE(log.wait_for("disconnect parse error"));
  EXPECT_TRUE(c->wait_closed());
}

TEST(SioEvents, MalformedPacketClosesOnlyThatConnection) {
  sio_server srv;
  srv.io.on_connection(
      [](const std::shared_ptr<sio::socket>& s) { s->on("echo", [](json args, sio::ack_fn ack) { ack(args); }); });
  srv.start();
  auto bad = connected(srv.port());
  auto good = connected(srv.port());
  bad->send_raw(
      "4"
      "2[\"unterminated");
  EXPECT_TRUE(bad->wait_closed());
  good->emit("echo", json::array({"fine"}), "/", 3);
  EXPECT_EQ(good->wait_ack(3)->data, json::array({"fine"}));
}

}  // namespace
}  // namespace sockio::test
