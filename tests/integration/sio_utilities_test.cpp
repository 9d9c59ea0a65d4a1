#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

struct utilities_fixture {
  utilities_fixture(unsigned threads = 1) : srv(options(threads)) {
    srv.io.on_connection([this](const std::shared_ptr<sio::socket>& s) {
      s->data()["name"] = s->handshake().auth().value("name", "");
      for (const auto& r : s->handshake().auth().value("rooms", json::array())) s->join(r.get<std::string>());
      s->on_disconnect([this, s](std::string_view reason) {
        log.push("disconnect " + s->data()["name"].get<std::string>() + " " + std::string(reason));
      });
      s->on("rooms", [s](json, sio::ack_fn ack) { ack.reply(json(s->rooms())); });
      log.push("connected " + s->data()["name"].get<std::string>());
    });
    srv.start();
  }

  static sio::server_options options(unsigned threads) {
    sio::server_options o;
    o.engine.threads = threads;
    return o;
  }

  std::unique_ptr<sio_client> client(const std::string& name, std::vector<std::string> rooms) {
    auto c = connected(srv.port(), "/", json{{"name", name}, {"rooms", rooms}});
    EXPECT_TRUE(log.wait_for("connected " + name));
    return c;
  }

  /// fetch_sockets on `op`, waited for.
  std::vector<sio::remote_socket> fetch(const sio::broadcast_operator& op) {
    std::promise<std::vector<sio::remote_socket>> found;
    op.fetch_sockets([&](std::error_code ec, std::vector<sio::remote_socket> sockets) {
      EXPECT_FALSE(ec);
      found.set_value(std::move(sockets));
    });
    auto f = found.get_future();
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    return f.get();
  }

  std::set<std::string> rooms_of(sio_client& c, std::uint64_t id) {
    c.emit("rooms", json::array(), "/", id);
    auto ack = c.wait_ack(id);
    return ack ? ack->data[0].get<std::set<std::string>>() : std::set<std::string>{};
  }

  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
};

std::set<std::string> names(const std::vector<sio::remote_socket>& sockets) {
  std::set<std::string> out;
  for (const auto& s : sockets) out.insert(s.data["name"].get<std::string>());
  return out;
}

TEST(SioUtilities, FetchSocketsSeesIdsRoomsDataAndHandshake) {
  utilities_fixture f;
  auto a = f.client("a", {"r1"});
  auto b = f.client("b", {"r2"});
  const auto all = f.fetch(f.srv.io.of("/").to(std::vector<std::string>{}));
  EXPECT_EQ(names(all), (std::set<std::string>{"a", "b"}));
  const auto in_r1 = f.fetch(f.srv.io.in("r1"));
  ASSERT_EQ(in_r1.size(), 1u);
  EXPECT_EQ(in_r1[0].id, a->id());
  EXPECT_EQ(in_r1[0].rooms, (std::set<std::string>{a->id(), "r1"}));
  EXPECT_EQ(in_r1[0].handshake.auth()["name"], "a");
  EXPECT_EQ(names(f.fetch(f.srv.io.except("r1"))), (std::set<std::string>{"b"}));
}

TEST(SioUtilities, RemoteSocketActsOnTheRealSocket) {
  utilities_fixture f;
  auto a = f.client("a", {});
  auto found = f.fetch(f.srv.io.to(a->id()));
  ASSERT_EQ(found.size(), 1u);
  found[0].emit("hello", "remote");
  const auto hello = a->wait_event("hello");
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->data[1], "remote");
  found[0].join("joined-remotely");
  EXPECT_EQ(f.rooms_of(*a, 1), (std::set<std::string>{a->id(), "joined-remotely"}));
  found[0].leave("joined-remotely");
  EXPECT_EQ(f.rooms_of(*a, 2), (std::set<std::string>{a->id()}));
  found[0].disconnect();
  EXPECT_TRUE(a->wait_disconnect());
  EXPECT_TRUE(f.log.wait_for("disconnect a server namespace disconnect"));
}

