#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioNamespaces, UnknownNamespaceIsRefused) {
  sio_server srv;
  srv.start();
  sio_client c(srv.port());
  const auto reply = c.connect("/nope");
  EXPECT_EQ(reply.type, sio::packet_type::connect_error);
  EXPECT_EQ(reply.nsp, "/nope");
  EXPECT_EQ(reply.data, (json{{"message", "Invalid namespace"}}));
}

TEST(SioNamespaces, NamespacesAreMultiplexedOnOneConnection) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  for (const auto* name : {"/", "/chat"}) {
    auto& nsp = srv.io.of(name);
    nsp.on_connection([&log, name](const std::shared_ptr<sio::socket>& s) {
      log.push(std::string("connect ") + name);
      s->on("where", [s](json, sio::ack_fn ack) { ack.reply(s->nsp().name()); });
    });
  }
  srv.start();
  sio_client c(srv.port());
  ASSERT_EQ(c.connect("/chat").type, sio::packet_type::connect);
  ASSERT_EQ(c.connect("/").type, sio::packet_type::connect);
  EXPECT_NE(c.id("/"), c.id("/chat"));
  c.emit("where", json::array(), "/chat", 1);
  c.emit("where", json::array(), "/", 2);
  EXPECT_EQ(c.wait_ack(1, "/chat")->data, json::array({"/chat"}));
  EXPECT_EQ(c.wait_ack(2, "/")->data, json::array({"/"}));
  EXPECT_TRUE(log.wait_for("connect /"));
  EXPECT_TRUE(log.wait_for("connect /chat"));
}

TEST(SioNamespaces, DynamicNamespacesByRegexAndPredicate) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_new_namespace([&](sio::namespace_& nsp) { log.push("new " + nsp.name()); });
  auto& workspaces = srv.io.of(std::regex("^/workspace-\\d+$"));
  workspaces.on_connection([&](const std::shared_ptr<sio::socket>& s) { log.push("joined " + s->nsp().name()); });
  auto& vip = srv.io.of(
      [](const std::string& name, const json& auth) { return name == "/vip" && auth.value("pass", "") == "gold"; });
  vip.on_connection([&](const std::shared_ptr<sio::socket>& s) { log.push("vip " + s->id()); });
  srv.start();
  sio_client c(srv.port());
  EXPECT_EQ(c.connect("/workspace-42").type, sio::packet_type::connect);
  EXPECT_TRUE(log.wait_for("new /workspace-42"));
  EXPECT_TRUE(log.wait_for("joined /workspace-42"));
  EXPECT_EQ(c.connect("/workspace-x").type, sio::packet_type::connect_error);
  EXPECT_EQ(c.connect("/vip", json{{"pass", "tin"}}).type, sio::packet_type::connect_error);
  sio_client d(srv.port());
  EXPECT_EQ(d.connect("/vip", json{{"pass", "gold"}}).type, sio::packet_type::connect);
  EXPECT_TRUE(log.wait_for("vip " + d.id("/vip")));
  // The child namespace now exists: a second client reuses it without a new creation.
  sio_client e(srv.port());
  EXPECT_EQ(e.connect("/workspace-42").type, sio::packet_type::connect);
  EXPECT_TRUE(log.wait_for("joined /workspace-42", 2));
  EXPECT_EQ(log.count("new /workspace-42"), 1u);
}

TEST(SioNamespaces, PacketForAnUnjoinedNamespaceIsAnInvalidState) {
  sio_server srv;
  srv.io.of("/other");
  srv.start();
  auto c = connected(srv.port());
  c->emit("ping", json::array(), "/other");  // never connected to /other
  EXPECT_TRUE(c->wait_closed());
}

TEST(SioNamespaces, SecondConnectToTheSameNamespaceIsAnInvalidState) {
  sio_server srv;
  srv.start();
  auto c = connected(srv.port());
  c->send({sio::packet_type::connect, "/", json(json::value_t::discarded), std::nullopt});
  EXPECT_TRUE(c->wait_closed());
}

TEST(SioNamespaces, ConnectErrorFromTheClientIsAnInvalidState) {
  sio_server srv;
  srv.start();
  auto c = connected(srv.port());
  c->send({sio::packet_type::connect_error, "/", json{{"message", "?"}}, std::nullopt});
  EXPECT_TRUE(c->wait_closed());
}

}  // namespace
}  // namespace sockio::test
