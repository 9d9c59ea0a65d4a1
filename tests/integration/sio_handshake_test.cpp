#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioHandshake, ConnectAnswersWithSocketIdAndKeepsHandshake) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  std::promise<sio::handshake> seen;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    seen.set_value(s->handshake());
    log.push("connection " + s->id());
  });
  srv.start();
  sio_client c(srv.port(), "&token=q1");
  const auto reply = c.connect("/", json{{"user", "ann"}});
  ASSERT_EQ(reply.type, sio::packet_type::connect);
  const auto sid = reply.data.at("sid").get<std::string>();
  EXPECT_EQ(sid.size(), 20u);
  EXPECT_NE(sid, c.engine_id());             // the socket id is not the engine session id
  EXPECT_FALSE(reply.data.contains("pid"));  // recovery is off
  EXPECT_TRUE(log.wait_for("connection " + sid));
  const auto hs = seen.get_future().get();
  EXPECT_EQ(hs.auth(), (json{{"user", "ann"}}));
  EXPECT_EQ(hs.query().at("token"), "q1");
  EXPECT_EQ(hs.query().at("EIO"), "4");
  EXPECT_EQ(hs.address(), "127.0.0.1");
  EXPECT_TRUE(hs.url().starts_with("/socket.io/?"));
  EXPECT_TRUE(hs.header("host").has_value());
  EXPECT_GT(hs.issued, 0);
  EXPECT_TRUE(hs.time().ends_with("GMT+0000 (Coordinated Universal Time)"));
}

TEST(SioHandshake, SocketsOfOneConnectionShareTheEngineRequest) {
  event_log log;
  sio_server srv;
  std::mutex m;
  std::vector<std::shared_ptr<const engine::request_info>> requests;
  std::shared_ptr<const engine::request_info> engine_request;
  const auto record = [&](const std::shared_ptr<sio::socket>& s) {
    std::lock_guard lock(m);
    requests.push_back(s->handshake().request);
    engine_request = s->conn().shared_request();
    log.push("connection " + s->nsp().name());
  };
  srv.io.on_connection(record);
  srv.io.of("/other").on_connection(record);
  srv.start();
  sio_client c(srv.port(), "&token=q2");
  ASSERT_EQ(c.connect("/").type, sio::packet_type::connect);
  ASSERT_EQ(c.connect("/other").type, sio::packet_type::connect);
  ASSERT_TRUE(log.wait_for("connection /other"));
  std::lock_guard lock(m);
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests[0]);
  EXPECT_EQ(requests[0], requests[1]);     // one copy for both namespaces
  EXPECT_EQ(requests[0], engine_request);  // and it is the Engine.IO session's own
  EXPECT_EQ(requests[0]->query("token"), "q2");
}

TEST(SioHandshake, AuthIsAnEmptyObjectWithoutPayload) {
  sio::handshake hs;
  EXPECT_TRUE(hs.auth().is_object());
  EXPECT_TRUE(hs.auth().empty());
  hs.set_auth(json{{"token", "t"}});
  EXPECT_EQ(hs.auth().value("token", ""), "t");
  hs.set_auth(json::array({1}));  // not an object: none
  EXPECT_EQ(hs.auth(), json::object());
  EXPECT_EQ(sio::to_json(hs).at("auth"), json::object());
  EXPECT_EQ(sio::handshake_from_json(json{{"auth", {{"a", 1}}}}).auth(), (json{{"a", 1}}));
}

TEST(SioHandshake, EngineUsesSocketIoPath) {
  sio_server srv;
  srv.start();
  http_client http(srv.port());
  EXPECT_EQ(http.get("/socket.io/?EIO=4&transport=polling").status, 200u);
  http_client other(srv.port());
  EXPECT_EQ(other.get("/engine.io/?EIO=4&transport=polling").status, 404u);
}

TEST(SioHandshake, ConnectionHandlersRunInOrder) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>&) { log.push("first"); });
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>&) { log.push("second"); });
  srv.start();
  auto c = connected(srv.port());
  ASSERT_TRUE(log.wait_for("second"));
  EXPECT_EQ(log.all(), (std::vector<std::string>{"first", "second"}));
}

}  // namespace
}  // namespace sockio::test
