// redis::connection against a real redis-server: pipelining, pub/sub, reconnection with
// subscriptions restored, commands waiting for a reconnection under way and failing fast
// once Redis is found away, the queue and reply limits,
// AUTH and SELECT, Unix sockets, TLS with verification.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "redis_server.hpp"
#include "redis_test_client.hpp"
#include "sockio/redis/connection.hpp"

namespace {

using namespace std::chrono_literals;
namespace redis = sockio::redis;
using sockio::test::client;
using sockio::test::loop;
using sockio::test::options;
using sockio::test::redis_server;

TEST(RedisConnection, PipelinedCommandsAreAnsweredInOrder) {
  redis_server server;
  loop l;
  client c(l, options(server.url()));
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  std::vector<std::int64_t> seen;
  std::promise<void> all;
  for (int i = 0; i < 1000; ++i) {
    c.conn->command({"INCR", "counter"}, [&, i](std::error_code ec, redis::reply r) {
      EXPECT_FALSE(ec);
      seen.push_back(r.integer);
      if (i == 999) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_EQ(seen.size(), 1000u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int64_t>(i + 1));
  // Binary-safe arguments and an error reply.
  EXPECT_FALSE(c.run({"SET", std::string("k\0\r\n", 4), std::string("v\0\xff", 3)}).first);
  EXPECT_EQ(c.run({"GET", std::string("k\0\r\n", 4)}).second.str, std::string("v\0\xff", 3));
  const auto [ec, r] = c.run({"NOSUCHCOMMAND"});
  EXPECT_EQ(ec, redis::errc::server_error);
  EXPECT_TRUE(r.is_error());
}

TEST(RedisConnection, CommandsFailAtOnceWhileRedisIsUnreachable) {
  const auto port = redis_server::free_port();  // nothing listens there
  loop l;
  client c(l, options("redis://127.0.0.1:" + std::to_string(port)));
  const auto started = std::chrono::steady_clock::now();
  const auto [ec, r] = c.run({"PING"});
  EXPECT_EQ(ec, redis::errc::not_connected);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  EXPECT_GE(c.conn->stats().dropped, 1u);
  EXPECT_FALSE(c.conn->connected());
  // It keeps trying, and comes up once Redis is there.
  redis_server server({}, port);
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  EXPECT_EQ(c.run({"PING"}).second.str, "PONG");
}

TEST(RedisConnection, ACommandIssuedWhileReconnectingWaitsForTheAttempt) {
  redis_server server;
  loop l;
  auto o = options(server.url());
  o.reconnect_delay = 2s;  // a window between the loss and the first retry, for the restart
  o.randomization_factor = 0;
  client c(l, o);
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));

  // Redis restarted: a command issued before the connection is back waits for it and goes
  // through, as with node-redis' offline queue (a publish during a restart is not lost).
  server.restart();
  ASSERT_TRUE(c.wait([&] { return c.downs == 1; }));
  EXPECT_EQ(c.run({"PING"}).second.str, "PONG");
  EXPECT_EQ(c.ups, 2);
  EXPECT_EQ(c.conn->stats().dropped, 0u);

  // Redis gone: what waits for the retry fails when it fails, and what comes after fails
  // at once.
  server.kill();
  ASSERT_TRUE(c.wait([&] { return c.downs == 2; }));
  EXPECT_EQ(c.run({"PING"}).first, redis::errc::not_connected);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(c.run({"PING"}).first, redis::errc::not_connected);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
  EXPECT_EQ(c.conn->stats().dropped, 2u);
}

TEST(RedisConnection, SubscriptionsAreRestoredAfterRedisRestarts) {
  redis_server server;
  loop l;
  client sub(l, options(server.url()));
  client pub(l, options(server.url()));
  std::promise<void> subscribed;
  sub.conn->subscribe({"news"});
  sub.conn->psubscribe({"room:*"}, [&] { subscribed.set_value(); });
  ASSERT_EQ(subscribed.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(pub.wait([&] { return pub.ups == 1; }));
  EXPECT_EQ(pub.run({"PUBLISH", "news", "one"}).second.integer, 1);
  ASSERT_TRUE(sub.wait([&] { return sub.messages.size() == 1; }));

  server.restart();
  ASSERT_TRUE(sub.wait([&] { return sub.downs == 1 && sub.ups == 2; }, 10s));
  ASSERT_TRUE(pub.wait([&] { return pub.ups == 2; }, 10s));
  // The resubscription is on the wire before anything published after it.
  for (int i = 0; i < 200 && pub.run({"PUBSUB", "NUMSUB", "news"}).second.elements.at(1).integer != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(pub.run({"PUBLISH", "news", "two"}).second.integer, 1);
  EXPECT_EQ(pub.run({"PUBLISH", "room:7", "three"}).second.integer, 1);
  ASSERT_TRUE(sub.wait([&] { return sub.messages.size() == 3; }));
  EXPECT_EQ(sub.messages, (std::vector<std::string>{"news=one", "news=two", "room:7=three"}));
  EXPECT_EQ(sub.conn->stats().losses, 1u);
  EXPECT_EQ(sub.conn->stats().connects, 2u);
}

TEST(RedisConnection, ShardedSubscriptionsAreKeptAcrossRestarts) {
  // Redis 7 serves SSUBSCRIBE / SPUBLISH outside a cluster too.
  redis_server server;
  loop l;
  client sub(l, options(server.url()));
  client pub(l, options(server.url()));
  std::promise<void> subscribed;
  sub.conn->ssubscribe({"a", "b{x}"}, [&] { subscribed.set_value(); });
  ASSERT_EQ(subscribed.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(pub.wait([&] { return pub.ups == 1; }));
  EXPECT_EQ(pub.run({"SPUBLISH", "a", "one"}).second.integer, 1);
  ASSERT_TRUE(sub.wait([&] { return sub.messages.size() == 1; }));

  server.restart();
  ASSERT_TRUE(sub.wait([&] { return sub.downs == 1 && sub.ups == 2; }, 10s));
  ASSERT_TRUE(pub.wait([&] { return pub.ups == 2; }, 10s));
  for (int i = 0; i < 200 && pub.run({"PUBSUB", "SHARDNUMSUB", "b{x}"}).second.elements.at(1).integer != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(pub.run({"SPUBLISH", "b{x}", "two"}).second.integer, 1);

  // An SUNSUBSCRIBE is answered before a later SSUBSCRIBE: once "c" is confirmed, "a" is gone.
  sub.conn->sunsubscribe({"a"});
  std::promise<void> c_subscribed;
  sub.conn->ssubscribe({"c"}, [&] { c_subscribed.set_value(); });
  ASSERT_EQ(c_subscribed.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(pub.run({"SPUBLISH", "a", "three"}).second.integer, 0);
  EXPECT_EQ(pub.run({"SPUBLISH", "c", "four"}).second.integer, 1);
  ASSERT_TRUE(sub.wait([&] { return sub.messages.size() == 3; }));
  EXPECT_EQ(sub.messages, (std::vector<std::string>{"a=one", "b{x}=two", "c=four"}));
  EXPECT_TRUE(sub.lost_shards.empty());
}

TEST(RedisConnection, TheQueueLimitDropsWhatASlowRedisCannotTake) {
  redis_server server;
  loop l;
  auto o = options(server.url());
  o.max_queued_bytes = 1 << 20;
  client c(l, o);
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  server.pause();  // Redis stops reading: the kernel's buffers fill, then ours
  const std::string big(64 * 1024, 'x');
  std::atomic<int> refused{0};
  for (int i = 0; i < 2000 && refused == 0; ++i) {
    std::promise<void> queued;
    c.conn->command({"PUBLISH", "ch", big}, [&](std::error_code ec, redis::reply) {
      if (ec == redis::errc::queue_full) ++refused;
    });
    // Wait for the command to be taken (or refused) by the loop.
    c.conn->command({"ECHO", "mark"}, [&](std::error_code ec, redis::reply) {
      if (ec == redis::errc::queue_full) ++refused;
    });
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_GE(refused.load(), 1);
  EXPECT_GE(c.conn->stats().dropped, 1u);
  server.resume();
  // What was queued goes through; the connection serves again.
  EXPECT_EQ(c.run({"PING"}).second.str, "PONG");
}

TEST(RedisConnection, AReplyLargerThanTheLimitClosesTheConnection) {
  redis_server server;
  loop l;
  auto o = options(server.url());
  o.max_reply_bytes = 64 * 1024;
  client c(l, o);
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  EXPECT_FALSE(c.run({"SET", "big", std::string(1 << 20, 'x')}).first);
  EXPECT_EQ(c.run({"GET", "big"}).first, redis::errc::connection_lost);
  ASSERT_TRUE(c.wait([&] { return c.downs == 1 && c.ups == 2; }));
  EXPECT_EQ(c.run({"PING"}).second.str, "PONG");
}

TEST(RedisConnection, AuthAndSelectFromTheUrl) {
  redis_server server({"--requirepass", "s3cret"});
  loop l;
  client c(l, options("redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/3"));
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  EXPECT_FALSE(c.run({"SET", "where", "db3"}).first);
  client other(l, options("redis://default:s3cret@127.0.0.1:" + std::to_string(server.port())));
  ASSERT_TRUE(other.wait([&] { return other.ups == 1; }));
  EXPECT_EQ(other.run({"GET", "where"}).second.type, redis::reply::kind::nil);  // db 0
  EXPECT_EQ(other.run({"SELECT", "3"}).second.str, "OK");
  EXPECT_EQ(other.run({"GET", "where"}).second.str, "db3");
  // A wrong password never comes up; its commands fail at once.
  client wrong(l, options("redis://:nope@127.0.0.1:" + std::to_string(server.port())));
  EXPECT_FALSE(wrong.wait([&] { return wrong.ups > 0; }, 500ms));
  EXPECT_EQ(wrong.run({"PING"}).first, redis::errc::not_connected);
}

TEST(RedisConnection, UnixSocket) {
  const auto path = std::filesystem::temp_directory_path() / ("sockio-redis-" + std::to_string(::getpid()) + ".sock");
  redis_server server({"--unixsocket", path.string(), "--unixsocketperm", "700"});
  loop l;
  client c(l, options("unix://" + path.string()));
  ASSERT_TRUE(c.wait([&] { return c.ups == 1; }));
  EXPECT_EQ(c.run({"PING"}).second.str, "PONG");
}

TEST(RedisConnection, TlsVerifiesTheCertificateAndTheHostName) {
  const auto dir = std::filesystem::temp_directory_path() / ("sockio-redis-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto cert = (dir / "cert.pem").string();
  const auto key = (dir / "key.pem").string();
  const auto command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "
      "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto port = redis_server::free_port();
  redis_server server({"--port", "0", "--tls-port", std::to_string(port), "--tls-cert-file", cert, "--tls-key-file",
                       key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no"},
                      port);
  loop l;
  auto trusted = options("rediss://localhost:" + std::to_string(port));
  trusted.tls_ca_file = cert;
  client good(l, trusted);
  ASSERT_TRUE(good.wait([&] { return good.ups == 1; }));
  EXPECT_EQ(good.run({"PING"}).second.str, "PONG");
  // The system's CAs do not know this certificate: never up.
  client unknown(l, options("rediss://localhost:" + std::to_string(port)));
  EXPECT_FALSE(unknown.wait([&] { return unknown.ups > 0; }, 500ms));
  // Trusted, but the name does not match the certificate.
  auto renamed = options("rediss://127.0.0.2:" + std::to_string(port));
  renamed.tls_ca_file = cert;
  client mismatch(l, renamed);
  EXPECT_FALSE(mismatch.wait([&] { return mismatch.ups > 0; }, 500ms));
  std::filesystem::remove_all(dir);
}

}  // namespace
