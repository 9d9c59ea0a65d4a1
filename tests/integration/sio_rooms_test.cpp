#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

/// A server whose sockets join the rooms named in their auth `rooms` and can ask for
/// broadcasts through events.
struct rooms_fixture {
  rooms_fixture() {
    srv.io.on_connection([this](const std::shared_ptr<sio::socket>& s) {
      for (const auto& r : s->handshake().auth().value("rooms", json::array())) s->join(r.get<std::string>());
      // Both answer with the rooms, whether the socket is in the room named, and whether
      // it is in its own id's room.
      s->on("join", [s](json args, sio::ack_fn ack) {
        const auto r = args[0].get<std::string>();
        s->join(r);
        ack.reply(json(s->rooms()), s->in_room(r), s->in_room(s->id()));
      });
      s->on("leave", [s](json args, sio::ack_fn ack) {
        const auto r = args[0].get<std::string>();
        s->leave(r);
        ack.reply(json(s->rooms()), s->in_room(r), s->in_room(s->id()));
      });
      s->on("to-room", [s](json args, sio::ack_fn ack) {
        s->to(args[0].get<std::string>()).emit("news", args[1]);
        ack();
      });
      s->on("io-to-rooms", [this](json args, sio::ack_fn ack) {
        srv.io.to(args[0].get<std::vector<std::string>>())
            .except(args[1].get<std::vector<std::string>>())
            .emit("news", args[2]);
        ack();
      });
      s->on("broadcast", [s](json args, sio::ack_fn ack) {
        s->broadcast().emit("news", args[0]);
        ack();
      });
    });
    srv.io.of("/").on_room_event([this](sio::room_event e, const sio::room& r, const std::string& sid) {
      static const char* names[] = {"create-room", "delete-room", "join-room", "leave-room"};
      if (r == sid) return;  // own-id rooms are noise here
      log.push(std::string(names[static_cast<int>(e)]) + " " + r + (sid.empty() ? "" : " " + sid));
    });
    srv.start();
  }

  std::unique_ptr<sio_client> client(std::vector<std::string> rooms) {
    return connected(srv.port(), "/", json{{"rooms", rooms}});
  }

  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
};

/// Asserts that the next `news` of `c` carries `text`. To check that a client got
/// nothing, tests broadcast a "marker" to everyone afterwards: packets are delivered in
/// order, so the marker must be its next news.
void expect_news(sio_client& c, const std::string& text) {
  const auto p = c.wait_event("news");
  ASSERT_TRUE(p) << "no news for " << c.id();
  EXPECT_EQ(p->data[1], text);
}

TEST(SioRooms, ToRoomFromSocketExcludesSender) {
  rooms_fixture f;
  auto a = f.client({"r1"});
  auto b = f.client({"r1"});
  auto outsider = f.client({});
  a->emit("to-room", json::array({"r1", "hello"}), "/", 1);
  ASSERT_TRUE(a->wait_ack(1));
  expect_news(*b, "hello");
  f.srv.io.emit("news", "marker");
  expect_news(*a, "marker");
  expect_news(*outsider, "marker");
}

TEST(SioRooms, ServerToSeveralRoomsDeliversOnceAndHonoursExcept) {
  rooms_fixture f;
  auto both = f.client({"r1", "r2"});
  auto r1 = f.client({"r1"});
  auto r2_muted = f.client({"r2", "muted"});
  auto none = f.client({});
  none->emit("io-to-rooms", json::array({json::array({"r1", "r2"}), json::array({"muted"}), "x"}), "/", 1);
  ASSERT_TRUE(none->wait_ack(1));
  expect_news(*both, "x");
  expect_news(*r1, "x");
  f.srv.io.emit("news", "marker");
  expect_news(*both, "marker");  // once, not twice
  expect_news(*r2_muted, "marker");
  expect_news(*none, "marker");
}

TEST(SioRooms, BroadcastReachesAllButSender) {
  rooms_fixture f;
  auto a = f.client({});
  auto b = f.client({});
  a->emit("broadcast", json::array({"all"}), "/", 1);
  ASSERT_TRUE(a->wait_ack(1));
  expect_news(*b, "all");
  f.srv.io.emit("news", "marker");
  expect_news(*a, "marker");
}

TEST(SioRooms, LeaveStopsDeliveryAndRoomEventsFire) {
  rooms_fixture f;
  auto a = f.client({"r1"});
  const auto id = a->id();
  EXPECT_TRUE(f.log.wait_for("create-room r1"));
  EXPECT_TRUE(f.log.wait_for("join-room r1 " + id));
  a->emit("leave", json::array({"r1"}), "/", 1);
  EXPECT_EQ(a->wait_ack(1)->data, json::array({json::array({id}), false, true}));
  EXPECT_TRUE(f.log.wait_for("leave-room r1 " + id));
  EXPECT_TRUE(f.log.wait_for("delete-room r1"));
  f.srv.io.to("r1").emit("news", "to r1");
  f.srv.io.emit("news", "marker");
  expect_news(*a, "marker");
}

