// The C++ client's behaviour around the edges: a refused upgrade, cookies and headers,
// auth on every connect, reconnection running out, timeouts, a proxy, bad servers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "client_test_util.hpp"

namespace sockio::test {
namespace {

TEST(ClientUpgrade, AFailedProbeStaysOnPolling) {
  // Node advertises "websocket" and destroys every upgrade request (sockio has no such hook).
  auto peer = start_peer(peer_kind::node, {"--fail-upgrade"});
  event_log log, mlog;
  client::manager io(url_of(*peer), options_for(transport_mode::upgrade));
  io.on_upgrade_error([&mlog](const std::string& message) { mlog.push("upgrade_error " + message); });
  io.on_upgrade([&mlog](const std::string& t) { mlog.push("upgrade " + t); });
  auto s = io.socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  ASSERT_FALSE(mlog.wait_prefix("upgrade_error probe error").empty());
  EXPECT_EQ(io.transport(), "polling");
  auto [ec, reply] = call(s, "echo", json::array({"still here"}));
  EXPECT_FALSE(ec);
  EXPECT_EQ(reply, json::array({"still here"}));
  EXPECT_EQ(mlog.count("upgrade websocket"), 0u);
}

class ClientEdges : public ::testing::TestWithParam<peer_kind> {};

TEST_P(ClientEdges, CookiesHeadersAndQueryReachTheServer) {
  auto peer = start_peer(GetParam(), {"--cookie"});
  event_log log;
  auto o = options_for(transport_mode::polling);
  o.extra_headers = {{"X-Test", "yes"}};
  o.query = {{"k", "v w"}};
  client::manager io(url_of(*peer) + "/?u=1", o);
  auto s = io.socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  auto [ec, first] = call(s, "headers", json::array());
  ASSERT_FALSE(ec);
  EXPECT_EQ(first[0]["x-test"], "yes");
  EXPECT_EQ(first[0]["query"]["k"], "v w");
  EXPECT_EQ(first[0]["query"]["u"], "1");
  EXPECT_EQ(first[0]["query"]["EIO"], "4");
  // The handshake set the "io" cookie; the next connection's handshake sends it back.
  io.drop_connection();
  ASSERT_TRUE(log.wait_for("connect", 2));
  auto [ec2, second] = call(s, "headers", json::array());
  ASSERT_FALSE(ec2);
  ASSERT_TRUE(second[0]["cookie"].is_string()) << second.dump();
  EXPECT_TRUE(second[0]["cookie"].get<std::string>().starts_with("io=")) << second.dump();
}

TEST_P(ClientEdges, TheAuthFunctionRunsOnEveryConnect) {
  auto peer = start_peer(GetParam());
  event_log log;
  std::atomic<int> calls{0};
  client::manager io(url_of(*peer), options_for(transport_mode::websocket));
  auto s = io.socket("/", {.auth_fn = [&calls] { return json{{"n", ++calls}}; }});
  record(s, log);
  ASSERT_FALSE(log.wait_prefix("welcome [{\"auth\":{\"n\":1}").empty());
  io.drop_connection();
  ASSERT_FALSE(log.wait_prefix("welcome [{\"auth\":{\"n\":2}").empty()) << ::testing::PrintToString(log.all());
}

/// Connects with `o`, upgrades, drops the connection and returns the transports each of
/// the two connections opened on ("open polling", "open websocket", ...) and the upgrades.
std::vector<std::string> opens_across_a_reconnection(const peer_process& peer, client::options o) {
  event_log log, mlog;  // before the manager, whose handlers write to them
  client::manager io(url_of(peer), o);
  io.on_open([&mlog, &io] { mlog.push("open " + io.transport()); });
  io.on_upgrade([&mlog](const std::string& t) { mlog.push("upgrade " + t); });
  auto s = io.socket();
  record(s, log);
  EXPECT_TRUE(log.wait_for("connect"));
  EXPECT_TRUE(mlog.wait_for("upgrade websocket"));
  io.drop_connection();
  EXPECT_TRUE(log.wait_for("connect", 2)) << ::testing::PrintToString(log.all());
  // The reconnection's open is logged before its socket connects.
  return mlog.all();
}

TEST_P(ClientEdges, RememberUpgradeOpensTheNextConnectionOnWebSocket) {
  auto peer = start_peer(GetParam());
  auto o = options_for(transport_mode::upgrade);
  o.remember_upgrade = true;
  // The first connection upgrades; the next one starts on WebSocket, with no probe.
  EXPECT_EQ(opens_across_a_reconnection(*peer, o),
            (std::vector<std::string>{"open polling", "upgrade websocket", "open websocket"}));
  // Without it, every connection starts on polling and upgrades again.
  o.remember_upgrade = false;
  const auto plain = opens_across_a_reconnection(*peer, o);
  ASSERT_GE(plain.size(), 3u) << ::testing::PrintToString(plain);
  EXPECT_EQ(plain[2], "open polling");
}

TEST_P(ClientEdges, TryAllTransportsFallsBackWhileConnecting) {
  // A server that serves polling only: the WebSocket the client tries first is refused.
  auto peer = start_peer(GetParam(), {"--transports", "polling"});
  auto o = options_for(transport_mode::websocket);
  o.transports = {"websocket", "polling"};
  o.reconnection = false;
  {
    event_log log;
    client::manager io(url_of(*peer), o);
    auto s = io.socket();
    record(s, log);
    EXPECT_FALSE(log.wait_prefix("connect_error:websocket error").empty()) << ::testing::PrintToString(log.all());
  }
  o.try_all_transports = true;
  event_log log;
  client::manager io(url_of(*peer), o);
  auto s = io.socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect")) << ::testing::PrintToString(log.all());
  EXPECT_EQ(io.transport(), "polling");
  auto [ec, reply] = call(s, "echo", json::array({"after the fallback"}));
  EXPECT_FALSE(ec);
  EXPECT_EQ(reply, json::array({"after the fallback"}));
}

TEST_P(ClientEdges, ReconnectionRunsOutAfterItsAttempts) {
  auto peer = start_peer(GetParam());
  event_log log;
  auto o = options_for(transport_mode::websocket);
  o.reconnection_attempts = 2;
  client::manager io(url_of(*peer), o);
  std::vector<std::chrono::steady_clock::time_point> attempts;  // written on the loop, read after
  io.on_reconnect_attempt([&log, &attempts](std::uint64_t n) {
    attempts.push_back(std::chrono::steady_clock::now());
    log.push("attempt " + std::to_string(n));
  });
  io.on_reconnect_error([&log](std::error_code, const std::string&) { log.push("reconnect_error"); });
  io.on_reconnect_failed([&log] { log.push("reconnect_failed"); });
  auto s = io.socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  const auto killed = std::chrono::steady_clock::now();
  peer->kill();
  // As in the JS client, the last attempt's reconnect_error follows reconnect_failed.
  ASSERT_TRUE(log.wait_for("reconnect_error", 2, 10s)) << ::testing::PrintToString(log.all());
  EXPECT_EQ(log.count("reconnect_failed"), 1u);
  EXPECT_EQ(log.count("attempt 1"), 1u);
  EXPECT_EQ(log.count("attempt 2"), 1u);
  EXPECT_EQ(log.count("attempt 3"), 0u);
  EXPECT_EQ(log.count("reconnect_error"), 2u);
  // The backoff: 50 ms then 100 ms, each ±50 % (options_for), so at least 25 and 50 ms.
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_GE(attempts[0] - killed, 25ms);
  EXPECT_GE(attempts[1] - attempts[0], 50ms);
}

TEST_P(ClientEdges, APausedServerIsAPingTimeout) {
  auto peer = start_peer(GetParam());
  event_log log;
  client::manager io(url_of(*peer), options_for(transport_mode::websocket));
  auto s = io.socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect"));
  peer->pause();  // pingInterval 1000 + pingTimeout 500 without a ping
  EXPECT_TRUE(log.wait_for("disconnect:ping timeout", 1, 5s)) << ::testing::PrintToString(log.all());
  peer->resume();
  EXPECT_TRUE(log.wait_for("connect", 2, 10s));
}

TEST_P(ClientEdges, ThroughAnHttpProxy) {
  auto peer = start_peer(GetParam());
  peer_process proxy({SOCKIO_NODE, SOCKIO_SOURCE_DIR "/tests/interop/connect_proxy.mjs"});
  for (auto mode : {transport_mode::polling, transport_mode::websocket}) {
    event_log log;
    auto o = options_for(mode);
    o.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    // A name only the proxy resolves (to 127.0.0.1).
    client::manager io("http://peer.invalid:" + std::to_string(peer->port()), o);
    auto s = io.socket();
    record(s, log);
    ASSERT_TRUE(log.wait_for("connect")) << ::testing::PrintToString(log.all());
    auto [ec, reply] = call(s, "echo", json::array({"via proxy"}));
    EXPECT_FALSE(ec);
    EXPECT_EQ(reply, json::array({"via proxy"}));
  }
}

INSTANTIATE_TEST_SUITE_P(Peers, ClientEdges, ::testing::Values(peer_kind::sockio, peer_kind::node),
                         [](const auto& info) { return std::string(name_of(info.param)); });

std::string http_answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

/// A TCP listener on a free loopback port that answers each GET with the next canned
/// answer and each POST with "ok" (closing the connection after each); with no answers it
/// accepts and never replies.
class fake_server {
 public:
  explicit fake_server(std::vector<std::string> answers) : answers_(std::move(answers)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (!answers_.empty()) thread_ = std::jthread([this] { serve(); });
  }
  ~fake_server() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    std::size_t next = 0;
    while (next < answers_.size()) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      // One request per connection: read its head, answer, close.
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      ++requests_;
      const auto a = request.starts_with("POST ") ? http_answer(200, "ok") : answers_[next++];
      (void)!::write(c, a.data(), a.size());
      ::close(c);
    }
  }

