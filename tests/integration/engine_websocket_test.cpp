#include "engine_test_util.hpp"

namespace sockio::test {
namespace {

using namespace std::chrono_literals;

std::string open_ws(ws_client& ws) {
  auto open = ws.read();
  EXPECT_TRUE(open && open->data.starts_with("0{"));
  return open ? sid_of(open->data) : std::string();
}

TEST(EngineWebSocket, TextAndBinaryFramesEcho) {
  engine_harness h;
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  ws.send_text("4hello €");
  auto text = ws.read();
  ASSERT_TRUE(text);
  EXPECT_EQ(text->data, "4hello €");
  EXPECT_FALSE(text->binary);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  ws.send_binary(bytes);
  auto binary = ws.read();
  ASSERT_TRUE(binary);
  EXPECT_TRUE(binary->binary);
  EXPECT_EQ(binary->data, bytes);
  EXPECT_TRUE(h.wait_for("binary " + sid + " 256"));
}

TEST(EngineWebSocket, MessageAboveMaxPayloadClosesConnection) {
  engine::server_options o;
  o.max_http_buffer_size = 100;
  engine_harness h(o);
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  ws.send_text("4" + std::string(99, 'a'));  // exactly the limit
  auto echo = ws.read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data.size(), 100u);
  ws.send_text("4" + std::string(100, 'a'));
  EXPECT_TRUE(ws.wait_closed());
  EXPECT_TRUE(h.wait_for("close " + sid + " transport error"));
}

TEST(EngineWebSocket, ClientCloseFrame) {
  engine_harness h;
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  ws.close();
  EXPECT_TRUE(h.wait_for("close " + sid + " transport close"));
}

TEST(EngineWebSocket, ServerClose) {
  engine_harness h;
  h.on_message = [](engine::session&, std::string_view, bool) {};
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  auto s = h.session(sid);
  on_shard(*s, [&] {
    s->send("bye");
    s->close();
  });
  auto last = ws.read();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->data, "4bye");  // queued data goes out before the close frame
  EXPECT_TRUE(ws.wait_closed());
  EXPECT_TRUE(h.wait_for("close " + sid + " forced close"));
}

TEST(EngineWebSocket, MalformedPacketIsParseError) {
  engine_harness h;
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  ws.send_text("x");
  EXPECT_TRUE(h.wait_for("close " + sid + " parse error"));
  EXPECT_TRUE(ws.wait_closed());
}

TEST(EngineWebSocket, SendBufferLimitClosesSlowSession) {
  engine::server_options o;
  o.max_buffered_bytes = 1000;
  engine_harness h(o);
  h.on_message = [](engine::session&, std::string_view, bool) {};
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  auto s = h.session(sid);
  // Queue far more than the limit in one go: the session must refuse to hold it.
  on_shard(*s, [&] {
    for (int i = 0; i < 100 && s->is_open(); ++i) s->send(std::string(100, 'x'));
  });
  EXPECT_TRUE(h.wait_for("close " + sid + " transport error"));
}

TEST(EngineWebSocket, PerMessageDeflateWhenEnabled) {
  engine::server_options o;
  o.per_message_deflate = true;
  engine_harness h(o);
  ws_client ws(h.port(), ws_target(), true);
  EXPECT_NE(ws.extensions().find("permessage-deflate"), std::string::npos);
  open_ws(ws);
  const auto text = "4" + std::string(10000, 'z');
  ws.send_text(text);
  auto echo = ws.read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->data, text);
}

TEST(EngineWebSocket, PerMessageDeflateOffByDefault) {
  engine_harness h;
  ws_client ws(h.port(), ws_target(), true);
  EXPECT_EQ(ws.extensions(), "");
}

TEST(EngineWebSocket, DrainAfterQueueIsWritten) {
  engine_harness h;
  h.on_message = [](engine::session&, std::string_view, bool) {};
  ws_client ws(h.port(), ws_target());
  const auto sid = open_ws(ws);
  ASSERT_TRUE(h.wait_for("drain " + sid));  // the open packet went out
  auto s = h.session(sid);
  std::size_t queued = 0;
  on_shard(*s, [&] {
    s->send("one");
    s->send("two");
    queued = s->buffered_bytes();
  });
  EXPECT_GT(queued, 0u);
  EXPECT_EQ(ws.read()->data, "4one");
  EXPECT_EQ(ws.read()->data, "4two");
  ASSERT_TRUE(h.wait_count("drain " + sid, 2));  // once more, after both were written
  std::size_t after = 1;
  on_shard(*s, [&] { after = s->buffered_bytes(); });
  EXPECT_EQ(after, 0u);
}

}  // namespace
}  // namespace sockio::test
