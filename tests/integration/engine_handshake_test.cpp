#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

TEST(EngineHandshake, PollingOpenPacketCarriesSessionParameters) {
  engine::server_options o;
  o.ping_interval = 1234ms;
  o.ping_timeout = 567ms;
  o.max_http_buffer_size = 4321;
  engine_harness h(o);
  http_client c(h.port());
  const auto res = c.get(polling_target());
  ASSERT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("content-type"), "text/plain; charset=UTF-8");
  ASSERT_EQ(res.body.front(), '0');
  const auto open = nlohmann::json::parse(res.body.substr(1));
  const auto sid = open.at("sid").get<std::string>();
  EXPECT_EQ(sid.size(), 20u);
  EXPECT_EQ(open.at("upgrades"), nlohmann::json::array({"websocket"}));
  EXPECT_EQ(open.at("pingInterval"), 1234);
  EXPECT_EQ(open.at("pingTimeout"), 567);
  EXPECT_EQ(open.at("maxPayload"), 4321);
  EXPECT_TRUE(h.wait_for("open " + sid + " polling"));
}

TEST(EngineHandshake, SessionIdsAreUnique) {
  engine_harness h;
  http_client c(h.port());
  EXPECT_NE(polling_handshake(c), polling_handshake(c));
}

TEST(EngineHandshake, WebSocketOpenPacketOffersNoUpgrade) {
  engine_harness h;
  ws_client ws(h.port(), ws_target());
  const auto open = ws.read();
  ASSERT_TRUE(open);
  ASSERT_EQ(open->data.front(), '0');
  const auto json = nlohmann::json::parse(open->data.substr(1));
  EXPECT_EQ(json.at("upgrades"), nlohmann::json::array());
  EXPECT_TRUE(h.wait_for("open " + json.at("sid").get<std::string>() + " websocket"));
}

TEST(EngineHandshake, NoUpgradeOfferedWhenWebSocketDisabled) {
  engine::server_options o;
  o.transports = {"polling"};
  engine_harness h(o);
  http_client c(h.port());
  const auto res = c.get(polling_target());
  EXPECT_EQ(nlohmann::json::parse(res.body.substr(1)).at("upgrades"), nlohmann::json::array());
  EXPECT_EQ(ws_client::try_handshake(h.port(), ws_target()).status, 400u);
}

TEST(EngineHandshake, UnsupportedProtocolVersion) {
  engine_harness h;
  http_client c(h.port());
  for (const auto* target : {"/engine.io/?EIO=3&transport=polling", "/engine.io/?transport=polling"}) {
    const auto res = c.get(target);
    EXPECT_EQ(res.status, 400u);
    EXPECT_EQ(res.header("content-type"), "application/json");
    EXPECT_EQ(error_body(res), engine_error(5, "Unsupported protocol version")) << target;
  }
  EXPECT_EQ(ws_client::try_handshake(h.port(), "/engine.io/?EIO=3&transport=websocket").status, 400u);
}

TEST(EngineHandshake, UnknownTransport) {
  engine_harness h;
  http_client c(h.port());
  for (const auto* target : {"/engine.io/?EIO=4&transport=carrier-pigeon", "/engine.io/?EIO=4"}) {
    const auto res = c.get(target);
    EXPECT_EQ(res.status, 400u);
    EXPECT_EQ(error_body(res), engine_error(0, "Transport unknown")) << target;
  }
}

TEST(EngineHandshake, UnknownSid) {
  engine_harness h;
  http_client c(h.port());
  for (const auto* sid : {"AAAAAAAAAAAAAAAAAAAA", "short", "zzzzzzzzzzzzzzzzzzzz"}) {
    const auto res = c.get(polling_target(sid));
    EXPECT_EQ(res.status, 400u);
    EXPECT_EQ(error_body(res), engine_error(1, "Session ID unknown")) << sid;
  }
  EXPECT_EQ(ws_client::try_handshake(h.port(), ws_target("AAAAAAAAAAAAAAAAAAAA")).status, 400u);
}

TEST(EngineHandshake, BadHandshakeMethod) {
  engine_harness h;
  http_client c(h.port());
  const auto res = c.post(polling_target(), "4hello");
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(error_body(res), engine_error(2, "Bad handshake method"));
  EXPECT_TRUE(h.events().empty());
}

TEST(EngineHandshake, WebSocketTransportWithoutUpgradeIsBadRequest) {
  engine_harness h;
  http_client c(h.port());
  const auto res = c.get(ws_target());
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(error_body(res), engine_error(3, "Bad request"));
}

TEST(EngineHandshake, AllowRequestRefusesWithForbidden) {
  engine::server_options o;
  o.allow_request = [](const engine::request_info& req) -> std::optional<std::string> {
    if (req.header("x-deny")) return "go away";
    return std::nullopt;
  };
  engine_harness h(o);
  http_client c(h.port());
  const auto refused = c.request("GET", polling_target(), {}, {{"X-Deny", "1"}});
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(error_body(refused), engine_error(4, "go away"));
  EXPECT_EQ(c.get(polling_target()).status, 200u);
}

TEST(EngineHandshake, RequestInfoIsKept) {
  engine_harness h;
  http_client c(h.port());
  const auto sid = sid_of(c.request("GET", polling_target() + "&token=a%20b", {}, {{"X-Test", "yes"}}).body);
  ASSERT_TRUE(h.wait_for("open " + sid + " polling"));
  auto s = h.session(sid);
  ASSERT_TRUE(s);
  const auto& req = s->request();
  EXPECT_EQ(req.method(), "GET");
  EXPECT_EQ(req.header("x-test"), "yes");
  EXPECT_EQ(req.header("X-TEST"), "yes");
  EXPECT_EQ(req.query("token"), "a b");
  EXPECT_EQ(req.remote_address(), "127.0.0.1");
}

TEST(EngineHandshake, CookieWhenEnabled) {
  engine::server_options o;
  o.cookie = engine::cookie_options{};
  engine_harness h(o);
  http_client c(h.port());
  const auto res = c.get(polling_target());
  EXPECT_EQ(res.header("set-cookie"), "io=" + sid_of(res.body) + "; Path=/; HttpOnly; SameSite=Lax");
  // Only the handshake sets it.
  EXPECT_FALSE(c.post(polling_target(sid_of(res.body)), "4x").header("set-cookie"));
}

TEST(EngineHandshake, OtherPathsAreNotFound) {
  engine::server_options o;
  o.path = "/custom";
  engine_harness h(o);
  http_client c(h.port());
  EXPECT_EQ(c.get("/engine.io/?EIO=4&transport=polling").status, 404u);
  http_client c2(h.port());
  EXPECT_EQ(c2.get("/custom/?EIO=4&transport=polling").status, 200u);
}

}  // namespace
}  // namespace sockio::test
