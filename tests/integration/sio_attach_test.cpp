#include <thread>

#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioAttach, RunsOnTheApplicationsIoContext) {
  boost::asio::io_context context;
  auto guard = boost::asio::make_work_guard(context);
  std::promise<void> loop_ended;
  std::thread loop([&] {
    context.run();
    loop_ended.set_value();
  });
  {
    sio::server_options o;
    o.engine.context = &context;
    o.engine.stop_timeout = 300ms;  // the test client answers the close handshake only later
    sio::server io(o);
    EXPECT_EQ(io.threads(), 1u);
    std::promise<std::thread::id> handler_thread;
    io.on_connection([&](const std::shared_ptr<sio::socket>& s) {
      handler_thread.set_value(std::this_thread::get_id());
      s->on("echo", [](json args, sio::ack_fn ack) { ack(args); });
    });
    ASSERT_FALSE(io.listen("127.0.0.1", 0));
    io.start();
    std::promise<std::thread::id> app_thread;
    boost::asio::post(context, [&] { app_thread.set_value(std::this_thread::get_id()); });

    auto c = connected(io.port());
    c->emit("echo", json::array({"same loop"}), "/", 1);
    EXPECT_EQ(c->wait_ack(1)->data, json::array({"same loop"}));
    EXPECT_EQ(handler_thread.get_future().get(), app_thread.get_future().get());
    io.stop();
    EXPECT_TRUE(c->wait_closed());
  }
  // The server left nothing behind in the application's loop: it ends once released.
  guard.reset();
  auto ended = loop_ended.get_future();
  const bool clean = ended.wait_for(5s) == std::future_status::ready;
  if (!clean) context.stop();
  loop.join();
  EXPECT_TRUE(clean) << "server work was still queued in the application's io_context";
}

}  // namespace
}  // namespace sockio::test
