// Redis Cluster building blocks: key slots, the slot map of CLUSTER SLOTS, redirects.
// (The slots are also checked against a real cluster's CLUSTER KEYSLOT in the
// integration tests.)
#include <gtest/gtest.h>

#include "sockio/redis/cluster_topology.hpp"
#include "sockio/redis/key_slot.hpp"

namespace sockio::redis {
namespace {

TEST(RedisKeySlot, Crc16IsXmodem) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);  // the algorithm's check value
  EXPECT_EQ(crc16(""), 0);
}

TEST(RedisKeySlot, HashTagsFollowTheFirstBraces) {
  // Redis's documented examples.
  EXPECT_EQ(key_slot("somekey"), 11058);
  EXPECT_EQ(key_slot("foo{hash_tag}"), 2515);
  EXPECT_EQ(key_slot("bar{hash_tag}"), 2515);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("{user1000}.followers"), key_slot("user1000"));
  // An empty tag hashes the whole key; only the first "{...}" counts.
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") % cluster_slot_count);
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
  EXPECT_EQ(key_slot("foo{bar"), crc16("foo{bar") % cluster_slot_count);
  // The sharded adapter's channels of one namespace land on different slots.
  EXPECT_NE(key_slot("socket.io#/#"), key_slot("socket.io#/#room1#"));
}

reply integer(std::int64_t v) {
  reply r;
  r.type = reply::kind::integer;
  r.integer = v;
  return r;
}
reply bulk(std::string s) {
  reply r;
  r.type = reply::kind::string;
  r.str = std::move(s);
  return r;
}
reply array(std::vector<reply> e) {
  reply r;
  r.type = reply::kind::array;
  r.elements = std::move(e);
  return r;
}
reply node(std::string host, std::int64_t port, std::string id) {
  return array({bulk(std::move(host)), integer(port), bulk(std::move(id)), array({})});
}

TEST(RedisClusterTopology, ReadsClusterSlots) {
  // As Redis 7 answers: the ranges in any order, the master then its replicas.
  const auto r = array({
      array({integer(5461), integer(10922), node("127.0.0.1", 7001, "b"), node("127.0.0.1", 7004, "e")}),
      array({integer(0), integer(5460), node("127.0.0.1", 7000, "a"), node("127.0.0.1", 7003, "d")}),
      array({integer(10923), integer(16383), node("?", 7002, "c")}),
  });
  const auto t = cluster_topology::from_cluster_slots(r, "10.0.0.9");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->covers_all_slots());
  ASSERT_EQ(t->ranges().size(), 3u);
  EXPECT_EQ(t->ranges()[0].first, 0);
  EXPECT_EQ(t->ranges()[0].replicas.size(), 1u);
  EXPECT_EQ(t->master_for(0)->port, 7000);
  EXPECT_EQ(t->master_for(5460)->port, 7000);
  EXPECT_EQ(t->master_for(5461)->port, 7001);
  EXPECT_EQ(t->master_for(16383)->port, 7002);
  EXPECT_EQ(t->master_for(16383)->host, "10.0.0.9");  // "?": the host that answered
  EXPECT_EQ(t->master_for(16383)->id, "c");
  const auto masters = t->masters();
  ASSERT_EQ(masters.size(), 3u);
  EXPECT_EQ(masters[1].port, 7001);
}

TEST(RedisClusterTopology, AGapIsNotCovered) {
  const auto r = array(
      {array({integer(0), integer(100), node("h", 1, "a")}), array({integer(200), integer(16383), node("h", 2, "b")})});
  const auto t = cluster_topology::from_cluster_slots(r, "h");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->covers_all_slots());
  EXPECT_EQ(t->master_for(150), nullptr);
  EXPECT_EQ(t->master_for(100)->port, 1);
  EXPECT_EQ(t->master_for(200)->port, 2);
  ASSERT_TRUE(cluster_topology::from_cluster_slots(array({}), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({}), "h")->covers_all_slots());
}

TEST(RedisClusterTopology, BadRepliesAreRefused) {
  const auto ok_node = node("h", 1, "a");
  EXPECT_FALSE(cluster_topology::from_cluster_slots(bulk("x"), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({bulk("x")}), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({array({integer(0), integer(1)})}), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({array({integer(5), integer(1), ok_node})}), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({array({integer(0), integer(16384), ok_node})}), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({array({integer(0), integer(1), node("h", 0, "a")})}), "h"));
  EXPECT_FALSE(
      cluster_topology::from_cluster_slots(array({array({integer(0), integer(1), node("h", 70000, "a")})}), "h"));
  EXPECT_FALSE(cluster_topology::from_cluster_slots(array({array({integer(0), integer(1), bulk("h")})}), "h"));
  // Overlapping ranges are not a slot map.
  EXPECT_FALSE(cluster_topology::from_cluster_slots(
      array({array({integer(0), integer(10), ok_node}), array({integer(10), integer(20), ok_node})}), "h"));
}

TEST(RedisRedirect, MovedAndAsk) {
  auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->type, redirect::kind::moved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->host, "127.0.0.1");
  EXPECT_EQ(moved->port, 6381);
  auto ask = parse_redirect("ASK 0 ::1:7000");
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->type, redirect::kind::ask);
  EXPECT_EQ(ask->host, "::1");
  EXPECT_EQ(ask->port, 7000);
  auto same_host = parse_redirect("MOVED 1 :7002");
  ASSERT_TRUE(same_host);
  EXPECT_EQ(same_host->host, "");
  for (const char* bad : {"ERR unknown command", "MOVED", "MOVED 3999", "MOVED x 1.2.3.4:5", "MOVED 16384 h:1",
                          "MOVED 1 h", "MOVED 1 h:0", "MOVED 1 h:65536", "MOVED 1 h:12x", "moved 1 h:1"}) {
    EXPECT_FALSE(parse_redirect(bad)) << bad;
  }
}

}  // namespace
}  // namespace sockio::redis
