#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

struct disconnect_fixture {
  explicit disconnect_fixture(sio::server_options o = {}) : srv(std::move(o)) {
    srv.io.on_connection([this](const std::shared_ptr<sio::socket>& s) {
      s->on_disconnecting([this, s](std::string_view reason) {
        log.push("disconnecting " + std::string(reason) + " rooms=" + std::to_string(s->rooms().size()));
      });
      s->on_disconnect([this, s](std::string_view reason) {
        log.push("disconnect " + std::string(reason) + " connected=" + std::to_string(s->connected()));
      });
      s->on("kick", [s](json args, sio::ack_fn) { s->disconnect(!args.empty() && args[0] == true); });
      s->join("room");
      log.push("connected");
    });
    srv.start();
  }

  std::unique_ptr<sio_client> client() {
    auto c = connected(srv.port());
    EXPECT_TRUE(log.wait_for("connected", ++clients));
    return c;
  }

  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  std::size_t clients = 0;
};

TEST(SioDisconnect, ClientNamespaceDisconnect) {
  disconnect_fixture f;
  auto c = f.client();
  c->send({sio::packet_type::disconnect, "/", json(json::value_t::discarded), std::nullopt});
  // disconnecting still sees the rooms; disconnect sees the socket gone.
  EXPECT_TRUE(f.log.wait_for("disconnecting client namespace disconnect rooms=2"));
  EXPECT_TRUE(f.log.wait_for("disconnect client namespace disconnect connected=0"));
}

TEST(SioDisconnect, ServerNamespaceDisconnect) {
  disconnect_fixture f;
  auto c = f.client();
  c->emit("kick", json::array({false}));
  EXPECT_TRUE(c->wait_disconnect());
  EXPECT_TRUE(f.log.wait_for("disconnect server namespace disconnect connected=0"));
  EXPECT_FALSE(c->wait_closed(300ms));  // the connection itself stays open
}

TEST(SioDisconnect, ServerDisconnectWithCloseClosesTheConnection) {
  disconnect_fixture f;
  auto c = f.client();
  c->emit("kick", json::array({true}));
  EXPECT_TRUE(f.log.wait_for("disconnect server namespace disconnect connected=0"));
  EXPECT_TRUE(c->wait_closed());
}

TEST(SioDisconnect, TransportClose) {
  disconnect_fixture f;
  auto c = f.client();
  c->close();
  EXPECT_TRUE(f.log.wait_for("disconnect transport close connected=0"));
}

TEST(SioDisconnect, PingTimeout) {
  sio::server_options o;
  o.engine.ping_interval = 100ms;
  o.engine.ping_timeout = 100ms;
  disconnect_fixture f(o);
  auto c = f.client();
  c->stop_pong();
  EXPECT_FALSE(c->next(1s));  // reads the pings without answering until the close
  EXPECT_TRUE(f.log.wait_for("disconnect ping timeout connected=0"));
}

TEST(SioDisconnect, ParseError) {
  disconnect_fixture f;
  auto c = f.client();
  c->send_raw(
      "4"
      "9nonsense");
  EXPECT_TRUE(f.log.wait_for("disconnect parse error connected=0"));
}

TEST(SioDisconnect, ServerShuttingDown) {
  sio::server_options o;
  o.engine.stop_timeout = 300ms;  // the client below answers the close handshake late
  disconnect_fixture f(o);
  auto c = f.client();
  f.srv.io.stop();
  EXPECT_TRUE(f.log.wait_for("disconnect server shutting down connected=0"));
  EXPECT_TRUE(c->wait_closed());
}

TEST(SioDisconnect, ListenersMayDisconnectWhileTheyRun) {
  event_log log;
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    // Several catch-all listeners, the first of which disconnects (clearing the lists).
    s->on_any([s](std::string_view, const json&) { s->disconnect(); });
    s->on_any([&](std::string_view, const json&) { log.push("second listener"); });
    s->on_disconnecting([s](std::string_view) { s->disconnect(); });  // re-entry is ignored
    s->on_disconnect([&](std::string_view reason) { log.push("disconnect " + std::string(reason)); });
  });
  srv.start();
  auto c = connected(srv.port());
  c->emit("anything");
  EXPECT_TRUE(c->wait_disconnect());
  EXPECT_TRUE(log.wait_for("disconnect server namespace disconnect"));
  EXPECT_EQ(log.count("disconnect server namespace disconnect"), 1u);
}

TEST(SioDisconnect, StopFromAHandler) {
  event_log log;
  sio::server_options o;
  o.engine.stop_timeout = 300ms;
  sio_server srv(o);
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on("shutdown", [&srv](json, sio::ack_fn) { srv.io.stop(); });
    s->on_disconnect([&](std::string_view reason) { log.push("disconnect " + std::string(reason)); });
  });
  srv.start();
  auto c = connected(srv.port());
  c->emit("shutdown");
  EXPECT_TRUE(log.wait_for("disconnect server shutting down"));
  EXPECT_TRUE(c->wait_closed());
}

}  // namespace
}  // namespace sockio::test
