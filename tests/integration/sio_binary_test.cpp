#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

std::string all_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

TEST(SioBinary, BinaryArgumentsTravelBothWays) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on("upload", [&, s](json args, sio::ack_fn ack) {
      log.push("got " + std::to_string(sio::to_bytes(args[0]).size()) + " " +
               std::to_string(sio::to_bytes(args[1]["inner"]).size()));
      s->emit("download", args[0], json{{"inner", args[1]["inner"]}, {"text", "t"}});
      ack.reply(sio::binary("ack-bytes"));
    });
  });
  srv.start();
  auto c = connected(srv.port());
  c->emit("upload", json::array({sio::binary(all_bytes()), json{{"inner", sio::binary("xyz")}}}), "/", 5);
  EXPECT_TRUE(log.wait_for("got 256 3"));
  const auto down = c->wait_event("download");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->type, sio::packet_type::binary_event);
  EXPECT_EQ(sio::to_bytes(down->data[1]), all_bytes());
  EXPECT_EQ(sio::to_bytes(down->data[2]["inner"]), "xyz");
  EXPECT_EQ(down->data[2]["text"], "t");
  const auto ack = c->wait_ack(5);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, sio::packet_type::binary_ack);
  EXPECT_EQ(sio::to_bytes(ack->data[0]), "ack-bytes");
}

TEST(SioBinary, BroadcastWithBinaryIsEncodedOnce) {
  sio_server srv;
  srv.io.on_connection([](const std::shared_ptr<sio::socket>& s) { s->join("r"); });
  srv.start();
  auto a = connected(srv.port());
  auto b = connected(srv.port());
  srv.io.to("r").emit("blob", sio::binary(std::string_view("\x00\x01", 2)));
  for (auto* c : {a.get(), b.get()}) {
    const auto p = c->wait_event("blob");
    ASSERT_TRUE(p);
    EXPECT_EQ(sio::to_bytes(p->data[1]), std::string("\x00\x01", 2));
  }
}

TEST(SioBinary, TooManyAttachmentsIsParseError) {
  event_log log;  // declared first: handlers may log while the server stops
  sio_server srv;
  srv.io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
    s->on_disconnect([&](std::string_view reason) { log.push(std::string(reason)); });
  });
  srv.start();
  auto c = connected(srv.port());
  c->send_raw(R"(4511-["many"])");
  EXPECT_TRUE(log.wait_for("parse error"));
  EXPECT_TRUE(c->wait_closed());
}

}  // namespace
}  // namespace sockio::test
