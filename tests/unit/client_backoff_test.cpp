// The client's reconnection delays, and its send buffer while no server is reachable.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <cmath>

#include "sockio/client/backoff.hpp"
#include "sockio/client/manager.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;
using client::json;

TEST(ClientBackoff, StaysWithinBoundsForTenThousandAttempts) {
  client::backoff b(1000ms, 5000ms, 0.5, 42);
  std::chrono::milliseconds lowest_late{5000};
  for (int n = 0; n < 10'000; ++n) {
    const auto d = b.duration();
    const double base = std::min(1000.0 * std::pow(2.0, std::min(n, 62)), 5000.0);
    ASSERT_GE(d.count(), static_cast<long>(base * 0.5) - 1) << "attempt " << n;
    ASSERT_LE(d.count(), 5000) << "attempt " << n;
    if (n > 2000) lowest_late = std::min(lowest_late, d);
  }
  // The JS formula collapses to 0 ms after ~1,000 attempts; this one never does.
  EXPECT_GE(lowest_late.count(), 2500);
  EXPECT_EQ(b.attempts(), 10'000u);
}

TEST(ClientBackoff, FirstDelaysSpreadAroundTheBase) {
  // With jitter 0.5, the first delay covers 500..1500 ms: clients do not retry in step.
  long lo = 100000, hi = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    client::backoff b(1000ms, 5000ms, 0.5, seed);
    const auto d = b.duration().count();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 600);
  EXPECT_GT(hi, 1400);
  EXPECT_GE(lo, 500);
  EXPECT_LE(hi, 1500);
}

TEST(ClientBackoff, DoublesWithoutJitterAndResets) {
  client::backoff b(100ms, 1000ms, 0);
  EXPECT_EQ(b.duration(), 100ms);
  EXPECT_EQ(b.duration(), 200ms);
  EXPECT_EQ(b.duration(), 400ms);
  EXPECT_EQ(b.duration(), 800ms);
  EXPECT_EQ(b.duration(), 1000ms);
  b.reset();
  EXPECT_EQ(b.duration(), 100ms);
  // A jitter outside (0, 1] is ignored, as the JS client does.
  client::backoff odd(100ms, 1000ms, 3.0);
  EXPECT_EQ(odd.duration(), 100ms);
}

/// A manager for a port where nothing listens: every packet waits in the send buffer.
client::options unreachable() {
  client::options o;
  o.reconnection_delay = 10s;  // no attempt during the test after the first
  return o;
}

TEST(ClientSendBuffer, KeepsPacketsAndDropsTheOldestPastItsLimit) {
  client::manager io("http://127.0.0.1:1", unreachable());
  auto s = io.socket("/", {.max_buffered_packets = 3});
  auto first = s.emit_with_ack("a", json::array({1}), boost::asio::use_future);
  s.emit("b");
  s.emit("c");
  s.volatile_().emit("v");  // not connected: dropped, not buffered
  auto wait = s.emit_with_ack("d", json::array(), boost::asio::use_future);
  // "a" made room for "d": its ack learns it will never be answered.
  try {
    first.get();
    ADD_FAILURE() << "the dropped packet's ack completed";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), client::errc::disconnected);
  }
  EXPECT_EQ(s.buffered(), 3u);
  EXPECT_EQ(wait.wait_for(50ms), std::future_status::timeout);
}

TEST(ClientSendBuffer, AnAckTimeoutRemovesItsBufferedPacket) {
  client::manager io("http://127.0.0.1:1", unreachable());
  auto s = io.socket();
  auto f = s.timeout(50ms).emit_with_ack("a", json::array(), boost::asio::use_future);
  s.emit("b");
  try {
    f.get();
    ADD_FAILURE() << "no timeout";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), client::errc::timeout);
  }
  EXPECT_EQ(s.buffered(), 1u);
}

TEST(ClientSendBuffer, TheRetryQueueHoldsEveryEmitUntilAcked) {
  client::manager io("http://127.0.0.1:1", unreachable());
  auto s = io.socket("/", {.ack_timeout = 1000ms, .retries = 2});
  s.emit("a");
  s.emit("b");
  s.volatile_().emit("c");  // volatile packets bypass the queue
  auto f = s.emit_with_ack("d", json::array(), boost::asio::use_future);
  // A barrier: a volatile emit's ack fails at once on the loop, after the calls before it.
  auto barrier = s.volatile_().emit_with_ack("barrier", json::array(), boost::asio::use_future);
  ASSERT_EQ(barrier.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(s.buffered(), 3u);
  EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout);
}

TEST(ClientSendBuffer, AVolatileEmitThatCannotLeaveFailsItsAckAtOnce) {
  client::manager io("http://127.0.0.1:1", unreachable());
  auto s = io.socket();
  auto f = s.volatile_().emit_with_ack("v", json::array(), boost::asio::use_future);
  try {
    f.get();
    ADD_FAILURE() << "completed";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), client::errc::dropped);
  }
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(ClientSendBuffer, ReservedEventNamesAreRefused) {
  client::manager io("http://127.0.0.1:1", unreachable());
  auto s = io.socket();
  for (const char* name :
       {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}) {
    EXPECT_THROW(s.emit(name), std::invalid_argument) << name;
    EXPECT_THROW(s.emit_with_ack(name, json::array(), [](boost::system::error_code, json) {}), std::invalid_argument);
  }
}

TEST(ClientManager, RefusesABadUrlAtConstruction) {
  EXPECT_THROW(client::manager("ftp://example.com"), std::invalid_argument);
  EXPECT_THROW(client::manager("http://:80"), std::invalid_argument);
  EXPECT_THROW(client::manager("http://h:99999"), std::invalid_argument);
  client::options o;
  o.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(client::manager("https://example.com", o), std::invalid_argument);
  EXPECT_THROW(client::manager("http://example.com", {.transports = {"webtransport"}}), std::invalid_argument);
}

TEST(ClientManager, DestroyedWithEmitsAndAcksInFlight) {
  std::future<json> pending;
  {
    client::manager io("http://127.0.0.1:1", unreachable());
    auto s = io.socket();
    for (int i = 0; i < 100; ++i) s.emit("x", json::array({i}));
    pending = s.emit_with_ack("y", json::array(), boost::asio::use_future);
  }
  try {
    pending.get();
    ADD_FAILURE() << "completed without an error";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), client::errc::closed);
  }
}

}  // namespace
}  // namespace sockio::test