TEST(SioRooms, SocketIdIsARoom) {
  rooms_fixture f;
  auto a = f.client({});
  auto b = f.client({});
  f.srv.io.to(b->id()).emit("news", "private");
  expect_news(*b, "private");
  f.srv.io.emit("news", "marker");
  expect_news(*a, "marker");
}

// A socket's membership of its own room is found through the namespace's sockets, not
// kept as a room of one: a room named after a socket may have other members too, and the
// socket may leave its own room.
TEST(SioRooms, ARoomNamedAfterASocketMayHaveOtherMembersAndBeLeft) {
  rooms_fixture f;
  auto a = f.client({});
  auto b = f.client({});
  a->emit("join", json::array({b->id()}), "/", 1);
  const auto joined = a->wait_ack(1);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->data[0].get<std::set<std::string>>(), (std::set<std::string>{a->id(), b->id()}));
  EXPECT_EQ(joined->data[1], true);
  EXPECT_EQ(joined->data[2], true);
  f.srv.io.to(b->id()).emit("news", "to both");
  expect_news(*a, "to both");
  expect_news(*b, "to both");
  f.srv.io.except(b->id()).emit("news", "not to them");
  f.srv.io.emit("news", "marker");
  expect_news(*a, "marker");
  expect_news(*b, "marker");

  b->emit("leave", json::array({b->id()}), "/", 2);
  EXPECT_EQ(b->wait_ack(2)->data, json::array({json::array(), false, false}));
  f.srv.io.to(b->id()).emit("news", "to a only");
  expect_news(*a, "to a only");
  f.srv.io.emit("news", "marker");
  expect_news(*b, "marker");

  a->emit("leave", json::array({b->id()}), "/", 3);
  ASSERT_TRUE(a->wait_ack(3));
  EXPECT_TRUE(f.log.wait_for("delete-room " + b->id()));
  f.srv.io.to(b->id()).emit("news", "to nobody");
  f.srv.io.emit("news", "marker");
  expect_news(*a, "marker");
  expect_news(*b, "marker");
}

TEST(SioRooms, OperatorsAreImmutable) {
  rooms_fixture f;
  auto r1 = f.client({"r1"});
  auto r2 = f.client({"r2"});
  const auto base = f.srv.io.to("r1");
  const auto wider = base.to("r2");
  EXPECT_EQ(base.options().rooms, (std::set<std::string>{"r1"}));
  EXPECT_EQ(wider.options().rooms, (std::set<std::string>{"r1", "r2"}));
  EXPECT_TRUE(base.volatile_().options().flags.volatile_);
  EXPECT_FALSE(base.options().flags.volatile_);
  EXPECT_TRUE(base.local().options().flags.local);
  EXPECT_FALSE(base.compress(false).options().flags.compress);
  EXPECT_EQ(base.timeout(5s).options().flags.timeout, std::chrono::milliseconds(5000));
  base.emit("news", "only r1");
  expect_news(*r1, "only r1");
  f.srv.io.emit("news", "marker");
  expect_news(*r2, "marker");
}

TEST(SioRooms, VolatileAndLocalFlagsStillDeliverToReadyClients) {
  rooms_fixture f;
  f.srv.io.on_connection([&f](const std::shared_ptr<sio::socket>& s) {
    // Emitted from a handler: by then the write of CONNECT has long completed, so the
    // transport is idle and a volatile packet goes out.
    s->on("go", [&f](json, sio::ack_fn) {
      f.srv.io.to("r1").volatile_().emit("news", "volatile");
      f.srv.io.local().to("r1").emit("news", "local");
    });
  });
  auto a = f.client({"r1"});
  a->emit("go");
  expect_news(*a, "volatile");
  expect_news(*a, "local");
}

TEST(SioRooms, VolatilePacketsAreDroppedWhenTheTransportIsBusy) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  std::shared_ptr<sio::socket> socket;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->join("r");
    socket = s;
    log.push("connected");
  });
  srv.start();
  auto c = connected(srv.port());
  ASSERT_TRUE(log.wait_for("connected"));
  // Within one turn of the loop: the first write is in flight, so later volatile
  // packets find the transport busy and are dropped; a normal packet still goes.
  on_shard(srv.io, 0, [&] {
    srv.io.to("r").emit("news", "first");
    for (int i = 0; i < 10; ++i) srv.io.to("r").volatile_().emit("news", "dropped");
    srv.io.to("r").emit("news", "last");
  });
  expect_news(*c, "first");
  expect_news(*c, "last");
  on_shard(srv.io, 0, [&] { socket.reset(); });
}

}  // namespace
}  // namespace sockio::test
