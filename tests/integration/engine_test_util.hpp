// Shared helpers of the Engine.IO integration tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <string>

#include "engine_harness.hpp"
#include "test_client.hpp"

namespace sockio::test {

inline std::string polling_target(const std::string& sid = {}) {
  std::string t = "/engine.io/?EIO=4&transport=polling";
  if (!sid.empty()) t += "&sid=" + sid;
  return t;
}

inline std::string ws_target(const std::string& sid = {}) {
  std::string t = "/engine.io/?EIO=4&transport=websocket";
  if (!sid.empty()) t += "&sid=" + sid;
  return t;
}

/// Opens a polling session on `client`; returns its sid (test fails if refused).
inline std::string polling_handshake(http_client& client) {
  auto res = client.get(polling_target());
  EXPECT_EQ(res.status, 200u) << res.body;
  EXPECT_TRUE(res.body.starts_with("0{")) << res.body;
  return sid_of(res.body);
}

/// The JSON error body of a refused request.
inline nlohmann::json error_body(const http_response& res) {
  return nlohmann::json::parse(res.body, nullptr, false);
}

inline nlohmann::json engine_error(int code, const std::string& message) {
  return {{"code", code}, {"message", message}};
}

/// Runs `fn` on the session's shard and waits for it.
template <class Fn>
void on_shard(engine::session& s, Fn fn) {
  std::promise<void> done;
  boost::asio::post(s.context(), [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace sockio::test
