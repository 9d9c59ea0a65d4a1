#include <gtest/gtest.h>

#include "sockio/codec/sio/packet.hpp"

namespace sockio::sio {
namespace {

std::string text_of(const packet& p) {
  return encode(p).text;
}

std::optional<packet> decode_text(const std::string& text, std::error_code& ec) {
  decoder d;
  std::optional<packet> out;
  ec = d.add_text(text, out);
  return out;
}

TEST(SioPacket, EncodesEveryType) {
  EXPECT_EQ(text_of({packet_type::connect, "/", json(json::value_t::discarded), std::nullopt}), "0");
  EXPECT_EQ(text_of({packet_type::connect, "/admin", json{{"token", "x"}}, std::nullopt}), R"(0/admin,{"token":"x"})");
  EXPECT_EQ(text_of({packet_type::disconnect, "/admin", json(json::value_t::discarded), std::nullopt}), "1/admin,");
  EXPECT_EQ(text_of({packet_type::event, "/", json::array({"hello", 1}), std::nullopt}), R"(2["hello",1])");
  EXPECT_EQ(text_of({packet_type::event, "/admin", json::array({"hi"}), 12}), R"(2/admin,12["hi"])");
  EXPECT_EQ(text_of({packet_type::ack, "/", json::array({"ok"}), 7}), R"(37["ok"])");
  EXPECT_EQ(text_of({packet_type::connect_error, "/", json{{"message", "no"}}, std::nullopt}), R"(4{"message":"no"})");
}

TEST(SioPacket, NamedFactoriesGiveTheSameWire) {
  EXPECT_EQ(text_of(packet::connect("/")), "0");
  EXPECT_EQ(text_of(packet::connect("/admin", json{{"token", "x"}})), R"(0/admin,{"token":"x"})");
  EXPECT_EQ(text_of(packet::disconnect("/admin")), "1/admin,");
  EXPECT_EQ(text_of(packet::event("/", event_data("hello", json::array({1, "a"})))), R"(2["hello",1,"a"])");
  EXPECT_EQ(text_of(packet::event("/admin", event_data("hi", json::array()), 12)), R"(2/admin,12["hi"])");
  EXPECT_EQ(text_of(packet::ack("/", json::array({"ok"}), 7)), R"(37["ok"])");
  EXPECT_EQ(text_of(packet::connect_error("/", json{{"message", "no"}})), R"(4{"message":"no"})");
  EXPECT_EQ(event_data("one", 5), json::array({"one", 5}));  // a single argument
}

TEST(SioPacket, BinaryBecomesAttachmentsWithPlaceholders) {
  const json data = json::array({"file", binary("\x01\x02"), json{{"nested", binary("\x03")}}});
  const auto e = encode({packet_type::event, "/", data, std::nullopt});
  EXPECT_EQ(e.text, R"(52-["file",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}])");
  ASSERT_EQ(e.attachments.size(), 2u);
  EXPECT_EQ(e.attachments[0], "\x01\x02");
  EXPECT_EQ(e.attachments[1], "\x03");
  const auto ack = encode({packet_type::ack, "/x", json::array({binary("z")}), 3});
  EXPECT_EQ(ack.text, R"(61-/x,3[{"_placeholder":true,"num":0}])");
}

TEST(SioPacket, DecodesAndReconstructsBinary) {
  decoder d;
  std::optional<packet> out;
  ASSERT_FALSE(d.add_text(R"(52-/chat,4["up",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])", out));
  EXPECT_FALSE(out);
  EXPECT_TRUE(d.pending());
  ASSERT_FALSE(d.add_binary("first", out));
  EXPECT_FALSE(out);
  ASSERT_FALSE(d.add_binary("second", out));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->type, packet_type::binary_event);
  EXPECT_EQ(out->nsp, "/chat");
  EXPECT_EQ(out->id, 4u);
  EXPECT_EQ(to_bytes(out->data[1]), "second");
  EXPECT_EQ(to_bytes(out->data[2]), "first");
  EXPECT_FALSE(d.pending());
}

TEST(SioPacket, RoundTripsThroughEncoder) {
  const packet original{packet_type::event, "/ns", json::array({"e", binary(std::string("\0\xff", 2)), 3.5}), 99};
  const auto e = encode(original);
  decoder d;
  std::optional<packet> out;
  ASSERT_FALSE(d.add_text(e.text, out));
  for (const auto& a : e.attachments) ASSERT_FALSE(d.add_binary(a, out));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->data, original.data);
  EXPECT_EQ(out->id, original.id);
  EXPECT_EQ(out->nsp, original.nsp);
}

