// The ClusterMessage protocol (sharded and streams adapters) against the bytes Node's
// @socket.io/redis-adapter 8.3 (createShardedAdapter) wrote, captured in
// ../shared/reference/redis-wire.md §3.
#include <gtest/gtest.h>

#include "sockio/redis/cluster_wire.hpp"

namespace sockio::redis::cluster_wire {
namespace {

const std::string uid = "c39c07bbc9ec697e";

sio::broadcast_options to(std::set<sio::room> rooms) {
  sio::broadcast_options o;
  o.rooms = std::move(rooms);
  return o;
}

TEST(ClusterWire, BroadcastsAsNodeWritesThem) {
  auto p = sio::packet::event("/", json::array({"hello", "world", 1, 2.5, {{"a", true}, {"n", nullptr}}}));
  EXPECT_EQ(encode(message_type::broadcast, broadcast_data(p, {}), uid, "/"),
            R"({"type":3,"data":{"packet":{"type":2,"data":["hello","world",1,2.5,{"a":true,"n":null}]},)"
            R"("opts":{"rooms":[],"except":[],"flags":{}}},"uid":"c39c07bbc9ec697e","nsp":"/"})");
  sio::broadcast_options timed;
  timed.flags.timeout = std::chrono::milliseconds(1500);
  auto q = sio::packet::event("/", json::array({"ackme", "q"}));
  EXPECT_EQ(encode(message_type::broadcast, broadcast_data(q, timed, "42b2739e685f00f4"), uid, "/"),
            R"({"type":3,"data":{"packet":{"type":2,"data":["ackme","q"]},"requestId":"42b2739e685f00f4",)"
            R"("opts":{"rooms":[],"except":[],"flags":{"timeout":1500}}},"uid":"c39c07bbc9ec697e","nsp":"/"})");
}

TEST(ClusterWire, ABinaryBroadcastIsMsgpackInNodesKeyOrder) {
  // The capture's bytes; its elided "opts" part is what notepack.io 3 writes for this
  // object (checked with `node -e` against the npm package).
  auto p = sio::packet::event("/", json::array({"bin", json::binary({1, 2, 3}), "x"}));
  const std::string expected =
      "\x84\xa4type\x03\xa4"
      "data\x82\xa6packet\x82\xa4type\x02\xa4"
      "data\x93\xa3"
      "bin\xc4\x03\x01\x02\x03\xa1x"
      "\xa4opts\x83\xa5rooms\x90\xa6"
      "except\x90\xa5"
      "flags\x80"
      "\xa3uid\xb0"
      "c39c07bbc9ec697e\xa3nsp\xa1/";
  EXPECT_EQ(encode(message_type::broadcast, broadcast_data(p, {}), uid, "/"), expected);
  // Read back: the same message.
  std::string error;
  const auto m = decode(expected, error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->type, message_type::broadcast);
  EXPECT_EQ(m->uid, uid);
  EXPECT_EQ(m->nsp, "/");
  EXPECT_TRUE(m->data["packet"]["data"][1].is_binary());
}

TEST(ClusterWire, RequestsAndResponsesAsNodeWritesThem) {
  const auto room1 = to({"room1"});
  EXPECT_EQ(encode(message_type::sockets_join, rooms_data(room1, {"x", "y"}), uid, "/"),
            R"({"type":4,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["x","y"]},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  EXPECT_EQ(encode(message_type::disconnect_sockets, disconnect_data(room1, true), uid, "/"),
            R"({"type":6,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"close":true},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  EXPECT_EQ(encode(message_type::fetch_sockets, fetch_sockets_data(room1, "566cce946b20acd2"), uid, "/"),
            R"({"type":7,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"requestId":"566cce946b20acd2"},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  EXPECT_EQ(encode(message_type::server_side_emit, server_side_emit_data(json::array({"ping2"}), "d0849e5ce94146e8"),
                   uid, "/"),
            R"({"type":9,"data":{"requestId":"d0849e5ce94146e8","packet":["ping2"]},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  EXPECT_EQ(encode(message_type::server_side_emit, server_side_emit_data(json::array({"hi", 1})), uid, "/admin"),
            R"({"type":9,"data":{"packet":["hi",1]},"uid":"c39c07bbc9ec697e","nsp":"/admin"})");
  EXPECT_EQ(encode(message_type::server_side_emit_response,
                   first_argument_data("d0849e5ce94146e8", json::array({"pong-from-3102", "ignored"})), uid, "/"),
            R"({"type":10,"data":{"requestId":"d0849e5ce94146e8","packet":"pong-from-3102"},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  EXPECT_EQ(encode(message_type::broadcast_client_count, client_count_data("42b2739e685f00f4", 1), uid, "/"),
            R"({"type":11,"data":{"requestId":"42b2739e685f00f4","clientCount":1},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  EXPECT_EQ(encode(message_type::broadcast_ack, first_argument_data("42b2739e685f00f4", json::array({"client-ack:q"})),
                   uid, "/"),
            R"({"type":12,"data":{"requestId":"42b2739e685f00f4","packet":"client-ack:q"},)"
            R"("uid":"c39c07bbc9ec697e","nsp":"/"})");
  // No acknowledgement argument: no "packet".
  EXPECT_EQ(encode(message_type::broadcast_ack, first_argument_data("r", json::array()), uid, "/"),
            R"({"type":12,"data":{"requestId":"r"},"uid":"c39c07bbc9ec697e","nsp":"/"})");
}

