#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sockio/codec/base64.hpp"
#include "sockio/codec/engine/error.hpp"
#include "sockio/codec/engine/packet.hpp"

namespace sockio::engine {
namespace {

std::string encode(const packet_view& p) {
  std::string out;
  encode_packet(p, out);
  return out;
}

TEST(EnginePacket, EncodesEveryTextType) {
  EXPECT_EQ(encode({packet_type::open, R"({"sid":"x"})"}), R"(0{"sid":"x"})");
  EXPECT_EQ(encode({packet_type::close, ""}), "1");
  EXPECT_EQ(encode({packet_type::ping, ""}), "2");
  EXPECT_EQ(encode({packet_type::ping, "probe"}), "2probe");
  EXPECT_EQ(encode({packet_type::pong, "probe"}), "3probe");
  EXPECT_EQ(encode({packet_type::message, "hello €"}), "4hello €");
  EXPECT_EQ(encode({packet_type::upgrade, ""}), "5");
  EXPECT_EQ(encode({packet_type::noop, ""}), "6");
}

TEST(EnginePacket, EncodesBinaryAsBase64WithPrefix) {
  const std::string bytes("\x01\x02\x03\x04", 4);
  EXPECT_EQ(encode({packet_type::message, bytes, true}), "bAQIDBA==");
  EXPECT_EQ(encode({packet_type::message, "", true}), "b");
}

TEST(EnginePacket, DecodesEveryType) {
  for (int t = 0; t <= 6; ++t) {
    packet p;
    const std::string text = std::to_string(t) + "data";
    ASSERT_FALSE(decode_packet(text, p)) << text;
    EXPECT_EQ(static_cast<int>(p.type), t);
    EXPECT_EQ(p.data, "data");
    EXPECT_FALSE(p.binary);
  }
}

TEST(EnginePacket, DecodesBase64Binary) {
  packet p;
  ASSERT_FALSE(decode_packet("bAQIDBA==", p));
  EXPECT_EQ(p.type, packet_type::message);
  EXPECT_TRUE(p.binary);
  EXPECT_EQ(p.data, std::string("\x01\x02\x03\x04", 4));
}

TEST(EnginePacket, Base64RoundTripsAllLengthsAndBytes) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 7));
    auto decoded = codec::base64_decode(codec::base64_encode(bytes));
    ASSERT_TRUE(decoded) << i;
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_EQ(codec::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(codec::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(codec::base64_encode("f"), "Zg==");
}

TEST(EnginePayload, EncodesWithRecordSeparator) {
  const std::string bin("\xff", 1);
  const std::vector<packet_view> packets{
      {packet_type::message, "hello"}, {packet_type::message, bin, true}, {packet_type::ping, ""}};
  std::string out;
  encode_payload(packets, out);
  EXPECT_EQ(out,
            "4hello\x1e"
            "b/w==\x1e"
            "2");
}

TEST(EnginePayload, DecodesWithRecordSeparator) {
  std::vector<packet> out;
  ASSERT_FALSE(
      decode_payload("4hello\x1e"
                     "b/w==\x1e"
                     "3\x1e"
                     "4",
                     out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], (packet{packet_type::message, "hello", false}));
  EXPECT_EQ(out[1], (packet{packet_type::message, std::string("\xff", 1), true}));
  EXPECT_EQ(out[2], (packet{packet_type::pong, "", false}));
  EXPECT_EQ(out[3], (packet{packet_type::message, "", false}));
}

// Every malformed input gets a defined error (and never crashes).
struct malformed_case {
  const char* name;
  std::string input;
  errc expected;
};

TEST(EnginePayload, MalformedInputsGetDefinedErrors) {
  const std::vector<malformed_case> cases{
      {"empty", "", errc::invalid_packet},
      {"type too high", "7", errc::invalid_packet},
      {"type not a digit", "x", errc::invalid_packet},
      {"negative", "-1", errc::invalid_packet},
      {"empty record between", std::string("4a\x1e\x1e") + "4b", errc::invalid_packet},
      {"trailing separator", std::string("4a\x1e"), errc::invalid_packet},
      {"bad base64 char", "b!!!!", errc::invalid_base64},
      {"base64 wrong length", "bAQI", errc::invalid_base64},
      {"base64 bad length 5", "bAQIDB", errc::invalid_base64},
      {"data after padding", "bA=QI", errc::invalid_base64},
      {"padding too early", "b=AAA", errc::invalid_base64},
      {"nul byte type", std::string("\0abc", 4), errc::invalid_packet},
      {"high byte type",
       "\xff"
       "abc",
       errc::invalid_packet},
  };
  for (const auto& c : cases) {
    std::vector<packet> out;
    const auto ec = decode_payload(c.input, out);
    EXPECT_EQ(ec, make_error_code(c.expected)) << c.name;
  }
  std::vector<packet> partial;
  EXPECT_TRUE(decode_payload(std::string("4ok\x1e") + "9bad", partial));
  ASSERT_EQ(partial.size(), 1u);  // what came before the bad packet
  EXPECT_EQ(partial[0].data, "ok");
}

TEST(EngineErrors, HandshakeErrorsCarryEngineIoCodes) {
  EXPECT_EQ(handshake_error_code(errc::unknown_transport), 0);
  EXPECT_EQ(handshake_error_code(errc::unknown_sid), 1);
  EXPECT_EQ(handshake_error_code(errc::bad_handshake_method), 2);
  EXPECT_EQ(handshake_error_code(errc::bad_request), 3);
  EXPECT_EQ(handshake_error_code(errc::forbidden), 4);
  EXPECT_EQ(handshake_error_code(errc::unsupported_protocol_version), 5);
  EXPECT_EQ(handshake_error_code(errc::invalid_packet), -1);
  EXPECT_EQ(make_error_code(errc::unknown_sid).message(), "Session ID unknown");
  EXPECT_STREQ(error_category().name(), "sockio.engine");
}

}  // namespace
}  // namespace sockio::engine
