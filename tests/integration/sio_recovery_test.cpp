#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

struct recovery_fixture {
  explicit recovery_fixture(std::chrono::milliseconds keep = 120s, unsigned threads = 1) : srv(options(keep, threads)) {
    srv.io.use([this](const std::shared_ptr<sio::socket>&, sio::next_fn next) {
      log.push("middleware");
      next(std::nullopt);
    });
    srv.io.on_connection([this](const std::shared_ptr<sio::socket>& s) {
      if (!s->recovered()) {
        s->join("r");
        s->data()["first"] = "kept";
      }
      s->on("state", [s](json, sio::ack_fn ack) { ack.reply(json(s->rooms()), s->data()); });
      log.push("connected " + s->id() + " recovered=" + std::to_string(s->recovered()));
    });
    srv.start();
  }

  static sio::server_options options(std::chrono::milliseconds keep, unsigned threads) {
    sio::server_options o;
    o.engine.threads = threads;
    o.connection_state_recovery = sio::recovery_options{keep, true};
    return o;
  }

  /// Connects, receives one event so as to hold an offset, then drops the transport.
  struct dropped {
    std::string sid, pid, offset;
  };
  dropped connect_and_drop() {
    sio_client c(srv.port());
    const auto reply = c.connect("/");
    dropped d{reply.data.at("sid"), reply.data.at("pid"), {}};
    EXPECT_TRUE(log.wait_for("connected " + d.sid + " recovered=0"));
    srv.io.to("r").emit("e", "before");
    const auto e = c.wait_event("e");
    EXPECT_TRUE(e);
    if (e) {
      EXPECT_EQ(e->data.size(), 3u);  // event, argument, offset
      d.offset = e->data.back().get<std::string>();
    }
    c.close();
    EXPECT_TRUE(log.wait_for("disconnected"));
    return d;
  }

  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
};

TEST(SioRecovery, ReconnectWithinTheWindowRestoresIdRoomsDataAndMissedPackets) {
  recovery_fixture f;
  f.srv.io.on_connection([&f](const std::shared_ptr<sio::socket>& s) {
    s->on_disconnect([&f](std::string_view) { f.log.push("disconnected"); });
  });
  const auto d = f.connect_and_drop();
  f.srv.io.to("r").emit("e", "missed in room");
  f.srv.io.to("other").emit("e", "not for us");
  f.srv.io.emit("e", "missed for all");

  sio_client c(f.srv.port());
  const auto reply = c.connect("/", json{{"pid", d.pid}, {"offset", d.offset}, {"token", "t"}});
  ASSERT_EQ(reply.type, sio::packet_type::connect);
  EXPECT_EQ(reply.data["sid"], d.sid);
  EXPECT_EQ(reply.data["pid"], d.pid);
  EXPECT_TRUE(f.log.wait_for("connected " + d.sid + " recovered=1"));
  EXPECT_EQ(f.log.count("middleware"), 1u);  // skipped for the recovered socket
  const auto first = c.wait_event("e");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->data[1], "missed in room");
  const auto second = c.wait_event("e");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->data[1], "missed for all");
  c.emit("state", json::array(), "/", 1);
  const auto state = c.wait_ack(1);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->data[0].get<std::set<std::string>>(), (std::set<std::string>{d.sid, "r"}));
  EXPECT_EQ(state->data[1]["first"], "kept");
}

TEST(SioRecovery, UnknownOffsetOrPidStartsAFreshSession) {
  recovery_fixture f;
  f.srv.io.on_connection([&f](const std::shared_ptr<sio::socket>& s) {
    s->on_disconnect([&f](std::string_view) { f.log.push("disconnected"); });
  });
  const auto d = f.connect_and_drop();
  sio_client wrong_offset(f.srv.port());
  const auto a = wrong_offset.connect("/", json{{"pid", d.pid}, {"offset", "no-such-offset"}});
  EXPECT_NE(a.data["sid"], d.sid);
  sio_client wrong_pid(f.srv.port());
  const auto b = wrong_pid.connect("/", json{{"pid", "nope"}, {"offset", d.offset}});
  EXPECT_NE(b.data["sid"], d.sid);
  EXPECT_EQ(f.log.count("middleware"), 3u);
}

TEST(SioRecovery, ExpiredSessionIsNotRestored) {
  recovery_fixture f(150ms);
  f.srv.io.on_connection([&f](const std::shared_ptr<sio::socket>& s) {
    s->on_disconnect([&f](std::string_view) { f.log.push("disconnected"); });
  });
  const auto d = f.connect_and_drop();
  std::this_thread::sleep_for(300ms);  // the passing of time is what is tested here
  sio_client c(f.srv.port());
  const auto reply = c.connect("/", json{{"pid", d.pid}, {"offset", d.offset}});
  EXPECT_NE(reply.data["sid"], d.sid);
}

TEST(SioRecovery, ServerNamespaceDisconnectIsNotRecoverable) {
  recovery_fixture f;
  std::string pid, sid, offset;
  {
    sio_client c(f.srv.port());
    const auto reply = c.connect("/");
    sid = reply.data["sid"];
    pid = reply.data["pid"];
    f.srv.io.to("r").emit("e", "x");
    offset = c.wait_event("e")->data.back();
    f.srv.io.in(sid).disconnect_sockets();
    ASSERT_TRUE(c.wait_disconnect());
  }
  sio_client c(f.srv.port());
  EXPECT_NE(c.connect("/", json{{"pid", pid}, {"offset", offset}}).data["sid"], sid);
}

TEST(SioRecovery, RecoveryAcrossShards) {
  recovery_fixture f(120s, 2);
  f.srv.io.on_connection([&f](const std::shared_ptr<sio::socket>& s) {
    s->on_disconnect([&f](std::string_view) { f.log.push("disconnected"); });
  });
  const auto d = f.connect_and_drop();  // connection 1: shard 0
  f.srv.io.to("r").emit("e", "missed");
  sio_client c(f.srv.port());  // connection 2: shard 1
  EXPECT_EQ(c.connect("/", json{{"pid", d.pid}, {"offset", d.offset}}).data["sid"], d.sid);
  const auto missed = c.wait_event("e");
  ASSERT_TRUE(missed);
  EXPECT_EQ(missed->data[1], "missed");
}

}  // namespace
}  // namespace sockio::test
