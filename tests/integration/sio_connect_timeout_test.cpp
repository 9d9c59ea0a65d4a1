#include "sio_test_util.hpp"

namespace sockio::test {
namespace {

TEST(SioConnectTimeout, ClientThatJoinsNoNamespaceIsClosed) {
  sio::server_options o;
  o.connect_timeout = 200ms;
  sio_server srv(o);
  srv.start();
  sio_client idle(srv.port());
  EXPECT_TRUE(idle.wait_closed(3s));
  // A client that connects in time stays.
  auto active = connected(srv.port());
  active->emit("still-here");
  EXPECT_FALSE(active->wait_closed(400ms));
}

TEST(SioConnectTimeout, RefusedConnectDoesNotCount) {
  sio::server_options o;
  o.connect_timeout = 200ms;
  sio_server srv(o);
  srv.start();
  sio_client c(srv.port());
  EXPECT_EQ(c.connect("/unknown").type, sio::packet_type::connect_error);
  EXPECT_TRUE(c.wait_closed(3s));  // still no namespace joined: closed on time
}

}  // namespace
}  // namespace sockio::test
