// The Redis Cluster building blocks against a real cluster of the test's own (three
// masters, one replica each): key slots as the cluster computes them, the slot map of
// CLUSTER SLOTS, and the MOVED redirect a node answers for a slot it does not serve.
#include "redis_cluster.hpp"

#include <gtest/gtest.h>

#include <set>

#include "redis_test_client.hpp"
#include "sockio/codec/random_id.hpp"
#include "sockio/redis/cluster_topology.hpp"
#include "sockio/redis/key_slot.hpp"

namespace sockio::test {
namespace {

class RedisCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster = new redis_cluster(3, 1); }
  static void TearDownTestSuite() {
    delete cluster;
    cluster = nullptr;
  }
  static redis_cluster* cluster;
};

redis_cluster* RedisCluster::cluster = nullptr;

TEST_F(RedisCluster, KeySlotsAreTheClustersOwn) {
  loop l;
  client c(l, options(cluster->url()));
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  std::vector<std::string> keys = {"",
                                   "{",
                                   "}",
                                   "{}",
                                   "{}x",
                                   "x{}",
                                   "{a}",
                                   "a{b}c",
                                   "a{{b}}",
                                   "{a}{b}",
                                   "a{b",
                                   "socket.io#/#",
                                   "socket.io#/#room1#",
                                   "socket.io#/admin#",
                                   "sio:session:abc"};
  for (int i = 0; i < 200; ++i) keys.push_back(codec::random_id(1 + i % 24));
  keys.push_back(std::string("bin\0ary\xff", 8));
  for (const auto& key : keys) {
    auto [ec, r] = c.run({"CLUSTER", "KEYSLOT", key});
    ASSERT_FALSE(ec) << key;
    EXPECT_EQ(r.integer, redis::key_slot(key)) << key;
  }
}

TEST_F(RedisCluster, TheSlotMapNamesEveryMaster) {
  loop l;
  client c(l, options(cluster->url()));
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  auto [ec, r] = c.run({"CLUSTER", "SLOTS"});
  ASSERT_FALSE(ec);
  const auto map = redis::cluster_topology::from_cluster_slots(r, "127.0.0.1");
  ASSERT_TRUE(map);
  EXPECT_TRUE(map->covers_all_slots());
  const auto masters = map->masters();
  ASSERT_EQ(masters.size(), 3u);
  std::set<std::uint16_t> ports;
  for (const auto* n : cluster->nodes()) ports.insert(n->port());
  std::set<std::uint16_t> master_ports;
  for (const auto& range : map->ranges()) {
    master_ports.insert(range.master.port);
    EXPECT_TRUE(ports.contains(range.master.port));
    EXPECT_EQ(range.master.host, "127.0.0.1");
    EXPECT_EQ(range.master.id.size(), 40u);
    // (Redis 7.0 lists a replica here only once it has replicated data.)
    for (const auto& replica : range.replicas) EXPECT_TRUE(ports.contains(replica.port));
  }
  EXPECT_EQ(master_ports.size(), 3u);
}

TEST_F(RedisCluster, ANodeRedirectsToTheSlotsMaster) {
  loop l;
  client seed(l, options(cluster->url()));
  ASSERT_TRUE(seed.wait([&] { return seed.ups == 1; }));
  auto [ec, slots] = seed.run({"CLUSTER", "SLOTS"});
  ASSERT_FALSE(ec);
  const auto map = redis::cluster_topology::from_cluster_slots(slots, "127.0.0.1");
  ASSERT_TRUE(map);
  int redirected = 0;
  for (int i = 0; i < 20; ++i) {
    const auto key = "k" + std::to_string(i);
    const auto* owner = map->master_for(redis::key_slot(key));
    ASSERT_NE(owner, nullptr);
    auto [set_ec, reply] = seed.run({"SET", key, "v"});
    if (owner->port == cluster->node(0).port()) {
      EXPECT_FALSE(set_ec) << key;
      continue;
    }
    // Another master's slot: "MOVED <slot> <host>:<port>", naming that master.
    ASSERT_TRUE(reply.is_error()) << key;
    const auto moved = redis::parse_redirect(reply.text());
    ASSERT_TRUE(moved) << reply.text();
    EXPECT_EQ(moved->type, redis::redirect::kind::moved);
    EXPECT_EQ(moved->slot, redis::key_slot(key));
    EXPECT_EQ(moved->port, owner->port);
    ++redirected;
  }
  EXPECT_GT(redirected, 0);
}

TEST_F(RedisCluster, AShardedSubscriptionOnAnotherNodesSlotIsRefusedWithItsOwner) {
  loop l;
  client seed(l, options(cluster->url()));
  ASSERT_TRUE(seed.wait([&] { return seed.ups == 1; }));
  auto [ec, slots] = seed.run({"CLUSTER", "SLOTS"});
  ASSERT_FALSE(ec);
  const auto map = redis::cluster_topology::from_cluster_slots(slots, "127.0.0.1");
  ASSERT_TRUE(map);
  const auto home = map->masters().front();
  // One channel this master serves, one another master serves.
  std::string own, foreign;
  for (int i = 0; own.empty() || foreign.empty(); ++i) {
    const auto channel = "socket.io#/#room" + std::to_string(i) + "#";
    const auto* owner = map->master_for(redis::key_slot(channel));
    ASSERT_NE(owner, nullptr);
    (*owner == home ? own : foreign) = channel;
  }
  client sub(l, options("redis://127.0.0.1:" + std::to_string(home.port)));
  client pub(l, options("redis://127.0.0.1:" + std::to_string(home.port)));
  std::promise<void> answered;
  sub.conn->ssubscribe({own, foreign}, [&] { answered.set_value(); });
  ASSERT_EQ(answered.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(sub.wait([&] { return sub.lost_shards.size() == 1; }));
  const auto& lost = sub.lost_shards.front();
  ASSERT_TRUE(lost.starts_with(foreign + "=")) << lost;
  const auto moved = redis::parse_redirect(lost.substr(foreign.size() + 1));
  ASSERT_TRUE(moved) << lost;
  EXPECT_EQ(moved->port, map->master_for(redis::key_slot(foreign))->port);
  // The other subscription stands.
  ASSERT_TRUE(pub.wait([&] { return pub.ups == 1; }));
  EXPECT_EQ(pub.run({"SPUBLISH", own, "hello"}).second.integer, 1);
  ASSERT_TRUE(sub.wait([&] { return sub.messages.size() == 1; }));
  EXPECT_EQ(sub.messages.front(), own + "=hello");
}

}  // namespace
}  // namespace sockio::test
