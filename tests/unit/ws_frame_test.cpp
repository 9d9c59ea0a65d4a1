// WebSocket framing: client frames in, server frame headers out, and the client role.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sockio/codec/ws/frame_reader.hpp"

namespace sockio::ws {
namespace {

/// A masked client frame.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true) {
  std::string f(1, static_cast<char>(first_byte));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xFF);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((payload.size() >> (8 * i)) & 0xFF);
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ (masked ? mask[i & 3] : 0));
  return f;
}

struct collected {
  std::vector<std::pair<opcode, std::string>> events;
  std::vector<std::uint16_t> codes;
};

/// Feeds `bytes` in chunks of `chunk` bytes; returns false on a protocol error.
bool feed(frame_reader& r, std::string bytes, collected& out, std::size_t chunk = 1 << 20) {
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    std::string part = bytes.substr(i, chunk);
    const bool ok = r.feed(part.data(), part.size(), [&](const event& e) {
      out.events.emplace_back(e.op, std::string(e.data));
      out.codes.push_back(e.code);
      return true;
    });
    if (!ok) return false;
  }
  return true;
}

TEST(WsFrame, ServerHeadersUseTheShortestLength) {
  std::uint8_t h[max_header_size];
  EXPECT_EQ(encode_header(h, opcode::text, 5), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 5);
  EXPECT_EQ(encode_header(h, opcode::binary, 300), 4u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 300);
  EXPECT_EQ(encode_header(h, opcode::text, 70000), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 0x01);  // 70000 = 0x011170
  EXPECT_EQ(h[8], 0x11);
  EXPECT_EQ(h[9], 0x70);
}

TEST(WsFrame, MaskedMessagesOfEverySizeInAnyChunking) {
  for (const std::size_t chunk : {1u, 3u, 7u, 1u << 20}) {
    frame_reader r(role::server, 1 << 20);
    collected out;
    const std::string big(70000, 'x');
    const std::string medium(300, 'y');
    ASSERT_TRUE(
        feed(r, client_frame(0x81, "4hello") + client_frame(0x82, medium) + client_frame(0x81, big), out, chunk));
    ASSERT_EQ(out.events.size(), 3u);
    EXPECT_EQ(out.events[0], std::make_pair(opcode::text, std::string("4hello")));
    EXPECT_EQ(out.events[1], std::make_pair(opcode::binary, medium));
    EXPECT_EQ(out.events[2], std::make_pair(opcode::text, big));
    EXPECT_EQ(r.held(), 0u);  // idle again: nothing kept
  }
}

TEST(WsFrame, FragmentsWithControlFramesBetween) {
  frame_reader r(role::server, 1024);
  collected out;
  ASSERT_TRUE(
      feed(r, client_frame(0x01, "4he") + client_frame(0x89, "p") + client_frame(0x00, "ll") + client_frame(0x80, "o"),
           out));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0], std::make_pair(opcode::ping, std::string("p")));
  EXPECT_EQ(out.events[1], std::make_pair(opcode::text, std::string("4hello")));
}

TEST(WsFrame, CloseFrameCarriesItsCode) {
  frame_reader r(role::server, 1024);
  collected out;
  ASSERT_TRUE(feed(r, client_frame(0x88, std::string("\x03\xe8", 2) + "bye") + client_frame(0x88, ""), out));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.codes[0], 1000);
  EXPECT_EQ(out.events[0].second, "bye");
  EXPECT_EQ(out.codes[1], 1005);  // no code given
}

TEST(WsFrame, ProtocolErrorsAreReportedWithTheirCloseCode) {
  const auto error_of = [](const std::string& bytes, std::size_t max = 1024) {
    frame_reader r(role::server, max);
    collected out;
    return feed(r, bytes, out) ? std::uint16_t{0} : r.error();
  };
  EXPECT_EQ(error_of(client_frame(0x81, "4x", false)), protocol_error);                    // unmasked
  EXPECT_EQ(error_of(client_frame(0xC1, "4x")), protocol_error);                           // RSV1 without deflate
  EXPECT_EQ(error_of(client_frame(0x83, "4x")), protocol_error);                           // reserved opcode
  EXPECT_EQ(error_of(client_frame(0x09, "p")), protocol_error);                            // fragmented ping
  EXPECT_EQ(error_of(client_frame(0x89, std::string(126, 'p'))), protocol_error);          // long ping
  EXPECT_EQ(error_of(client_frame(0x80, "x")), protocol_error);                            // continuation first
  EXPECT_EQ(error_of(client_frame(0x01, "a") + client_frame(0x81, "b")), protocol_error);  // new message inside one
  EXPECT_EQ(error_of(client_frame(0x88, "x")), protocol_error);                            // 1-byte close payload
  EXPECT_EQ(error_of(client_frame(0x88, std::string("\x03\xed", 2))), protocol_error);     // close code 1005 sent
  EXPECT_EQ(error_of(client_frame(0x81, "\xff")), invalid_payload);                        // not UTF-8
  EXPECT_EQ(error_of(client_frame(0x81, std::string(2000, 'x'))), message_too_big);
  EXPECT_EQ(error_of(client_frame(0x01, std::string(600, 'x')) + client_frame(0x80, std::string(600, 'x'))),
            message_too_big);
}

