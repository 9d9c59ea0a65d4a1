// Room patterns and JWT verification of the gateway (tokens made with libjwt here).
#include <gtest/gtest.h>
#include <jwt.h>

#include <chrono>
#include <memory>

#include "auth.hpp"
#include "sockio/engine/server.hpp"

namespace sockio::gateway {
namespace {

TEST(RoomPattern, WildcardsMatchAnyRun) {
  EXPECT_TRUE(matches("*", ""));
  EXPECT_TRUE(matches("*", "lobby"));
  EXPECT_TRUE(matches("chat:*", "chat:1"));
  EXPECT_TRUE(matches("chat:*", "chat:"));
  EXPECT_FALSE(matches("chat:*", "chat"));
  EXPECT_TRUE(matches("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(matches("a*b*c", "abbbc"));
  EXPECT_FALSE(matches("a*b*c", "aXXbYY"));
  EXPECT_TRUE(matches("*-admin", "team-1-admin"));
  EXPECT_FALSE(matches("news", "news2"));
  EXPECT_FALSE(matches_any({}, "lobby"));
  EXPECT_TRUE(matches_any({"x", "lob*"}, "lobby"));
}

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// An HS256 token with `claims` (a JSON object).
std::string sign(const std::string& secret, const json& claims, jwt_alg_t alg = JWT_ALG_HS256) {
  jwt_t* raw = nullptr;
  jwt_new(&raw);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  jwt_add_grants_json(jwt.get(), claims.dump().c_str());
  jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(secret.data()), static_cast<int>(secret.size()));
  std::unique_ptr<char, decltype(&std::free)> token(jwt_encode_str(jwt.get()), std::free);
  return token.get();
}

config hs256_config() {
  config c;
  c.auth_secret = "s3cret";
  c.auth_issuer = "issuer";
  c.auth_audience = "chat";
  return c;
}

std::string error_of(const std::variant<json, std::string>& r) {
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(Authenticator, AcceptsAValidToken) {
  const auto c = hs256_config();
  authenticator auth(c);
  auto r = auth.verify(sign("s3cret", {{"sub", "u1"}, {"iss", "issuer"}, {"aud", "chat"}, {"exp", now() + 60}}));
  ASSERT_TRUE(std::holds_alternative<json>(r)) << error_of(r);
  EXPECT_EQ(std::get<json>(r)["sub"], "u1");
  // aud may be a list that contains ours.
  r = auth.verify(sign("s3cret", {{"iss", "issuer"}, {"aud", {"other", "chat"}}}));
  EXPECT_TRUE(std::holds_alternative<json>(r)) << error_of(r);
}

TEST(Authenticator, RefusesWithTheReason) {
  const auto c = hs256_config();
  authenticator auth(c);
  const json good{{"iss", "issuer"}, {"aud", "chat"}};
  EXPECT_EQ(error_of(auth.verify("not.a.token")), "invalid token");
  EXPECT_EQ(error_of(auth.verify(sign("wrong", good))), "invalid token");
  auto expired = good;
  expired["exp"] = now() - 1;
  EXPECT_EQ(error_of(auth.verify(sign("s3cret", expired))), "token expired");
  auto early = good;
  early["nbf"] = now() + 3600;
  EXPECT_EQ(error_of(auth.verify(sign("s3cret", early))), "token not yet valid");
  auto issuer = good;
  issuer["iss"] = "someone";
  EXPECT_EQ(error_of(auth.verify(sign("s3cret", issuer))), "invalid issuer");
  auto audience = good;
  audience["aud"] = "billing";
  EXPECT_EQ(error_of(auth.verify(sign("s3cret", audience))), "invalid audience");
  // Another algorithm than the configured one, even with the right key.
  EXPECT_EQ(error_of(auth.verify(sign("s3cret", good, JWT_ALG_HS512))), "invalid token");
  // alg "none": no signature at all.
  EXPECT_EQ(error_of(auth.verify(sign("", good, JWT_ALG_NONE))), "invalid token");
}

TEST(Authenticator, IdentityFromTokenOrDefaults) {
  auto c = hs256_config();
  c.auth_issuer.clear();
  c.auth_audience.clear();
  c.auth_default_join = {"lobby"};
  c.auth_default_publish = {};
  authenticator auth(c);

  sio::handshake anonymous;
  anonymous.set_auth({{"name", "ann\x01ie"}});
  auto id = std::get<identity>(auth.identify(anonymous));
  EXPECT_FALSE(id.user);
  EXPECT_EQ(id.name, "annie");  // control characters removed
  EXPECT_EQ(id.join, std::vector<std::string>{"lobby"});
  EXPECT_TRUE(id.publish.empty());

  engine::request_info bearer;
  bearer.add_header("authorization", "Bearer " + sign("s3cret", {{"sub", "u7"}, {"acl", {{"join", {"chat:*"}}}}}));
  sio::handshake with_token;
  with_token.request = std::make_shared<engine::request_info>(bearer);
  id = std::get<identity>(auth.identify(with_token));
  EXPECT_EQ(id.user, "u7");
  EXPECT_EQ(id.name, "u7");
  EXPECT_EQ(id.join, std::vector<std::string>{"chat:*"});
  EXPECT_TRUE(id.publish.empty());  // the ACL claim leaves publish out: denied

  engine::request_info garbage("GET", "/socket.io/?EIO=4&transport=websocket&token=garbage");
  sio::handshake bad;
  bad.request = std::make_shared<engine::request_info>(garbage);
  EXPECT_EQ(std::get<std::string>(auth.identify(bad)), "invalid token");

  c.auth_anonymous = false;
  authenticator strict(c);
  EXPECT_EQ(std::get<std::string>(strict.identify(anonymous)), "authentication required");
}

TEST(Authenticator, LongNamesAreCutBetweenCharacters) {
  const auto c = hs256_config();
  authenticator auth(c);
  sio::handshake hs;
  std::string name;
  for (int i = 0; i < 20; ++i) name += "\xC3\xA9";  // 'é', two bytes each
  hs.set_auth({{"name", "a" + name}});
  const auto id = std::get<identity>(auth.identify(hs));
  EXPECT_EQ(id.name.size(), 31u);               // 'a' and 15 of them: a 16th would make 33
  EXPECT_NO_THROW((void)json(id.name).dump());  // still valid UTF-8
}

}  // namespace
}  // namespace sockio::gateway