TEST(ClusterWire, TheChannelOfABroadcastFollowsTheMode) {
  const sharded_channels ch("socket.io", "/", uid);
  EXPECT_EQ(ch.main, "socket.io#/#");
  EXPECT_EQ(ch.response, "socket.io#/#c39c07bbc9ec697e#");
  EXPECT_EQ(ch.response_to("31533ad87345941b"), "socket.io#/#31533ad87345941b#");
  const auto room = to({"room1"});
  const auto socket_room = to({"pdoKi54s1dCGY9iAAAAA"});  // 20 characters
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::static_, room, false), "socket.io#/#");
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::dynamic, room, false), "socket.io#/#room1#");
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::dynamic, socket_room, false), "socket.io#/#");
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::dynamic_private, socket_room, false),
            "socket.io#/#pdoKi54s1dCGY9iAAAAA#");
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::dynamic, room, true), "socket.io#/#");  // with an ack
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::dynamic, to({"a", "b"}), false), "socket.io#/#");
  EXPECT_EQ(ch.broadcast_channel(subscription_mode::dynamic, {}, false), "socket.io#/#");
  EXPECT_FALSE(subscribes_to_room(subscription_mode::static_, false));
  EXPECT_TRUE(subscribes_to_room(subscription_mode::dynamic, false));
  EXPECT_FALSE(subscribes_to_room(subscription_mode::dynamic, true));
  EXPECT_TRUE(subscribes_to_room(subscription_mode::dynamic_private, true));
}

