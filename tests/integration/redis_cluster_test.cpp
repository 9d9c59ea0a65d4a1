// The Redis Cluster building blocks against a real cluster of the test's own (three
// masters, one replica each): key slots as the cluster computes them, the slot map of
// CLUSTER SLOTS, and the MOVED redirect a node answers for a slot it does not serve.
#include "redis_cluster.hpp"

#include <gtest/gtest.h>

#include <set>

#include "redis_server.hpp"
#include "redis_test_client.hpp"
#include "sockio/codec/random_id.hpp"
#include "sockio/redis/cluster.hpp"
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

/// The slot map as `c`'s node announces it (CLUSTER SLOTS), or nullopt.
std::optional<redis::cluster_topology> read_slot_map(client& c) {
  auto [ec, r] = c.run({"CLUSTER", "SLOTS"});
  if (ec) return std::nullopt;
  return redis::cluster_topology::from_cluster_slots(r, "127.0.0.1");
}

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
  const auto map = read_slot_map(c);
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
  const auto map = read_slot_map(seed);
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
  const auto map = read_slot_map(seed);
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

/// A started cluster client whose messages and slot maps can be waited for.
struct cluster_client {
  cluster_client(loop& l, std::string seed) {
    redis::cluster_options o;
    o.seeds = {std::move(seed)};
    o.connection = options("");
    o.refresh_interval = 100ms;
    c = std::make_unique<redis::cluster>(l.io.get_executor(), o);
    c->on_message([this](const redis::pubsub_message& m) {
      std::lock_guard lock(mutex);
      messages.push_back(std::string(m.channel) + "=" + std::string(m.payload));
      changed.notify_all();
    });
    c->on_topology([this](const redis::cluster_topology& t) {
      std::lock_guard lock(mutex);
      maps.push_back(t);
      changed.notify_all();
    });
    c->on_state([this](bool up) {
      std::lock_guard lock(mutex);
      states.push_back(up);
      changed.notify_all();
    });
    c->start();
  }
  ~cluster_client() { c.reset(); }
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds ms = 5000ms) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, ms, pred);
  }
  std::pair<std::error_code, redis::reply> run(const std::string& key, std::vector<std::string> args) {
    std::promise<std::pair<std::error_code, redis::reply>> p;
    c->command(key, std::move(args), [&](std::error_code ec, redis::reply r) { p.set_value({ec, std::move(r)}); });
    auto f = p.get_future();
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    return f.get();
  }
  void ssubscribe(std::vector<std::string> channels) {
    std::promise<void> done;
    c->ssubscribe(std::move(channels), [&] { done.set_value(); });
    EXPECT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  }

  std::unique_ptr<redis::cluster> c;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> messages;
  std::vector<redis::cluster_topology> maps;
  std::vector<bool> states;  // each change of connected()
};

std::vector<std::string> channels(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("socket.io#/#room" + std::to_string(i) + "#");
  return out;
}

TEST_F(RedisCluster, TheClientRoutesCommandsByTheirKeysSlot) {
  loop l;
  // Any node is a seed; the commands made before the map is read wait for it.
  cluster_client cc(l, cluster->node(cluster->nodes().size() - 1).url());
  for (int i = 0; i < 50; ++i) {
    const auto key = "key:" + std::to_string(i);
    auto [ec, r] = cc.run(key, {"SET", key, std::to_string(i)});
    ASSERT_FALSE(ec) << key << " " << r.text();
  }
  ASSERT_TRUE(cc.wait([&] { return !cc.maps.empty(); }));
  EXPECT_TRUE(cc.c->connected());
  const auto map = cc.c->topology();
  ASSERT_TRUE(map);
  EXPECT_EQ(map->masters().size(), 3u);
  // Each key is on the master of its slot (asked directly, without the client).
  client direct(l, options("redis://127.0.0.1:" + std::to_string(map->master_for(redis::key_slot("key:7"))->port)));
  ASSERT_TRUE(direct.wait([&] { return direct.ups == 1; }));
  EXPECT_EQ(direct.run({"GET", "key:7"}).second.text(), "7");
  for (int i = 0; i < 50; ++i) {
    const auto key = "key:" + std::to_string(i);
    EXPECT_EQ(cc.run(key, {"GET", key}).second.text(), std::to_string(i));
  }
}

TEST_F(RedisCluster, ShardedChannelsAreSubscribedOnTheirMasters) {
  loop l;
  cluster_client cc(l, cluster->url());
  const auto names = channels(30);
  cc.ssubscribe(names);
  for (const auto& ch : names) {
    auto [ec, r] = cc.run(ch, {"SPUBLISH", ch, "hi"});
    ASSERT_FALSE(ec) << ch;
    EXPECT_EQ(r.integer, 1) << ch;
  }
  ASSERT_TRUE(cc.wait([&] { return cc.messages.size() == names.size(); }));
  // Every master counts its own channels' subscribers: one each, summed over the masters.
  std::promise<std::pair<std::error_code, std::vector<redis::reply>>> counted;
  cc.c->command_masters({"PUBSUB", "SHARDNUMSUB", names[0], names[1], names[2]},
                        [&](std::error_code ec, std::vector<redis::reply> r) {
                          counted.set_value({ec, std::move(r)});
                        });
  auto [ec, replies] = counted.get_future().get();
  ASSERT_FALSE(ec);
  ASSERT_EQ(replies.size(), 3u);
  std::int64_t total = 0;
  for (const auto& r : replies) {
    for (std::size_t i = 1; i < r.elements.size(); i += 2) total += r.elements[i].integer;
  }
  EXPECT_EQ(total, 3);
  // A channel of the same slot (the whole name as its hash tag) is answered by the same
  // connection after the SUNSUBSCRIBE: once it is, names[0] has no subscriber.
  cc.c->sunsubscribe({names[0]});
  cc.ssubscribe({"{" + names[0] + "}after"});
  EXPECT_EQ(cc.run(names[0], {"SPUBLISH", names[0], "gone"}).second.integer, 0);
  EXPECT_EQ(cc.run(names[1], {"SPUBLISH", names[1], "still"}).second.integer, 1);
}

