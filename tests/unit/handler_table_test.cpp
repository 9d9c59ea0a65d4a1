#include "sockio/sio/handler_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

using sockio::sio::ack_fn;
using sockio::sio::handler_table;
using sockio::sio::json;

TEST(HandlerTable, FindsEachNameSetsReplacesAndErasesOneEntry) {
  handler_table t;
  std::string seen;
  const auto listener = [&seen](std::string tag) { return [&seen, tag](json, ack_fn) { seen = tag; }; };
  const std::string long_name(300, 'x');  // a length of two bytes
  const std::string with_nul("a\0b", 3);  // names are any bytes
  t.set("echo", listener("echo"));
  t.set(long_name, listener("long"));
  t.set(with_nul, listener("nul"));
  t.set("", listener("empty"));
  t.set("a", listener("a"));
  ASSERT_EQ(t.size(), 5u);

  for (const auto& [name, tag] : {std::pair<std::string, std::string>{"echo", "echo"},
                                  {long_name, "long"},
                                  {with_nul, "nul"},
                                  {"", "empty"},
                                  {"a", "a"}}) {
    const auto* h = t.find(name);
    ASSERT_NE(h, nullptr) << tag;
    (*h)(json::array(), {});
    EXPECT_EQ(seen, tag);
  }
  EXPECT_EQ(t.find("ech"), nullptr);
  EXPECT_EQ(t.find("b"), nullptr);
  EXPECT_EQ(t.find(std::string(299, 'x')), nullptr);

  t.set("echo", listener("echo 2"));  // replaced, not added
  EXPECT_EQ(t.size(), 5u);
  (*t.find("echo"))(json::array(), {});
  EXPECT_EQ(seen, "echo 2");

  t.erase(long_name);
  t.erase("missing");
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.find(long_name), nullptr);
  (*t.find("a"))(json::array(), {});  // the entries after the erased one still match
  EXPECT_EQ(seen, "a");
  (*t.find(with_nul))(json::array(), {});
  EXPECT_EQ(seen, "nul");

  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find("echo"), nullptr);
}