TEST(WsFrame, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"));  // é 中 😀
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                         // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe4\xb8"));                             // truncated
  EXPECT_FALSE(valid_utf8("\x80"));                                 // lone continuation
}

TEST(WsFrame, ClientFramesAreMaskedAndReadByAServer) {
  const mask_key key{0x01, 0x02, 0x03, 0x04};
  for (const std::size_t size : {5u, 300u, 70000u}) {
    const std::string payload(size, 'z');
    std::uint8_t h[max_header_size];
    const auto n = encode_header(h, opcode::text, payload.size(), key);
    EXPECT_EQ(n, (size < 126 ? 2u : size <= 0xFFFF ? 4u : 10u) + 4u);
    EXPECT_EQ(h[1] & 0x80, 0x80);  // the mask bit
    std::string frame(reinterpret_cast<const char*>(h), n);
    std::string masked = payload;
    apply_mask(masked.data(), masked.size(), key);
    EXPECT_NE(masked, payload);
    frame += masked;
    frame_reader server(role::server, 1 << 20);
    collected out;
    ASSERT_TRUE(feed(server, frame, out));
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(out.events[0].second, payload);
  }
}

TEST(WsFrame, MaskingInPiecesEqualsMaskingAtOnce) {
  const auto key = make_mask_key();
  std::string whole = "some payload of an odd length";
  std::string pieces = whole;
  apply_mask(whole.data(), whole.size(), key);
  apply_mask(pieces.data(), 5, key, 0);
  apply_mask(pieces.data() + 5, pieces.size() - 5, key, 5);
  EXPECT_EQ(whole, pieces);
}

TEST(WsFrame, MaskingIsTheKeysBytesInTurnAtEveryOffsetAndLength) {
  const mask_key key{0x12, 0x34, 0x56, 0x78};
  std::string text;
  for (int i = 0; i < 40; ++i) text += static_cast<char>('a' + i % 26);
  for (std::size_t offset = 0; offset < 4; ++offset) {
    for (std::size_t size = 0; size <= text.size(); ++size) {
      std::string masked = text.substr(0, size);
      apply_mask(masked.data(), masked.size(), key, offset);
      for (std::size_t i = 0; i < size; ++i) {
        ASSERT_EQ(static_cast<std::uint8_t>(masked[i]), static_cast<std::uint8_t>(text[i] ^ key[(offset + i) % 4]))
            << "offset " << offset << ", size " << size << ", byte " << i;
      }
    }
  }
  std::string zero_key = text;
  apply_mask(zero_key.data(), zero_key.size(), mask_key{});
  EXPECT_EQ(zero_key, text);
}

TEST(WsFrame, Utf8ValidationAtEveryPositionOfALongText) {
  const std::string ascii(37, 'a');
  for (std::size_t at = 0; at <= ascii.size(); ++at) {
    const auto with = [&](std::string_view bytes) {
      return ascii.substr(0, at) + std::string(bytes) + ascii.substr(at);
    };
    EXPECT_TRUE(valid_utf8(with("\xc3\xa9"))) << at;
    EXPECT_TRUE(valid_utf8(with("\xf0\x9f\x98\x80"))) << at;
    EXPECT_FALSE(valid_utf8(with("\xff"))) << at;
    EXPECT_FALSE(valid_utf8(with("\xed\xa0\x80"))) << at;  // a surrogate
    EXPECT_FALSE(valid_utf8(with("\xc0\xaf"))) << at;      // overlong
  }
  EXPECT_FALSE(valid_utf8(ascii + "\xe2\x82"));  // cut short at the end
}

TEST(WsFrame, ClientReaderTakesUnmaskedFramesOnly) {
  std::uint8_t h[max_header_size];
  const auto n = encode_header(h, opcode::text, 6);
  const std::string frame = std::string(reinterpret_cast<const char*>(h), n) + "4hello";
  frame_reader client(role::client, 1024);
  collected out;
  ASSERT_TRUE(feed(client, frame, out));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].second, "4hello");
  frame_reader strict(role::client, 1024);
  EXPECT_FALSE(feed(strict, client_frame(0x81, "4x"), out));  // a masked frame from a server
  EXPECT_EQ(strict.error(), protocol_error);
}

}  // namespace
}  // namespace sockio::ws