// A Redis that is not a cluster answers CLUSTER SLOTS with an error: the client takes it
// as one master serving every slot (sharded pub/sub works there too).
TEST(RedisClusterStandalone, ARedisThatIsNotAClusterServesEverySlot) {
  redis_server server;
  loop l;
  cluster_client cc(l, server.url());
  const auto names = channels(5);
  cc.ssubscribe(names);
  for (const auto& ch : names) {
    auto [ec, r] = cc.run(ch, {"SPUBLISH", ch, "hi"});
    ASSERT_FALSE(ec) << ch << " " << r.text();
    EXPECT_EQ(r.integer, 1) << ch;
  }
  ASSERT_TRUE(cc.wait([&] { return cc.messages.size() == names.size(); }));
  const auto map = cc.c->topology();
  ASSERT_TRUE(map);
  ASSERT_EQ(map->masters().size(), 1u);
  EXPECT_EQ(map->masters()[0].port, server.port());
  EXPECT_TRUE(map->covers_all_slots());
  EXPECT_TRUE(cc.c->connected());
}

class RedisClusterFailover : public ::testing::Test {};

TEST_F(RedisClusterFailover, SubscriptionsFollowTheReplicaThatTakesOver) {
  redis_cluster own(3, 1);
  loop l;
  cluster_client cc(l, own.url());
  const auto names = channels(12);
  cc.ssubscribe(names);
  ASSERT_TRUE(cc.wait([&] { return !cc.maps.empty(); }));
  const auto before = *cc.c->topology();
  // The master serving the first channel goes away; its replica is promoted.
  const auto slot = redis::key_slot(names[0]);
  const auto old_master = *before.master_for(slot);
  for (auto* n : own.nodes()) {
    if (n->port() == old_master.port) n->kill();
  }
  ASSERT_TRUE(cc.wait(
      [&] {
        if (cc.maps.empty()) return false;
        const auto* m = cc.maps.back().master_for(slot);
        return m && m->port != old_master.port;
      },
      30s))
      << "no new master for slot " << slot;
  // Connected again once the new master is: down when the old one went, then up.
  ASSERT_TRUE(cc.wait([&] { return cc.states.size() >= 3 && cc.states.back(); }, 30s))
      << ::testing::PrintToString(cc.states);
  EXPECT_EQ(cc.states[0], true);
  EXPECT_EQ(cc.states[1], false);
  EXPECT_TRUE(cc.c->connected());
  // Every channel is back on its (new) owner; the placement is asynchronous, so the
  // publish is tried until a subscriber is there.
  std::size_t delivered = 0;
  for (const auto& ch : names) {
    std::int64_t receivers = 0;
    for (int i = 0; i < 300 && (receivers = cc.run(ch, {"SPUBLISH", ch, "after"}).second.integer) == 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(receivers, 1) << ch;
    delivered += static_cast<std::size_t>(receivers);
  }
  ASSERT_TRUE(cc.wait([&] { return cc.messages.size() >= delivered; }));
  EXPECT_EQ(delivered, names.size());
}

TEST_F(RedisClusterFailover, AMovedSlotIsFollowedByCommandsAndSubscriptions) {
  redis_cluster own(3, 0);
  loop l;
  cluster_client cc(l, own.url());
  const std::string channel = "socket.io#/#moving#";
  cc.ssubscribe({channel});
  ASSERT_TRUE(cc.wait([&] { return !cc.maps.empty(); }));
  const auto before = *cc.c->topology();
  const auto slot = redis::key_slot(channel);
  const auto from = *before.master_for(slot);
  redis::cluster_node to;
  for (const auto& m : before.masters()) {
    if (!(m == from)) to = m;
  }
  // The (empty) slot is given to another master, as a resharding ends; the client's map is
  // now stale.
  for (const auto& m : before.masters()) {
    ASSERT_NE(redis_cluster::cli(m.port, "CLUSTER SETSLOT " + std::to_string(slot) + " NODE " + to.id).find("OK"),
              std::string::npos);
  }
  // A command on the slot gets MOVED and is sent again to the new owner.
  const std::string key = "{" + channel + "}key";
  auto [ec, r] = cc.run(key, {"SET", key, "v"});
  ASSERT_FALSE(ec) << r.text();
  client direct(l, options("redis://127.0.0.1:" + std::to_string(to.port)));
  ASSERT_TRUE(direct.wait([&] { return direct.ups == 1; }));
  EXPECT_EQ(direct.run({"GET", key}).second.text(), "v");
  // The map is read again, and the subscription (ended by the old owner) is on the new one.
  ASSERT_TRUE(cc.wait([&] {
    if (cc.maps.size() < 2) return false;
    const auto* m = cc.maps.back().master_for(slot);
    return m && *m == to;
  }));
  std::int64_t receivers = 0;
  for (int i = 0; i < 300 && (receivers = direct.run({"SPUBLISH", channel, "moved"}).second.integer) == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(receivers, 1);
  ASSERT_TRUE(cc.wait([&] { return !cc.messages.empty(); }));
  EXPECT_EQ(cc.messages.back(), channel + "=moved");
}

}  // namespace
}  // namespace sockio::test
