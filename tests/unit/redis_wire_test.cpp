// The Redis wire formats against the bytes the Node peers write (captured with MONITOR:
// ../shared/reference/redis-wire-captures.txt), Redis URLs, and malformed input.
#include <gtest/gtest.h>

#include "sockio/codec/msgpack.hpp"
#include "sockio/redis/emitter.hpp"
#include "sockio/redis/url.hpp"
#include "sockio/redis/wire.hpp"

namespace {

namespace codec = sockio::codec;
namespace redis = sockio::redis;
namespace wire = sockio::redis::wire;
namespace sio = sockio::sio;
using sio::json;

/// Bytes from redis-cli's quoting (\xHH, \", \\, \a, \t, \n).
std::string unquote(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c == 'x') {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (c == 'a') {
      out += '\a';
    } else if (c == 't') {
      out += '\t';
    } else if (c == 'n') {
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

sio::broadcast_options rooms(std::set<std::string> in, std::set<std::string> except = {}) {
  sio::broadcast_options o;
  o.rooms = std::move(in);
  o.except = std::move(except);
  return o;
}

TEST(RedisWire, BroadcastBytesAreNodes) {
  // io.emit("hello", "world") from uid AbC123 (redis-wire.md 2.3): 62 bytes.
  const auto p = sio::packet::event("/", json::array({"hello", "world"}));
  const auto bytes = wire::encode_broadcast("AbC123", p, {});
  EXPECT_EQ(bytes.size(), 62u);
  EXPECT_EQ(bytes, unquote(R"(\x93\xa6AbC123\x83\xa4type\x02\xa4data\x92\xa5hello\xa5world\xa3nsp\xa1/)"
                           R"(\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80)"));
}

TEST(RedisWire, BroadcastFlagsRoomsAndBinaryAsCaptured) {
  auto o = rooms({"room1", "room2"}, {"room3"});
  o.flags.volatile_ = true;
  o.flags.compress = false;
  EXPECT_EQ(wire::encode_broadcast("9U9WOY", sio::packet::event("/", json::array({"multi", 42})), o),
            unquote(R"(\x93\xa69U9WOY\x83\xa4type\x02\xa4data\x92\xa5multi*\xa3nsp\xa1/\x83\xa5rooms\x92\xa5room1)"
                    R"(\xa5room2\xa6except\x91\xa5room3\xa5flags\x82\xa8volatile\xc3\xa8compress\xc2)"));
  const auto bin = sio::packet::event("/", json::array({"bin", sio::binary("\x01\x02\x03"), "x"}));
  EXPECT_EQ(wire::encode_broadcast("9U9WOY", bin, rooms({"room1"})),
            unquote(R"(\x93\xa69U9WOY\x83\xa4type\x02\xa4data\x93\xa3bin\xc4\x03\x01\x02\x03\xa1x\xa3nsp\xa1/)"
                    R"(\x83\xa5rooms\x91\xa5room1\xa6except\x90\xa5flags\x80)"));
  const wire::channels c("socket.io", "/", "9U9WOY");
  EXPECT_EQ(c.broadcast_for(rooms({"room1"})), "socket.io#/#room1#");
  EXPECT_EQ(c.broadcast_for(rooms({"room1", "room2"})), "socket.io#/#");
  EXPECT_EQ(c.pattern, "socket.io#/#*");
  EXPECT_EQ(c.request, "socket.io-request#/#");
  EXPECT_EQ(c.specific_response, "socket.io-response#/#9U9WOY#");
  EXPECT_EQ(c.response_for("abc", true), "socket.io-response#/#abc#");
}

TEST(RedisWire, NodesBroadcastDecodesWithNumbersDatesAndNull) {
  // io.emit("hello", "world", 1, 2.5, {a: true, n: null}) and a Date, from Node.
  std::string error;
  auto m = wire::decode_broadcast(
      unquote(R"(\x93\xa69U9WOY\x83\xa4type\x02\xa4data\x95\xa5hello\xa5world\x01\xcb@\x04\x00\x00\x00\x00\x00\x00)"
              R"(\x82\xa1a\xc3\xa1n\xc0\xa3nsp\xa1/\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80)"),
      error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->uid, "9U9WOY");
  EXPECT_EQ(m->packet.data, json::parse(R"(["hello","world",1,2.5,{"a":true,"n":null}])"));
  EXPECT_TRUE(m->options.rooms.empty());
  auto d = wire::decode_broadcast(
      unquote(R"(\x93\xa69U9WOY\x83\xa4type\x02\xa4data\x92\xa4date\xd7\xff\x1dSS\x00eS\xf1\x00\xa3nsp\xa1/)"
              R"(\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80)"),
      error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->packet.data[1], "2023-11-14T22:13:20.123Z");
}

TEST(RedisWire, RequestsAndResponsesInNodesShapes) {
  EXPECT_EQ(wire::fetch_sockets_request("9U9WOY", "XSv881", rooms({"room1"})),
            R"({"uid":"9U9WOY","requestId":"XSv881","type":5,"opts":{"rooms":["room1"],"except":[]}})");
  EXPECT_EQ(wire::all_rooms_request("9U9WOY", "3C4wMd"), R"({"uid":"9U9WOY","requestId":"3C4wMd","type":1})");
  EXPECT_EQ(wire::rooms_request(wire::request_type::remote_join, "9U9WOY", rooms({"room1"}), {"x", "y"}),
            R"({"uid":"9U9WOY","type":2,"opts":{"rooms":["room1"],"except":[]},"rooms":["x","y"]})");
  EXPECT_EQ(wire::rooms_request(wire::request_type::remote_leave, "9U9WOY", rooms({"room1"}), {"x"}),
            R"({"uid":"9U9WOY","type":3,"opts":{"rooms":["room1"],"except":[]},"rooms":["x"]})");
  EXPECT_EQ(wire::disconnect_request("9U9WOY", rooms({"room1"}), true),
            R"({"uid":"9U9WOY","type":4,"opts":{"rooms":["room1"],"except":[]},"close":true})");
  EXPECT_EQ(wire::server_side_emit_request("9U9WOY", "", json::array({"ping", 1, "two"})),
            R"({"uid":"9U9WOY","type":6,"data":["ping",1,"two"]})");
  EXPECT_EQ(wire::server_side_emit_request("9U9WOY", "JhZW6T", json::array({"ping2"})),
            R"({"uid":"9U9WOY","requestId":"JhZW6T","type":6,"data":["ping2"]})");
  auto with_timeout = sio::broadcast_options{};
  with_timeout.flags.timeout = std::chrono::milliseconds(1500);
  EXPECT_EQ(wire::encode_broadcast_with_ack("9U9WOY", "uctCXa", sio::packet::event("/", json::array({"ackme", "q"})),
                                            with_timeout),
            unquote(R"(\x85\xa3uid\xa69U9WOY\xa9requestId\xa6uctCXa\xa4type\a\xa6packet\x83\xa4type\x02\xa4data)"
                    R"(\x92\xa5ackme\xa1q\xa3nsp\xa1/\xa4opts\x83\xa5rooms\x90\xa6except\x90\xa5flags\x81\xa7timeout)"
                    R"(\xcd\x05\xdc)"));
  EXPECT_EQ(wire::client_count_response("uctCXa", 1), R"({"type":8,"requestId":"uctCXa","clientCount":1})");
  EXPECT_EQ(wire::broadcast_ack_response("uctCXa", json::array({"client-ack:q"})),
            unquote(R"(\x83\xa4type\t\xa9requestId\xa6uctCXa\xa6packet\xacclient-ack:q)"));
  EXPECT_EQ(wire::server_side_emit_response("JhZW6T", json::array({"pong"})),
            R"({"type":6,"requestId":"JhZW6T","data":"pong"})");
  EXPECT_EQ(wire::server_side_emit_response("JhZW6T", json::array()), R"({"type":6,"requestId":"JhZW6T"})");
  EXPECT_EQ(wire::all_rooms_response("3C4wMd", {"room1", "yadDrrvDPjAah1QyAAAA"}),
            R"({"requestId":"3C4wMd","rooms":["room1","yadDrrvDPjAah1QyAAAA"]})");
}

TEST(RedisWire, FetchResponseFromNodeDecodes) {
  // The socket of a Node node, as captured (headers shortened).
  const auto j = json::parse(unquote(
      R"({\"id\":\"yadDrrvDPjAah1QyAAAA\",\"handshake\":{\"headers\":{\"host\":\"127.0.0.1:3102\"},)"
      R"(\"time\":\"Tue Dec 01 2026 19:20:53 GMT+0000 (Coordinated Universal Time)\",\"address\":\"::ffff:127.0.0.1\",)"
      R"(\"xdomain\":false,\"secure\":false,\"issued\":1796152853033,\"url\":\"/socket.io/?EIO=4&transport=websocket\",)"
      R"(\"query\":{\"EIO\":\"4\",\"transport\":\"websocket\"},\"auth\":{}},\"rooms\":[\"yadDrrvDPjAah1QyAAAA\",\"room1\"],)"
      R"(\"data\":{}})"));
  auto s = wire::decode_socket(j, nullptr);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, "yadDrrvDPjAah1QyAAAA");
  EXPECT_TRUE(s->remote);
  EXPECT_EQ(s->rooms, (std::set<std::string>{"room1", "yadDrrvDPjAah1QyAAAA"}));
  EXPECT_EQ(s->handshake.address(), "::ffff:127.0.0.1");
  EXPECT_EQ(s->handshake.issued, 1796152853033);
  EXPECT_EQ(s->handshake.query(), json::parse(R"({"EIO":"4","transport":"websocket"})"));
  EXPECT_EQ(s->handshake.header("host"), "127.0.0.1:3102");
  EXPECT_FALSE(wire::decode_socket(json::parse(R"({"id":5})"), nullptr));
  EXPECT_FALSE(wire::decode_socket(json::parse(R"({"id":"x","rooms":"r"})"), nullptr));
}

TEST(RedisWire, EmitterBytesAreNodes) {
  redis::emitter e(nullptr);
  auto [channel, bytes] = e.broadcast_message("from-emitter", json::array({1}));
  EXPECT_EQ(channel, "socket.io#/#");
  EXPECT_EQ(bytes, unquote(R"(\x93\xa7emitter\x83\xa4type\x02\xa4data\x92\xacfrom-emitter\x01\xa3nsp\xa1/)"
                           R"(\x83\xa5rooms\x90\xa5flags\x80\xa6except\x90)"));
  std::tie(channel, bytes) = e.to("room1").broadcast_message("from-emitter-room", json::array({"a"}));
  EXPECT_EQ(channel, "socket.io#/#room1#");
  EXPECT_EQ(bytes, unquote(R"(\x93\xa7emitter\x83\xa4type\x02\xa4data\x92\xb1from-emitter-room\xa1a\xa3nsp\xa1/)"
                           R"(\x83\xa5rooms\x91\xa5room1\xa5flags\x80\xa6except\x90)"));
  std::tie(channel, bytes) = e.of("admin").broadcast_message("adm", json::array({1}));
  EXPECT_EQ(channel, "socket.io#/admin#");
  EXPECT_EQ(bytes, unquote(R"(\x93\xa7emitter\x83\xa4type\x02\xa4data\x92\xa3adm\x01\xa3nsp\xa6/admin)"
                           R"(\x83\xa5rooms\x90\xa5flags\x80\xa6except\x90)"));
}

TEST(Msgpack, NotepackNumberForms) {
  EXPECT_EQ(codec::to_msgpack(1796152896280), unquote(R"(\xcf\x00\x00\x01\xa2\x33\x0e\x2b\x18)"));
  EXPECT_EQ(codec::to_msgpack(2.5), unquote(R"(\xcb\x40\x04\x00\x00\x00\x00\x00\x00)"));
  EXPECT_EQ(codec::to_msgpack(3.0), "\x03");  // integral: an integer, as in JavaScript
  EXPECT_EQ(codec::to_msgpack(-1), "\xff");
  EXPECT_EQ(codec::to_msgpack(-33), unquote(R"(\xd0\xdf)"));
  EXPECT_EQ(codec::to_msgpack(200), unquote(R"(\xcc\xc8)"));
  EXPECT_EQ(codec::to_msgpack(-40000), unquote(R"(\xd2\xff\xff\x63\xc0)"));
  EXPECT_EQ(codec::to_msgpack(std::string(40, 'a')).substr(0, 2), unquote(R"(\xd9\x28)"));
  for (const auto& v : {json(nullptr), json(true), json(-5), json(1u << 31), json(-(1LL << 40)), json(0.1), json("ü"),
                        json::array({1, json::array({2})}), json{{"k", sio::binary("\x00\xff")}}}) {
    EXPECT_EQ(*codec::from_msgpack(codec::to_msgpack(v)).value, v) << v.dump();
  }
}

TEST(Msgpack, TimestampsBecomeJavaScriptIsoStrings) {
  EXPECT_EQ(*codec::from_msgpack(unquote(R"(\xd7\xff\x1d\x53\x53\x00\x65\x53\xf1\x00)")).value,
            "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(*codec::from_msgpack(unquote(R"(\xd6\xff\x65\x53\xf1\x00)")).value, "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(codec::iso_date(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(codec::iso_date(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(codec::iso_date(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(codec::iso_date(253402300800000), "+010000-01-01T00:00:00.000Z");
  EXPECT_EQ(*codec::from_msgpack(unquote(R"(\xd4\x00\x00)")).value, nullptr);  // notepack's undefined
  EXPECT_EQ(*codec::from_msgpack(unquote(R"(\xd5\x05\x01\x02)")).value,
            json::array({5, json::binary({1, 2})}));  // other extensions: [type, bytes]
}

TEST(Msgpack, MalformedInputIsRefusedWithAReason) {
  EXPECT_EQ(codec::from_msgpack("").error, "truncated input");
  EXPECT_EQ(codec::from_msgpack("\xc1").error, "invalid byte 0xc1");
  EXPECT_EQ(codec::from_msgpack("\x01\x02").error, "1 trailing bytes");
  EXPECT_EQ(codec::from_msgpack(unquote(R"(\xdd\xff\xff\xff\xff)")).error, "truncated input");
  EXPECT_EQ(codec::from_msgpack(unquote(R"(\xdb\xff\xff\xff\xff)")).error, "truncated input");
  EXPECT_EQ(codec::from_msgpack(std::string(100, '\x91') + "\x01").error, "nested too deep");
  EXPECT_EQ(*codec::from_msgpack(unquote(R"(\xd6\xff\xff\xff\xff\xff)")).value, "2106-02-07T06:28:15.000Z");
  EXPECT_EQ(codec::from_msgpack(unquote(R"(\xc7\x03\xff\x00\x00\x00)")).error, "bad timestamp length");
}

TEST(RedisWire, MalformedMessagesAreRefused) {
  std::string error;
  EXPECT_FALSE(wire::decode_broadcast("\xc1", error));
  EXPECT_EQ(error, "msgpack: invalid byte 0xc1");
  EXPECT_FALSE(wire::decode_broadcast(codec::to_msgpack(json::array({1, 2, 3})), error));
  EXPECT_EQ(error, "not [uid, packet, opts]");
  EXPECT_FALSE(wire::decode_broadcast(codec::to_msgpack(json::array({"u", {{"type", 3}}, json::object()})), error));
  EXPECT_EQ(error, "the packet is not an event");
  EXPECT_FALSE(wire::decode_broadcast(
      codec::to_msgpack(json::array({"u", {{"type", 2}, {"data", {"e"}}}, {{"rooms", "r"}}})), error));
  EXPECT_EQ(error, "bad broadcast options");
  EXPECT_FALSE(wire::decode_envelope("{not json", error));
  EXPECT_EQ(error, "invalid JSON");
  // Numeric rooms (JavaScript allows them) are rooms by their text.
  auto o = wire::decode_options(json::parse(R"({"rooms":[12,"a"],"except":[],"flags":{"volatile":true}})"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->rooms, (std::set<std::string>{"12", "a"}));
  EXPECT_TRUE(o->flags.volatile_);
}

TEST(RedisUrl, Forms) {
  auto u = redis::parse_url("redis://127.0.0.1:6380/2");
  EXPECT_EQ(u.kind, redis::url::scheme::tcp);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 2);
  u = redis::parse_url("rediss://alice:s%40cret@cache.example:6390");
  EXPECT_EQ(u.kind, redis::url::scheme::tls);
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "s@cret");
  EXPECT_EQ(u.redacted(), "rediss://alice:***@cache.example:6390");
  u = redis::parse_url("redis://:pw@h");
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.port, 6379);
  u = redis::parse_url("redis://[::1]:7000");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 7000);
  u = redis::parse_url("unix:///run/redis.sock?db=3");
  EXPECT_EQ(u.kind, redis::url::scheme::unix_socket);
  EXPECT_EQ(u.path, "/run/redis.sock");
  EXPECT_EQ(u.db, 3);
  for (const char* bad :
       {"http://h", "redis://", "redis://h:0", "redis://h:70000", "redis://h/x", "unix://rel", "127.0.0.1:6379"}) {
    EXPECT_THROW(redis::parse_url(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
