// A raw WebSocket echo server on the same stack (Asio + Beast, one thread), without
// Engine.IO or Socket.IO framing: the ceiling that sockio's echo is compared with.
//
//   raw_ws_echo [--port N] [--host ADDR]   prints "listening on port N"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <iostream>
#include <memory>

#include "fixture_main.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp::socket socket) : ws_(std::move(socket)) {}

  void start() {
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->do_read();
    });
  }

 private:
  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(), [self](beast::error_code ec, std::size_t) {
        if (ec) return;
        self->buffer_.consume(self->buffer_.size());
        self->do_read();
      });
    });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
};

void do_accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    socket.set_option(tcp::no_delay(true));
    std::make_shared<session>(std::move(socket))->start();
    do_accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto args =
      sockio::examples::parse_fixture_args(argc, argv, false, "usage: raw_ws_echo [--port N] [--host ADDR]");
  if (!args) return 2;
  net::io_context context(1);
  tcp::acceptor acceptor(context, tcp::endpoint(net::ip::make_address(args->host), args->port));
  std::cout << "listening on port " << acceptor.local_endpoint().port() << std::endl;
  do_accept(acceptor);
  net::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { context.stop(); });
  context.run();
  return 0;
}
