#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioMiddleware, RefusalReachesClientAsConnectError) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.use([](const std::shared_ptr<sio::socket>& s, sio::next_fn next) {
    if (s->handshake().auth().value("token", "") != "good") {
      return next(sio::connect_error{"not authorized", json{{"code", 401}}});
    }
    next(std::nullopt);
  });
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) { log.push("connection " + s->id()); });
  srv.start();
  sio_client bad(srv.port());
  const auto refused = bad.connect("/", json{{"token", "bad"}});
  EXPECT_EQ(refused.type, sio::packet_type::connect_error);
  EXPECT_EQ(refused.data, (json{{"message", "not authorized"}, {"data", {{"code", 401}}}}));
  sio_client good(srv.port());
  const auto accepted = good.connect("/", json{{"token", "good"}});
  ASSERT_EQ(accepted.type, sio::packet_type::connect);
  EXPECT_TRUE(log.wait_for("connection " + good.id()));
  EXPECT_EQ(log.all().size(), 1u);  // the refused one never connected
}

TEST(SioMiddleware, RunInOrderAndMayCompleteLater) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.use([&](const std::shared_ptr<sio::socket>& s, sio::next_fn next) {
    log.push("first");
    s->data()["role"] = "admin";
    s->join("early-room");
    // Completes from a later turn of the event loop, as an async check would.
    boost::asio::post(s->context(), [next] { next(std::nullopt); });
  });
  srv.io.use([&](const std::shared_ptr<sio::socket>& s, sio::next_fn next) {
    log.push("second " + s->data().value("role", ""));
    next(std::nullopt);
  });
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    log.push("connection " + std::to_string(s->rooms().contains("early-room")));
  });
  srv.start();
  auto c = connected(srv.port());
  ASSERT_TRUE(log.wait_for("connection 1"));
  EXPECT_EQ(log.all(), (std::vector<std::string>{"first", "second admin", "connection 1"}));
}

TEST(SioMiddleware, NamespaceMiddlewaresAreSeparate) {
  sio_server srv;
  srv.io.of("/admin").use(
      [](const std::shared_ptr<sio::socket>&, sio::next_fn next) { next(sio::connect_error{"admins only"}); });
  srv.start();
  sio_client c(srv.port());
  EXPECT_EQ(c.connect("/").type, sio::packet_type::connect);
  const auto refused = c.connect("/admin");
  EXPECT_EQ(refused.type, sio::packet_type::connect_error);
  EXPECT_EQ(refused.data, (json{{"message", "admins only"}}));
}

TEST(SioMiddleware, PacketMiddlewareCanChangeOrRejectPackets) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->use([](json& packet, sio::next_fn next) {
      if (packet[0] == "forbidden") return next(sio::connect_error{"forbidden event"});
      if (packet[0] == "shout") packet[1] = packet[1].get<std::string>() + "!";
      next(std::nullopt);
    });
    s->on_error([&](const sio::connect_error& e) { log.push("error " + e.message); });
    s->on("shout", [&](json args, sio::ack_fn ack) { ack(args); });
    s->on("forbidden", [&](json, sio::ack_fn) { log.push("forbidden handled"); });
  });
  srv.start();
  auto c = connected(srv.port());
  c->emit("forbidden", json::array());
  c->emit("shout", json::array({"hey"}), "/", 1);
  EXPECT_EQ(c->wait_ack(1)->data, json::array({"hey!"}));
  EXPECT_TRUE(log.wait_for("error forbidden event"));
  EXPECT_EQ(log.count("forbidden handled"), 0u);
}

}  // namespace
}  // namespace sockio::test
