// sio::ack_fn: the answer to an event that asked for an acknowledgement.
#include <gtest/gtest.h>

#include "sockio/sio/types.hpp"

namespace sockio::sio {
namespace {

TEST(SioAckFn, AnswersOnce) {
  int calls = 0;
  json got;
  ack_fn ack([&](json args) {
    ++calls;
    got = std::move(args);
  });
  EXPECT_TRUE(ack);
  ack.reply("a", 1);
  ack.reply("b");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, json::array({"a", 1}));
  EXPECT_FALSE(ack_fn());
}

}  // namespace
}  // namespace sockio::sio