  std::vector<std::string> answers_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::jthread thread_;
};

client::options no_retry() {
  auto o = options_for(transport_mode::polling);
  o.reconnection = false;
  o.timeout = 500ms;
  return o;
}

TEST(ClientBadServers, AnHttpErrorIsAConnectError) {
  fake_server server({http_answer(500, "oops")});
  event_log log;
  client::manager io(server.url(), no_retry());
  auto s = io.socket();
  record(s, log);
  EXPECT_FALSE(log.wait_prefix("connect_error:xhr poll error").empty()) << ::testing::PrintToString(log.all());
}

TEST(ClientBadServers, AHandshakeThatIsNotEngineIoIsAConnectError) {
  fake_server server({http_answer(200, "0{not json")});
  event_log log;
  client::manager io(server.url(), no_retry());
  auto s = io.socket();
  record(s, log);
  EXPECT_FALSE(log.wait_prefix("connect_error:the server's handshake is not Engine.IO v4").empty())
      << ::testing::PrintToString(log.all());
}

TEST(ClientBadServers, AServerThatNeverAnswersIsATimeout) {
  fake_server server({});
  event_log log;
  client::manager io(server.url(), no_retry());
  auto s = io.socket();
  record(s, log);
  EXPECT_TRUE(log.wait_for("connect_error:timeout", 1, 5s)) << ::testing::PrintToString(log.all());
}

TEST(ClientBadServers, AMalformedPacketIsAParseErrorAndReconnects) {
  const std::string open =
      R"(0{"sid":"s1","upgrades":[],"pingInterval":10000,"pingTimeout":5000,"maxPayload":1000000})";
  fake_server server({
      http_answer(200, open),                 // the handshake
      http_answer(200, "40{\"sid\":\"a\"}"),  // CONNECT answered
      http_answer(200, "4[\"unterminated"),   // garbage in a poll
  });
  event_log log, mlog;
  auto o = options_for(transport_mode::polling);
  o.reconnection_delay = 10s;  // one attempt is announced, none runs during the test
  client::manager io(server.url(), o);
  io.on_close([&mlog](const std::string& reason, const std::string&) { mlog.push("close " + reason); });
  auto s = io.socket();
  record(s, log);
  ASSERT_TRUE(log.wait_for("connect")) << ::testing::PrintToString(log.all());
  EXPECT_TRUE(log.wait_for("disconnect:parse error")) << ::testing::PrintToString(log.all());
  EXPECT_TRUE(mlog.wait_for("close parse error"));
  EXPECT_TRUE(s.active());  // reconnection goes on
}

}  // namespace
}  // namespace sockio::test
