#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

engine::server_options with_origins(std::vector<std::string> origins, bool credentials) {
  engine::server_options o;
  o.cors.origins = std::move(origins);
  o.cors.credentials = credentials;
  return o;
}

TEST(EngineCors, AllowedOriginIsEchoedWithCredentials) {
  engine_harness h(with_origins({"https://good.example"}, true));
  http_client c(h.port());
  const auto res = c.request("GET", polling_target(), {}, {{"Origin", "https://good.example"}});
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("access-control-allow-origin"), "https://good.example");
  EXPECT_EQ(res.header("access-control-allow-credentials"), "true");
  EXPECT_EQ(res.header("vary"), "Origin");
}

TEST(EngineCors, RefusedOriginGetsNoAllowOrigin) {
  engine_harness h(with_origins({"https://good.example"}, false));
  http_client c(h.port());
  const auto res = c.request("GET", polling_target(), {}, {{"Origin", "https://evil.example"}});
  EXPECT_FALSE(res.header("access-control-allow-origin"));
  EXPECT_FALSE(res.header("access-control-allow-credentials"));
}

TEST(EngineCors, PredicateDecides) {
  engine::server_options o;
  o.cors.origin_predicate = [](std::string_view origin) { return origin.ends_with(".trusted.example"); };
  engine_harness h(o);
  http_client c(h.port());
  EXPECT_EQ(c.request("GET", polling_target(), {}, {{"Origin", "https://a.trusted.example"}})
                .header("access-control-allow-origin"),
            "https://a.trusted.example");
  EXPECT_FALSE(c.request("GET", polling_target(), {}, {{"Origin", "https://untrusted.example"}})
                   .header("access-control-allow-origin"));
}

TEST(EngineCors, PreflightIsAnswered) {
  engine_harness h(with_origins({"https://good.example"}, true));
  http_client c(h.port());
  const auto res = c.request("OPTIONS", polling_target(), {},
                             {{"Origin", "https://good.example"},
                              {"Access-Control-Request-Method", "POST"},
                              {"Access-Control-Request-Headers", "x-custom"}});
  EXPECT_EQ(res.status, 204u);
  EXPECT_EQ(res.header("access-control-allow-origin"), "https://good.example");
  EXPECT_EQ(res.header("access-control-allow-methods"), "GET,HEAD,PUT,PATCH,POST,DELETE");
  EXPECT_EQ(res.header("access-control-allow-headers"), "x-custom");
  EXPECT_TRUE(h.events().empty());  // a preflight opens no session
}

TEST(EngineCors, WildcardAllowsAnyOrigin) {
  engine_harness h(with_origins({"*"}, false));
  http_client c(h.port());
  EXPECT_EQ(
      c.request("GET", polling_target(), {}, {{"Origin", "https://any.example"}}).header("access-control-allow-origin"),
      "*");
}

TEST(EngineCors, DisabledByDefault) {
  engine_harness h;
  http_client c(h.port());
  const auto res = c.request("GET", polling_target(), {}, {{"Origin", "https://any.example"}});
  EXPECT_EQ(res.status, 200u);
  EXPECT_FALSE(res.header("access-control-allow-origin"));
}

}  // namespace
}  // namespace sockio::test
