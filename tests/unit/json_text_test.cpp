// parse_json and append_json: nlohmann's results without its lexer and serializer (the
// json_text fuzz target compares them with nlohmann on mutated inputs; these are the
// cases named one by one).
#include "sockio/codec/json_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sockio {
namespace {

using codec::json;
using codec::json_parse_result;

json parsed(std::string_view text, std::size_t max_depth = 64) {
  json out;
  EXPECT_EQ(codec::parse_json(text, out, max_depth), json_parse_result::ok) << text;
  return out;
}

json_parse_result result_of(std::string_view text, std::size_t max_depth = 64) {
  json out;
  return codec::parse_json(text, out, max_depth);
}

std::string written(const json& value) {
  std::string out;
  codec::append_json(out, value);
  return out;
}

TEST(CodecJsonText, NumbersKeepNlohmannsTypes) {
  const auto v = parsed("[0,-0,7,-7,18446744073709551615,18446744073709551616,-9223372036854775809,1.5,1e2,1e-400]");
  EXPECT_TRUE(v[0].is_number_unsigned());
  EXPECT_TRUE(v[1].is_number_integer() && !v[1].is_number_unsigned());
  EXPECT_EQ(v[2].get<std::uint64_t>(), 7u);
  EXPECT_EQ(v[3].get<std::int64_t>(), -7);
  EXPECT_EQ(v[4].get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE(v[5].is_number_float());  // past 64 bits: a double, as in nlohmann and JavaScript
  EXPECT_TRUE(v[6].is_number_float());
  EXPECT_DOUBLE_EQ(v[7].get<double>(), 1.5);
  EXPECT_TRUE(v[8].is_number_float());
  EXPECT_EQ(v[9].get<double>(), 0.0);                           // underflow: zero, kept
  EXPECT_EQ(result_of("[1e400]"), json_parse_result::invalid);  // overflow: refused
}

TEST(CodecJsonText, StringsAndEscapes) {
  const auto v = parsed(R"(["\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t\u0000", "caf\u00E9"])");
  EXPECT_EQ(v[0].get<std::string>(), std::string("\xc3\xa9\xf0\x9f\x98\x80\"\\/\b\f\n\r\t\0", 15));
  EXPECT_EQ(v[1].get<std::string>(), "caf\xc3\xa9");
  EXPECT_EQ(parsed("\"caf\xc3\xa9 \xe2\x82\xac\"").get<std::string>(), "caf\xc3\xa9 \xe2\x82\xac");
  for (const auto* bad : {R"("\ud83d")", R"("\ude00")", R"("\ud83d\u0041")", R"("\x")", R"("\u12")", "\"a\nb\"",
                          "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xe2\x82\"", "\"open"}) {
    EXPECT_EQ(result_of(bad), json_parse_result::invalid) << bad;
  }
}

TEST(CodecJsonText, StructureAndWhitespace) {
  EXPECT_EQ(parsed("\xef\xbb\xbf \t\r\n[ [ ] , { } , \"\" , true , false , null ] \n"),
            json::parse(R"([[],{},"",true,false,null])"));
  EXPECT_EQ(parsed(R"({"a":1,"b":[2],"a":3})"), json::parse(R"({"a":3,"b":[2]})"));  // the last key wins
  for (const auto* bad : {"",   " ", "[",  "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{1:2}", "{\"a\":1,}", "01",
                          "1.", "-", ".5", "+1",   "1e",    "tru",     "nulll",    "[]]",   "\xef\xbb",   "[1]x"}) {
    EXPECT_EQ(result_of(bad), json_parse_result::invalid) << bad;
  }
  // nlohmann takes a NUL byte for the end of the text; JSON refuses it.
  EXPECT_EQ(result_of(std::string_view("1\0x", 3)), json_parse_result::invalid);
}

TEST(CodecJsonText, NestingPastTheLimitIsRefusedBeforeItIsBuilt) {
  EXPECT_EQ(result_of("[[[1]]]", 3), json_parse_result::ok);
  EXPECT_EQ(result_of("[[[[1]]]]", 3), json_parse_result::too_deep);
  EXPECT_EQ(result_of(R"({"a":{"b":{"c":{}}}})", 3), json_parse_result::too_deep);
  EXPECT_EQ(result_of(std::string(1'000'000, '['), 64), json_parse_result::too_deep);  // never closed
  EXPECT_EQ(result_of(R"(["[[[[[[["])", 2), json_parse_result::ok);                    // brackets in a string
}

TEST(CodecJsonText, WritesWhatDumpWrites) {
  const auto v = json::parse(R"({"b":[1,-2,3.5,1e300,-0.0,100.0,null,true,false],"a":"x\"\\/\u0001\u001f\u007f\n√"})");
  EXPECT_EQ(written(v), v.dump());
  EXPECT_EQ(written(json(std::numeric_limits<double>::quiet_NaN())), "null");
  const json broken = std::string("ok\xff\xc3(\xe2\x82");
  EXPECT_EQ(written(broken), broken.dump(-1, ' ', false, json::error_handler_t::replace));
  EXPECT_EQ(written(json::binary({1, 2})), json::binary({1, 2}).dump());
  std::string out = "42";
  codec::append_json(out, json::array({"echo", 1}));
  EXPECT_EQ(out, R"(42["echo",1])");  // appended, not replaced
}

}  // namespace
}  // namespace sockio
