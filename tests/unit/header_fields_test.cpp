// Header fields of a handshake request: one buffer, lower-case names, arrival order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sockio/engine/request_info.hpp"

namespace sockio::engine {
namespace {

using field = std::pair<std::string, std::string>;

std::vector<field> fields_of(const header_fields& h) {
  std::vector<field> out;
  for (const auto [name, value] : h) out.emplace_back(name, value);
  return out;
}

TEST(HeaderFields, KeepsArrivalOrderWithLowerCaseNames) {
  header_fields h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.size(), 0u);
  h.add("Host", "example.com:3000");
  h.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  h.add("X-Empty", "");
  h.add("host", "second");
  EXPECT_FALSE(h.empty());
  EXPECT_EQ(h.size(), 4u);
  EXPECT_EQ(fields_of(h), (std::vector<field>{{"host", "example.com:3000"},
                                              {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                              {"x-empty", ""},
                                              {"host", "second"}}));
}

TEST(HeaderFields, FindIsCaseInsensitiveAndReturnsTheFirst) {
  const header_fields h{{"Host", "a"}, {"Origin", "https://x"}, {"host", "b"}};
  EXPECT_EQ(h.find("host"), "a");
  EXPECT_EQ(h.find("HOST"), "a");
  EXPECT_EQ(h.find("origin"), "https://x");
  EXPECT_FALSE(h.find("cookie").has_value());
  EXPECT_FALSE(h.find("hos").has_value());  // no prefix matches
}

TEST(HeaderFields, NulEndsANameOrValueWithoutBreakingTheFieldsAfterIt) {
  header_fields h;
  h.add("x-a", std::string_view("left\0right", 10));
  h.add(std::string_view("x-b\0junk", 8), "v");
  h.add("x-c", "w");
  EXPECT_EQ(fields_of(h), (std::vector<field>{{"x-a", "left"}, {"x-b", "v"}, {"x-c", "w"}}));
}

TEST(HeaderFields, RequestInfoLooksHeadersUpThroughThem) {
  request_info r;
  r.add_header("Authorization", "Bearer t");
  r.set_url("/socket.io/?EIO=4&token=a%20b");
  EXPECT_EQ(r.header("authorization"), "Bearer t");
  EXPECT_EQ(r.query("token"), "a b");
}

TEST(HeaderFields, RequestInfoKeepsItsTextsBeforeTheFieldsInOneBuffer) {
  request_info r("GET", "/socket.io/?EIO=4", "127.0.0.1", 4321, true);
  r.add_header("Host", "a");
  EXPECT_EQ(r.method(), "GET");
  EXPECT_EQ(r.url(), "/socket.io/?EIO=4");
  EXPECT_EQ(r.remote_address(), "127.0.0.1");
  EXPECT_EQ(r.remote_port(), 4321);
  EXPECT_TRUE(r.secure());
  EXPECT_EQ(fields_of(r.headers()), (std::vector<field>{{"host", "a"}}));  // the texts are not fields

  r.set_url("/other");  // a longer or shorter text moves the fields, which stay
  r.set_remote("::1", 1);
  r.set_method(std::string_view("POST\0x", 6));  // cut at the NUL
  r.add_header("Origin", "o");
  EXPECT_EQ(r.method(), "POST");
  EXPECT_EQ(r.url(), "/other");
  EXPECT_EQ(r.remote_address(), "::1");
  EXPECT_EQ(fields_of(r.headers()), (std::vector<field>{{"host", "a"}, {"origin", "o"}}));
  EXPECT_EQ(r.headers().size(), 2u);

  const request_info empty;
  EXPECT_EQ(empty.method(), "");
  EXPECT_EQ(empty.url(), "");
  EXPECT_TRUE(empty.headers().empty());
}

}  // namespace
}  // namespace sockio::engine
