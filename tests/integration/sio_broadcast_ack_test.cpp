#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioBroadcastAck, CollectsOneResponsePerRecipient) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->join("team");
    s->on("poll", [&](json, sio::ack_fn ack) {
      srv.io.to("team").timeout(5s).emit_with_ack(
          "vote", json::array({"?"}), [&, ack](std::error_code ec, json responses) {
            std::vector<std::string> sorted;
            for (auto& r : responses) sorted.push_back(r.get<std::string>());
            std::sort(sorted.begin(), sorted.end());
            log.push("votes " + std::string(ec ? ec.message() : "ok") + " " + json(sorted).dump());
            ack();
          });
    });
  });
  srv.start();
  auto a = connected(srv.port());
  auto b = connected(srv.port());
  a->emit("poll", json::array(), "/", 1);
  for (auto* c : {a.get(), b.get()}) {
    const auto vote = c->wait_event("vote");
    ASSERT_TRUE(vote && vote->id);
    c->ack(*vote->id, json::array({c == a.get() ? "yes" : "no"}));
  }
  EXPECT_TRUE(log.wait_for(R"(votes ok ["no","yes"])"));
  EXPECT_TRUE(a->wait_ack(1));
}

TEST(SioBroadcastAck, TimeoutGivesErrorAndPartialResponses) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on("poll", [&](json, sio::ack_fn) {
      srv.io.timeout(300ms).emit_with_ack("vote", json::array(), [&](std::error_code ec, json responses) {
        log.push(std::string(ec == sio::errc::timeout ? "timeout " : "other ") + responses.dump());
      });
    });
  });
  srv.start();
  auto a = connected(srv.port());
  auto silent = connected(srv.port());
  a->emit("poll", json::array());
  const auto vote = a->wait_event("vote");
  ASSERT_TRUE(vote && vote->id);
  a->ack(*vote->id, json::array({1}));
  ASSERT_TRUE(silent->wait_event("vote"));  // never answered
  EXPECT_TRUE(log.wait_for("timeout [1]"));
}

TEST(SioBroadcastAck, NoRecipientsCompletesAtOnce) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.start();
  srv.io.to("empty-room").timeout(5s).emit_with_ack("x", json::array(), [&](std::error_code ec, json responses) {
    log.push(std::string(ec ? "error" : "ok") + " " + responses.dump());
  });
  EXPECT_TRUE(log.wait_for("ok []", 1, 1s));
}

TEST(SioBroadcastAck, AwaitableForm) {
  sio_server srv;
  srv.start();
  auto a = connected(srv.port());
  auto future = srv.io.timeout(5s).emit_with_ack("vote", json::array());
  const auto vote = a->wait_event("vote");
  ASSERT_TRUE(vote && vote->id);
  a->ack(*vote->id, json::array({"aye"}));
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get(), json::array({"aye"}));
}

}  // namespace
}  // namespace sockio::test
