#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

struct two_shards {
  two_shards() : srv(options()) {
    srv.io.on_connection([this](const std::shared_ptr<sio::socket>& s) {
      s->join("r");
      s->on("relay", [s](json args, sio::ack_fn ack) {
        s->to("r").emit("relayed", args[0]);
        ack();
      });
      log.push("connected " + s->id() + " shard=" + std::to_string(s->shard()));
    });
    srv.start();
    for (int i = 0; i < 4; ++i) {
      clients.push_back(connected(srv.port()));
      shard_of.push_back(log.wait_prefix("connected " + clients.back()->id()).back() - '0');
    }
  }
  static sio::server_options options() {
    sio::server_options o;
    o.engine.threads = 2;
    return o;
  }

  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  std::vector<std::unique_ptr<sio_client>> clients;
  std::vector<int> shard_of;
};

TEST(SioThreads, ClientsAreSpreadOverBothShards) {
  two_shards f;
  EXPECT_EQ(std::count(f.shard_of.begin(), f.shard_of.end(), 0), 2);
  EXPECT_EQ(std::count(f.shard_of.begin(), f.shard_of.end(), 1), 2);
}

TEST(SioThreads, RoomBroadcastReachesEveryMemberExactlyOnce) {
  two_shards f;
  f.srv.io.to("r").emit("news", 1);
  f.srv.io.emit("news", 2);  // marker: the next news after 1 must be 2
  for (auto& c : f.clients) {
    EXPECT_EQ(c->wait_event("news")->data[1], 1);
    EXPECT_EQ(c->wait_event("news")->data[1], 2);
  }
}

TEST(SioThreads, SocketBroadcastCrossesShardsAndSkipsSender) {
  two_shards f;
  f.clients[0]->emit("relay", json::array({"hi"}), "/", 1);
  ASSERT_TRUE(f.clients[0]->wait_ack(1));
  for (std::size_t i = 1; i < f.clients.size(); ++i) {
    EXPECT_EQ(f.clients[i]->wait_event("relayed")->data[1], "hi") << i;
  }
  f.srv.io.emit("relayed", "marker");
  EXPECT_EQ(f.clients[0]->wait_event("relayed")->data[1], "marker");
}

TEST(SioThreads, BroadcastAcksComeBackFromBothShards) {
  two_shards f;
  std::promise<std::pair<std::error_code, json>> result;
  f.srv.io.to("r").timeout(5s).emit_with_ack("count", json::array(), [&](std::error_code ec, json responses) {
    result.set_value({ec, responses});
  });
  for (std::size_t i = 0; i < f.clients.size(); ++i) {
    const auto p = f.clients[i]->wait_event("count");
    ASSERT_TRUE(p && p->id);
    f.clients[i]->ack(*p->id, json::array({static_cast<int>(i)}));
  }
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  auto [ec, responses] = future.get();
  EXPECT_FALSE(ec);
  std::vector<int> got = responses.get<std::vector<int>>();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace sockio::test