TEST(ClusterWire, BadMessagesAreRefused) {
  std::string error;
  EXPECT_TRUE(decode(R"({"type":8,"data":{"requestId":"r","sockets":[]},"uid":"u","nsp":"/"})", error));
  EXPECT_TRUE(decode(R"({"type":"3","uid":"u"})", error));  // a stream entry's text type
  for (const char* bad :
       {"", "{", "[1,2]", R"({"uid":"u"})", R"({"type":0,"uid":"u"})", R"({"type":14,"uid":"u"})",
        R"({"type":"x","uid":"u"})", R"({"type":"123","uid":"u"})", R"({"type":3})", R"({"type":3,"uid":5})", "\xc1"}) {
    error.clear();
    EXPECT_FALSE(decode(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

// @socket.io/redis-streams-adapter 0.3.1, captured in redis-wire.md §5.3 and §5.7.
TEST(StreamsWire, EntriesAsNodeWritesThem) {
  auto p = sio::packet::event("/", json::array({"hello", "world"}));
  EXPECT_EQ(stream_fields(message_type::broadcast, broadcast_data(p, {}), "8ec10b64febc1df7", "/"),
            (std::vector<std::string>{
                "uid", "8ec10b64febc1df7", "nsp", "/", "type", "3", "data",
                R"({"packet":{"type":2,"data":["hello","world"]},"opts":{"rooms":[],"except":[],"flags":{}}})"}));
  // Binary: the data is base64 msgpack, byte for byte Node's.
  auto bin = sio::packet::event("/", json::array({"bin", json::binary({1, 2, 3})}));
  const auto fields = stream_fields(message_type::broadcast, broadcast_data(bin, to({"room1"})), "u", "/");
  EXPECT_EQ(fields.back(), "gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpbsQDAQIDpG9wdHODpXJvb21zkaVyb29tMaZleGNlcHSQpWZsYWdzgA==");
  EXPECT_EQ(stream_fields(message_type::broadcast, broadcast_data(bin, to({"room1"})), "u", "/", true).back()[0], '{');
  // And back.
  std::string error;
  const auto m = decode_stream_entry(fields, error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->type, message_type::broadcast);
  EXPECT_EQ(m->uid, "u");
  EXPECT_EQ(m->data["packet"]["data"][1], json::binary({1, 2, 3}));
  EXPECT_EQ(m->data["opts"]["rooms"], json::array({"room1"}));
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"foo", "bar"},
           {"uid", "u", "nsp", "/", "type", "99"},
           {"uid", "u", "nsp", "/", "type", "3", "data", "{not json"},
           {"uid", "u", "nsp", "/", "type", "3", "data", "!!"},
           {"uid", "u", "nsp", "/", "type", "3", "data", "e30="},  // base64 of "{}": not msgpack
       }) {
    error.clear();
    EXPECT_FALSE(decode_stream_entry(bad, error));
    EXPECT_FALSE(error.empty());
  }
}

TEST(StreamsWire, PubSubMessagesAreMsgpackEnvelopes) {
  const auto bytes = encode_msgpack(message_type::fetch_sockets, ojson{{"requestId", "r"}}, "u", "/");
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x84);  // {type, data, uid, nsp}
  EXPECT_EQ(bytes.substr(1, 5), "\xa4type");
  std::string error;
  const auto m = decode(bytes, error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->type, message_type::fetch_sockets);
  EXPECT_EQ(m->data["requestId"], "r");
}

TEST(StreamsWire, StreamNamesAsNodeComputesThem) {
  EXPECT_EQ(stream_name("socket.io", 1, "/chat"), "socket.io");
  // Java's String.hashCode: "/chat" is 46457863 (mod 4: 3), "/notifications" -1014064871
  // (mod 4: -3: the sign kept, as JS's %).
  EXPECT_EQ(stream_name("socket.io", 4, "/chat"), "socket.io-3");
  EXPECT_EQ(stream_name("socket.io", 4, "/notifications"), "socket.io--3");
  EXPECT_EQ(stream_name("s", 2, "/"), "s-1");  // '/' = 47
  // UTF-16 code units: U+1F600 is two of them (0xD83D 0xDE00).
  EXPECT_EQ(stream_name("s", 1000, "\xf0\x9f\x98\x80"), "s-" + std::to_string((0xD83D * 31 + 0xDE00) % 1000));
}

TEST(StreamsWire, SessionsAsNodeStoresThem) {
  sio::session_snapshot s{
      "ffcqwB261g6JAdL5AAAA", "aCo-qcQFqWyv0GC3AAAB", {"ffcqwB261g6JAdL5AAAA", "room1", "x"}, json::object()};
  const auto text = encode_session(s);
  EXPECT_EQ(text.substr(0, 12), "hKNzaWS0ZmZj");  // the captured SET's value begins so
  std::string error;
  const auto back = decode_session(text, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->sid, s.sid);
  EXPECT_EQ(back->pid, s.pid);
  EXPECT_EQ(back->rooms, s.rooms);
  EXPECT_EQ(back->data, json::object());
  EXPECT_FALSE(decode_session("e30=", error));
  EXPECT_FALSE(decode_session("!!", error));
}

}  // namespace
}  // namespace sockio::redis::cluster_wire
