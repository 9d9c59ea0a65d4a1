#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

TEST(EngineHttp, SilentConnectionIsClosedAfterHttpTimeout) {
  engine::server_options o;
  o.http_timeout = 200ms;
  engine_harness h(o);
  http_client silent(h.port());
  EXPECT_TRUE(silent.wait_closed(3s));
}

TEST(EngineHttp, IdleKeepAliveConnectionIsClosed) {
  engine::server_options o;
  o.keep_alive_timeout = 200ms;
  engine_harness h(o);
  http_client c(h.port());
  EXPECT_EQ(c.get(polling_target()).status, 200u);
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST(EngineHttp, ParkedGetOutlivesTheRequestTimeout) {
  engine::server_options o;
  o.http_timeout = 100ms;
  o.ping_interval = 600ms;
  engine_harness h(o);
  http_client c(h.port());
  const auto sid = polling_handshake(c);
  // Parked for the whole ping interval, far longer than http_timeout: still answered.
  EXPECT_EQ(c.get(polling_target(sid), 3s).body, "2");
}

TEST(EngineHttp, HeaderOverTheLimitIsAnswered431ThenClosed) {
  engine_harness h;
  http_client c(h.port());
  const auto r = c.request("GET", polling_target(), {}, {{"x-padding", std::string(20 * 1024, 'a')}});
  EXPECT_EQ(r.status, 431u);
  EXPECT_TRUE(c.wait_closed(3s));
  http_client next(h.port());  // the server goes on serving others
  EXPECT_EQ(next.get(polling_target()).status, 200u);
}

TEST(EngineHttp, RequestsOutsideThePathGo404WithoutAHandler) {
  engine_harness h;
  http_client c(h.port());
  EXPECT_EQ(c.get("/index.html").status, 404u);
}

TEST(EngineHttp, HandlerAnswersRequestsOutsideThePath) {
  std::mutex mutex;
  std::vector<std::thread> workers;
  engine::server_options o;
  o.max_http_buffer_size = 64;
  o.http_handler = [&](const engine::request_info& req, std::string body, engine::http_responder respond) {
    // Answered from another thread, as an application doing asynchronous work would.
    std::lock_guard lock(mutex);
    workers.emplace_back([req, body = std::move(body), respond = std::move(respond)] {
      respond({201,
               {{"content-type", "text/plain"}, {"x-seen", std::string(req.method()) + " " + std::string(req.url())}},
               "got:" + body});
    });
  };
  engine_harness h(o);
  http_client c(h.port());
  const auto r = c.post("/api/thing?x=1", "hello");
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.header("x-seen"), "POST /api/thing?x=1");
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.body, "got:hello");
  EXPECT_TRUE(r.keep_alive);
  // The Engine.IO path still works on the same kept-alive connection.
  EXPECT_EQ(c.get(polling_target()).status, 200u);
  // Bodies are bounded like polling bodies.
  EXPECT_EQ(c.post("/api/thing", std::string(65, 'x')).status, 413u);
  std::lock_guard lock(mutex);
  for (auto& t : workers) t.join();
}

TEST(EngineHttp, StopLetsPollingClientsCollectTheirClosePacket) {
  engine::server_options o;
  o.stop_timeout = 5s;
  engine_harness h(o);
  std::string sid;
  {
    http_client c(h.port());
    sid = polling_handshake(c);
  }
  auto stopping = std::async(std::launch::async, [&] { h.server().stop(); });
  while (h.server().running()) std::this_thread::yield();
  // Draining: the listener still takes the client's next GET, on a new connection, and
  // answers it with the close packet; new handshakes are refused meanwhile.
  // (Each connection closes after one answer while the server stops.)
  EXPECT_EQ(http_client(h.port()).get(polling_target()).status, 503u);
  EXPECT_EQ(http_client(h.port()).get(polling_target(sid)).body, "1");
  // The last session gone, the stop ends without waiting for stop_timeout.
  EXPECT_EQ(stopping.wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(h.wait_for("close " + sid + " forced close"));
}

}  // namespace
}  // namespace sockio::test
