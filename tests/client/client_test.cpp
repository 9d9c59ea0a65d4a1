// The C++ client against sockio's server and Node's socket.io 4.8, over polling only,
// WebSocket only, and polling upgraded to WebSocket.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "client_test_util.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::test {
namespace {

using param = std::tuple<peer_kind, transport_mode>;

class Client : public ::testing::TestWithParam<param> {
 protected:
  peer_kind kind() const { return std::get<0>(GetParam()); }
  transport_mode mode() const { return std::get<1>(GetParam()); }

  void SetUp() override { peer = start_peer(kind()); }

  /// A manager for the peer in this test's mode.
  std::unique_ptr<client::manager> make_manager(client::options o, const std::string& nsp = "") {
    return std::make_unique<client::manager>(url_of(*peer, nsp), std::move(o));
  }
  std::unique_ptr<client::manager> make_manager() { return make_manager(options_for(mode())); }

  /// Waits until the manager is on the transport this mode ends on.
  void expect_final_transport(client::manager& io) {
    const auto want = mode() == transport_mode::polling ? "polling" : "websocket";
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (io.transport() != want && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(io.transport(), want);
  }

  std::unique_ptr<peer_process> peer;
};

TEST_P(Client, ConnectsAndGetsAcks) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  event_log out;
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  const auto welcome = log.wait_prefix("welcome ");
  ASSERT_FALSE(welcome.empty());
  const auto w = json::parse(welcome.substr(8))[0];
  EXPECT_EQ(w["id"], s.id());
  EXPECT_EQ(w["nsp"], "/");
  EXPECT_TRUE(s.connected());
  EXPECT_EQ(s.nsp(), "/");
  expect_final_transport(*io);

  auto [ec, reply] = call(s, "echo", json::array({1, "a", {{"x", nullptr}}, json::array({true})}));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(reply, json::array({1, "a", {{"x", nullptr}}, json::array({true})}));

  // An event the server emits back, and the outgoing listener.
  s.on_any_outgoing([&out](const std::string& event, const json& args) { out.push(event + " " + args.dump()); });
  s.emit("echo-event", json::array({"é", 2.5}));
  EXPECT_TRUE(log.wait_for("echo-event [\"é\",2.5]"));
  EXPECT_EQ(out.count("echo-event [\"é\",2.5]"), 1u);
}

TEST_P(Client, BinaryBothWays) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  std::string bytes("\x00\x01\xff\x7f", 4);
  auto [ec, reply] = call(s, "echo", json::array({"text", sio::binary(bytes), {{"nested", sio::binary("abc")}}}));
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(reply.size(), 3u);
  EXPECT_EQ(reply[0], "text");
  EXPECT_EQ(sio::to_bytes(reply[1]), bytes);
  EXPECT_EQ(sio::to_bytes(reply[2]["nested"]), "abc");
  auto [ec2, reply2] = call(s, "binary", json::array({"héllo"}));
  ASSERT_FALSE(ec2);
  EXPECT_EQ(sio::to_bytes(reply2[0]), "héllo");
  EXPECT_EQ(reply2[1], 6);
}

TEST_P(Client, AnswersTheServersAcksLater) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  std::jthread answerer;  // joined after the manager is gone
  std::mutex m;
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  s.on("question-event", [&](const json& args, const client::ack_sender& ack) {
    EXPECT_TRUE(ack.requested());
    std::lock_guard lock(m);
    // Answered from another thread, after the listener returned.
    answerer = std::jthread([ack, args] {
      std::this_thread::sleep_for(20ms);
      ack(json::array({"answer", args}));
      ack(json::array({"twice"}));  // ignored
    });
  });
  ASSERT_TRUE(log.wait_for("connect"));
  auto [ec, reply] = call(s, "ask", json::array({"question-event"}));
  ASSERT_FALSE(ec);
  EXPECT_TRUE(log.wait_for("answered [[\"answer\",[\"question\",42]]]")) << ::testing::PrintToString(log.all());
}

