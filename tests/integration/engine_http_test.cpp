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

}  // namespace
}  // namespace sockio::test
