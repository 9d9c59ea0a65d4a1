// The sockio C++ client from an installed package: connects to URL, emits "echo" with an
// ack, prints the ack's arguments as JSON and exits (1 on error).
#include <boost/asio/use_future.hpp>
#include <iostream>
#include <sockio/client/manager.hpp>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: echo_client URL\n";
    return 2;
  }
  sockio::client::manager io(argv[1], {.transports = {"websocket"}, .reconnection = false});
  auto socket = io.socket();
  auto reply = socket.timeout(std::chrono::seconds(5))
                   .emit_with_ack("echo", {"hello from C++", {{"n", 1}}}, boost::asio::use_future);
  try {
    std::cout << reply.get().dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "echo_client: " << e.what() << "\n";
    return 1;
  }
}