TEST_P(Client, NamespacesShareOneConnection) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log root_log, admin_log, refused_log;
  auto io = make_manager();
  auto root = io->socket("/");
  auto admin = io->socket("/admin", {.auth = {{"token", "secret"}}});
  record(root, root_log);
  record(admin, admin_log);
  ASSERT_TRUE(root_log.wait_for("connect"));
  ASSERT_TRUE(admin_log.wait_for("connect"));
  EXPECT_NE(root.id(), admin.id());
  // The same namespace again is the same socket, connected once (no second CONNECT).
  auto root_again = io->socket("/");
  auto [ec, reply] = call(admin, "echo", json::array({"from admin"}));
  EXPECT_FALSE(ec);
  EXPECT_EQ(reply, json::array({"from admin"}));
  EXPECT_FALSE(call(root_again, "echo", json::array()).first);
  EXPECT_EQ(root_again.id(), root.id());
  EXPECT_EQ(root_log.count("connect"), 1u);
  EXPECT_EQ(root_log.all().size(), 2u) << ::testing::PrintToString(root_log.all());  // connect, one welcome
  const auto w = json::parse(admin_log.wait_prefix("welcome ").substr(8))[0];
  EXPECT_EQ(w["auth"], json({{"token", "secret"}}));
  EXPECT_EQ(w["nsp"], "/admin");

  // The URL's path is the namespace, as io("http://host/admin") reads it; a refusal is
  // final for that socket (no reconnection), with the server's message and data.
  auto io2 = make_manager(options_for(mode()), "/admin");
  auto refused = io2->socket();
  record(refused, refused_log);
  EXPECT_EQ(refused.nsp(), "/admin");
  EXPECT_TRUE(refused_log.wait_for("connect_error:not authorized {\"code\":401}"))
      << ::testing::PrintToString(refused_log.all());
  EXPECT_FALSE(refused.active());
  EXPECT_FALSE(refused.connected());
}

TEST_P(Client, AckTimeoutsAndRetries) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  const auto key = codec::random_id(8);
  // The first "flaky" call of a key is never acked.
  auto [ec, reply] = call(s.timeout(200ms), "flaky", json::array({key}));
  EXPECT_EQ(ec, client::errc::timeout);
  EXPECT_EQ(ec.message(), "operation has timed out");

  // With retries, the emit is sent again until acked: the second try is.
  auto io2 = make_manager();
  auto r = io2->socket("/", {.ack_timeout = 200ms, .retries = 3});
  r.connect();
  auto [ec2, reply2] = call(r, "flaky", json::array({key + "-r"}));
  ASSERT_FALSE(ec2) << ec2.message();
  EXPECT_EQ(reply2, json::array({2}));

  // Retries run out: the error reaches the caller after retries + 1 sends.
  auto io3 = make_manager();
  auto t = io3->socket("/", {.ack_timeout = 100ms, .retries = 0});
  t.connect();
  auto [ec3, reply3] = call(t, "flaky", json::array({key + "-t"}));
  EXPECT_EQ(ec3, client::errc::timeout);
}

TEST_P(Client, BuffersWhileDisconnectedAndReconnectsAfterARestart) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log, mlog;
  auto o = options_for(mode());
  auto io = make_manager(o);
  io->on_reconnect_attempt([&mlog](std::uint64_t n) { mlog.push("attempt " + std::to_string(n)); });
  io->on_reconnect([&mlog](std::uint64_t) { mlog.push("reconnect"); });
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  call(s, "records", json::array());  // empty the list
  peer->stop();
  ASSERT_TRUE(log.wait_for("disconnect:transport close") || log.count("disconnect:transport error") > 0)
      << ::testing::PrintToString(log.all());
  // Emitted while the server is away: kept, and sent once, in order, after reconnection.
  for (int i = 1; i <= 5; ++i) s.emit("record", json::array({i}));
  s.volatile_().emit("record", json::array({"volatile"}));  // dropped
  ASSERT_TRUE(mlog.wait_for("attempt 1"));
  peer->restart();
  ASSERT_TRUE(log.wait_for("connect", 2, 10s)) << ::testing::PrintToString(log.all());
  EXPECT_TRUE(mlog.wait_for("reconnect"));
  auto [ec, reply] = call(s, "records", json::array());
  ASSERT_FALSE(ec);
  EXPECT_EQ(reply, json::array({json::array({1, 2, 3, 4, 5})}));
  EXPECT_EQ(s.buffered(), 0u);
}

TEST_P(Client, ServerDisconnectIsFinalAndADroppedTransportReconnects) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  event_log log2;
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  s.emit("drop-me");
  // Node answers the next poll with a close packet ("transport close"); sockio forgets the
  // session at once and answers it with 400 ("transport error"), as engine.io does once a
  // session is gone.
  ASSERT_FALSE(log.wait_prefix("disconnect:transport ").empty()) << ::testing::PrintToString(log.all());
  EXPECT_TRUE(kind() == peer_kind::sockio || log.count("disconnect:transport close") == 1);
  ASSERT_TRUE(log.wait_for("connect", 2));
  s.emit("disconnect-me");
  ASSERT_TRUE(log.wait_for("disconnect:io server disconnect"));
  EXPECT_FALSE(s.active());
  EXPECT_FALSE(s.connected());
  // And the client's own disconnect.
  auto io2 = make_manager();
  auto s2 = io2->socket();
  record(s2, log2);
  ASSERT_TRUE(log2.wait_for("connect"));
  s2.disconnect();
  EXPECT_TRUE(log2.wait_for("disconnect:io client disconnect"));
}

