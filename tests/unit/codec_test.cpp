// The small codecs: URLs and query strings, ids, the WebSocket handshake keys, the
// Engine.IO open packet.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sockio/codec/base64.hpp"
#include "sockio/codec/engine/open_packet.hpp"
#include "sockio/codec/random_id.hpp"
#include "sockio/codec/url.hpp"
#include "sockio/codec/ws/handshake.hpp"

namespace sockio {
namespace {

TEST(CodecUrl, ParsesAndDecodesQuery) {
  const auto q = codec::parse_query("/engine.io/?EIO=4&transport=polling&t=a%20b+c&flag&x=%zz#frag");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0], (codec::query_param{"EIO", "4"}));
  EXPECT_EQ(q[2].second, "a b c");
  EXPECT_EQ(q[3], (codec::query_param{"flag", ""}));
  EXPECT_EQ(q[4].second, "%zz");  // invalid escapes stay as they are
  EXPECT_EQ(codec::target_path("/engine.io/?EIO=4"), "/engine.io/");
  EXPECT_EQ(codec::find_query("/p?sid=abc", "sid"), "abc");
  EXPECT_FALSE(codec::find_query("/p", "sid"));
  EXPECT_EQ(codec::percent_decode("%41%"), "A%");
}

TEST(CodecUrl, PathDecodingIsStrict) {
  EXPECT_EQ(codec::percent_decode_path("/a%20b+c"), "/a b+c");  // '+' is no space in a path
  EXPECT_FALSE(codec::percent_decode_path("/a%2"));
  EXPECT_FALSE(codec::percent_decode_path("/a%zz"));
}

TEST(CodecUrl, BuiltQueriesParseBack) {
  const std::vector<codec::query_param> params{{"EIO", "4"}, {"token", "a b&c=d/é"}, {"empty", ""}};
  const auto query = codec::build_query(params);
  EXPECT_EQ(query, "EIO=4&token=a%20b%26c%3Dd%2F%C3%A9&empty=");
  EXPECT_EQ(codec::parse_query("/?" + query), params);
}

TEST(CodecRandomId, IdsAreRandomAndRecognised) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto id = codec::random_id();
    EXPECT_EQ(id.size(), codec::id_length);
    EXPECT_TRUE(codec::is_random_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(codec::random_id(8).size(), 8u);
  const auto longer = codec::random_id(70);  // more than one chunk of random bytes
  EXPECT_EQ(longer.size(), 70u);
  EXPECT_EQ(longer.find_first_not_of(codec::id_alphabet), std::string::npos);
  EXPECT_FALSE(codec::is_random_id("short"));
  EXPECT_FALSE(codec::is_random_id("abcdefghijklmnopqrs!"));  // 20 characters, one outside the alphabet
}

TEST(CodecRandomId, HexIdsAreNodesClusterAdapterIds) {
  std::set<std::string> seen;
  std::set<char> digits;
  for (int i = 0; i < 100; ++i) {
    const auto id = codec::random_hex(8);  // Node's randomBytes(8).toString("hex")
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    digits.insert(id.begin(), id.end());
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(digits.size(), 16u);                 // every digit appears in 1,600 of them
  EXPECT_EQ(codec::random_hex(40).size(), 80u);  // more than one chunk of random bytes
}

TEST(CodecWsHandshake, AcceptKeyOfRfc6455) {
  // The example of RFC 6455 section 1.3.
  EXPECT_EQ(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(CodecWsHandshake, ClientKeysAreSixteenRandomBytes) {
  const auto a = ws::make_client_key(), b = ws::make_client_key();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, b);
  const auto bytes = codec::base64_decode(a);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 16u);
}

TEST(CodecWsHandshake, UpgradeChecks) {
  const std::string key(24, 'k');
  EXPECT_EQ(ws::check_upgrade("13", key, true, true), ws::upgrade_check::ok);
  EXPECT_EQ(ws::check_upgrade("8", key, true, true), ws::upgrade_check::unsupported_version);
  EXPECT_EQ(ws::check_upgrade("13", key, false, true), ws::upgrade_check::bad_handshake);
  EXPECT_EQ(ws::check_upgrade("13", key, true, false), ws::upgrade_check::bad_handshake);
  EXPECT_EQ(ws::check_upgrade("13", "short", true, true), ws::upgrade_check::bad_handshake);
}

TEST(CodecOpenPacket, EncodesInEngineIoOrderAndDecodesBack) {
  engine::open_packet p{.sid = "abc", .upgrades = {"websocket"}, .max_payload = 1000};
  const auto text = engine::encode_open_packet(p);
  EXPECT_EQ(text,
            R"({"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000})");
  EXPECT_EQ(engine::decode_open_packet(text), p);
}

TEST(CodecOpenPacket, RejectsMalformedOpenPackets) {
  EXPECT_FALSE(engine::decode_open_packet("not json"));
  EXPECT_FALSE(engine::decode_open_packet(R"({"pingInterval":1,"pingTimeout":1})"));  // no sid
  EXPECT_FALSE(engine::decode_open_packet(R"({"sid":"a","pingInterval":"1","pingTimeout":1})"));
  EXPECT_FALSE(engine::decode_open_packet(R"({"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":[1]})"));
  const auto minimal = engine::decode_open_packet(R"({"sid":"a","pingInterval":1,"pingTimeout":2})");
  ASSERT_TRUE(minimal);
  EXPECT_TRUE(minimal->upgrades.empty());
  EXPECT_EQ(minimal->ping_timeout.count(), 2);
}

}  // namespace
}  // namespace sockio