TEST(SioPacket, DecodesPlainPackets) {
  std::error_code ec;
  auto p = decode_text(R"(0/admin,{"token":"abc"})", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(p->type, packet_type::connect);
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->data["token"], "abc");
  p = decode_text("0", ec);
  ASSERT_FALSE(ec);
  EXPECT_FALSE(p->has_data());
  p = decode_text("1/admin,", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(p->type, packet_type::disconnect);
  p = decode_text(R"(2["hello",{"a":1}])", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_FALSE(p->id);
  p = decode_text(R"(3/admin,5[])", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(p->id, 5u);
  p = decode_text(R"(2[42])", ec);  // numeric event names are accepted, as socket.io-parser
  EXPECT_FALSE(ec);
}

struct malformed_case {
  const char* name;
  std::string input;
  parse_errc expected;
};

TEST(SioPacket, MalformedInputsGetDefinedErrors) {
  const std::vector<malformed_case> cases{
      {"empty", "", parse_errc::unknown_type},
      {"unknown type", "7", parse_errc::unknown_type},
      {"letter type", "x[]", parse_errc::unknown_type},
      {"bad json", R"(2["a")", parse_errc::invalid_json},
      {"trailing garbage", R"(2["a"]x)", parse_errc::invalid_json},
      {"event not array", R"(2{"a":1})", parse_errc::invalid_payload},
      {"event empty array", "2[]", parse_errc::invalid_payload},
      {"event name object", R"(2[{}])", parse_errc::invalid_payload},
      {"event without payload", "2", parse_errc::invalid_payload},
      {"ack without id", R"(3["a"])", parse_errc::invalid_ack_id},
      {"ack not array", R"(31"a")", parse_errc::invalid_payload},
      {"huge ack id", R"(299999999999999999999["a"])", parse_errc::invalid_ack_id},
      {"connect with array", R"(0["a"])", parse_errc::invalid_payload},
      {"disconnect with data", R"(1{"a":1})", parse_errc::invalid_payload},
      {"connect error without data", "4", parse_errc::invalid_payload},
      {"reserved connect", R"(2["connect"])", parse_errc::reserved_event},
      {"reserved disconnecting", R"(2["disconnecting"])", parse_errc::reserved_event},
      {"reserved newListener", R"(2["newListener"])", parse_errc::reserved_event},
      {"attachments without dash", R"(51["a"])", parse_errc::invalid_attachments},
      {"attachments not a number", R"(5x-["a"])", parse_errc::invalid_attachments},
      {"too many attachments", R"(511-["a"])", parse_errc::too_many_attachments},
      {"absurd attachments", R"(599999999999999999999999-["a"])", parse_errc::invalid_attachments},
      {"too deep", "2[\"a\"," + std::string(100, '[') + std::string(100, ']') + "]", parse_errc::too_deep},
  };
  for (const auto& c : cases) {
    std::error_code ec;
    decode_text(c.input, ec);
    EXPECT_EQ(ec, make_error_code(c.expected)) << c.name << ": " << ec.message();
  }
}

TEST(SioPacket, AttachmentErrors) {
  decoder d;
  std::optional<packet> out;
  EXPECT_EQ(d.add_binary("stray", out), make_error_code(parse_errc::unexpected_binary));
  ASSERT_FALSE(d.add_text(R"(51-["a",{"_placeholder":true,"num":3}])", out));
  EXPECT_EQ(d.add_binary("x", out), make_error_code(parse_errc::invalid_placeholder));
  ASSERT_FALSE(d.add_text(R"(51-["a",{"_placeholder":true,"num":0}])", out));
  EXPECT_EQ(d.add_text(R"(2["b"])", out), make_error_code(parse_errc::unexpected_binary));
}

}  // namespace
}  // namespace sockio::sio