TEST_P(Client, RecoversTheSessionAfterADroppedConnection) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  peer = start_peer(kind(), {"--recovery"});
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  auto other_io = make_manager();
  auto other = other_io->socket();
  other.connect();
  // A first broadcast gives the client an offset to recover from.
  ASSERT_FALSE(call(other, "broadcast", json::array({"news", "one"})).first);
  ASSERT_FALSE(log.wait_prefix("news [\"one\"").empty());
  const auto id = s.id();
  io->drop_connection();
  ASSERT_TRUE(log.wait_for("disconnect:forced close"));
  ASSERT_FALSE(call(other, "broadcast", json::array({"news", "missed"})).first);
  ASSERT_TRUE(log.wait_for("connect", 2));
  EXPECT_TRUE(s.recovered());
  EXPECT_EQ(s.id(), id);
  EXPECT_FALSE(log.wait_prefix("news [\"missed\"").empty()) << ::testing::PrintToString(log.all());
}

TEST_P(Client, CompletionTokens) {
  // Declared first: the managers below (and their handlers) go before them. The
  // application's loop too: the client's thread posts completions to it until it is joined.
  event_log log;
  boost::asio::io_context app;
  auto io = make_manager();
  auto s = io->socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  // A callback, on the client's loop.
  std::promise<std::thread::id> loop_thread;
  s.on("echo-event", [&](const json&) { loop_thread.set_value(std::this_thread::get_id()); });
  s.emit("echo-event");
  const auto loop_id = loop_thread.get_future().get();
  std::promise<json> got;
  s.emit_with_ack("echo", json::array({"cb"}), [&](boost::system::error_code ec, json args) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(std::this_thread::get_id(), loop_id);
    got.set_value(std::move(args));
  });
  EXPECT_EQ(got.get_future().get(), json::array({"cb"}));
  // A coroutine on the application's own loop. (The arguments are made outside it: GCC 12
  // miscompiles braced lists of string literals in a coroutine.)
  json coroutine_result;
  bool timed_out = false;
  const std::string echo = "echo", flaky = "flaky";
  const json co_args = json::array({"co"}), flaky_args = json::array({codec::random_id(8)});
  boost::asio::co_spawn(
      app,
      [&]() -> boost::asio::awaitable<void> {
        coroutine_result = co_await s.emit_with_ack(echo, co_args, boost::asio::use_awaitable);
        try {
          co_await s.timeout(100ms).emit_with_ack(flaky, flaky_args, boost::asio::use_awaitable);
        } catch (const boost::system::system_error& e) {
          timed_out = e.code() == client::errc::timeout;
        }
      },
      boost::asio::detached);
  app.run_for(5s);
  EXPECT_EQ(coroutine_result, json::array({"co"}));
  EXPECT_TRUE(timed_out);
}

TEST_P(Client, ManagerOnTheApplicationsLoop) {
  // Declared first: the managers below (and their handlers) go before them.
  event_log log;
  boost::asio::io_context app;
  {
    // auto_connect as by default: the handlers are set before the application's loop runs,
    // so the connection cannot outrun them.
    auto o = options_for(mode());
    o.auto_connect = true;
    client::manager io(app.get_executor(), url_of(*peer), o);
    auto s = io.socket();
    record(s, log, /*connect=*/false);
    std::thread runner([&app] { app.run_for(10s); });
    EXPECT_TRUE(log.wait_for("connect"));
    auto [ec, reply] = call(s, "echo", json::array({"app loop"}));
    EXPECT_FALSE(ec);
    EXPECT_EQ(reply, json::array({"app loop"}));
    app.stop();
    runner.join();
  }
}

std::string param_name(const ::testing::TestParamInfo<param>& info) {
  return std::string(name_of(std::get<0>(info.param))) + "_" + name_of(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Peers, Client,
                         ::testing::Combine(::testing::Values(peer_kind::sockio, peer_kind::node),
                                            ::testing::Values(transport_mode::polling, transport_mode::websocket,
                                                              transport_mode::upgrade)),
                         param_name);

}  // namespace
}  // namespace sockio::test