TEST(SioUtilities, SocketsJoinAndLeave) {
  utilities_fixture f;
  auto a = f.client("a", {"r1"});
  auto b = f.client("b", {});
  f.srv.io.in("r1").sockets_join({"r2", "r3"});
  EXPECT_EQ(f.rooms_of(*a, 1), (std::set<std::string>{a->id(), "r1", "r2", "r3"}));
  EXPECT_EQ(f.rooms_of(*b, 1), (std::set<std::string>{b->id()}));
  f.srv.io.of("/").sockets_leave({"r2"});
  EXPECT_EQ(f.rooms_of(*a, 2), (std::set<std::string>{a->id(), "r1", "r3"}));
}

TEST(SioUtilities, DisconnectSockets) {
  utilities_fixture f;
  auto a = f.client("a", {"doomed"});
  auto b = f.client("b", {});
  auto c = f.client("c", {"closed"});
  f.srv.io.in("doomed").disconnect_sockets();
  EXPECT_TRUE(a->wait_disconnect());
  EXPECT_TRUE(f.log.wait_for("disconnect a server namespace disconnect"));
  EXPECT_FALSE(a->wait_closed(200ms));  // only the namespace was left
  f.srv.io.in("closed").disconnect_sockets(true);
  EXPECT_TRUE(f.log.wait_for("disconnect c server namespace disconnect"));
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(f.rooms_of(*b, 1), (std::set<std::string>{b->id()}));  // b untouched
}

TEST(SioUtilities, ServerSideEmitOnOneNodeAnswersWithNoResponses) {
  utilities_fixture f;
  std::promise<std::pair<std::error_code, json>> result;
  f.srv.io.of("/").server_side_emit("hello", json::array({1}), [&](std::error_code ec, json responses) {
    result.set_value({ec, responses});
  });
  auto [ec, responses] = result.get_future().get();
  EXPECT_FALSE(ec);
  EXPECT_EQ(responses, json::array());
}

TEST(SioUtilities, WorkAcrossTwoShards) {
  utilities_fixture f(2);
  auto a = f.client("a", {"r"});
  auto b = f.client("b", {"r"});
  EXPECT_EQ(names(f.fetch(f.srv.io.in("r"))), (std::set<std::string>{"a", "b"}));
  f.srv.io.in("r").sockets_join({"extra"});
  EXPECT_EQ(f.rooms_of(*a, 1), (std::set<std::string>{a->id(), "extra", "r"}));
  EXPECT_EQ(f.rooms_of(*b, 1), (std::set<std::string>{b->id(), "extra", "r"}));
  f.srv.io.in("extra").disconnect_sockets();
  EXPECT_TRUE(f.log.wait_for("disconnect a server namespace disconnect"));
  EXPECT_TRUE(f.log.wait_for("disconnect b server namespace disconnect"));
}

TEST(SioUtilities, AllRoomsGathersEveryShardsRooms) {
  utilities_fixture f(2);
  auto a = f.client("a", {"r1", "shared"});
  auto b = f.client("b", {"r2", "shared"});
  auto c = f.client("c", {});
  std::promise<std::set<std::string>> found;
  f.srv.io.of("/").all_rooms([&](std::error_code ec, std::set<std::string> rooms) {
    EXPECT_FALSE(ec);
    found.set_value(std::move(rooms));
  });
  auto rooms = found.get_future();
  ASSERT_EQ(rooms.wait_for(5s), std::future_status::ready);
  const std::set<std::string> expected{"r1", "r2", "shared", a->id(), b->id(), c->id()};
  EXPECT_EQ(rooms.get(), expected);
}

TEST(SioUtilities, ServerCountIsOneWithoutACluster) {
  utilities_fixture f;
  std::promise<std::size_t> count;
  f.srv.io.of("/").server_count([&](std::size_t n) { count.set_value(n); });
  auto n = count.get_future();
  ASSERT_EQ(n.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(n.get(), 1u);
}

}  // namespace
}  // namespace sockio::test
