// A Socket.IO echo server using sockio as an installed package (find_package(sockio)).
// Prints "listening on port N" once it accepts connections; "echo" events are acknowledged
// with their arguments.
#include <iostream>
#include <sockio/sio/server.hpp>
#include <string>

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 0);
  sockio::sio::server io;
  io.on_connection([](const std::shared_ptr<sockio::sio::socket>& s) {
    s->on("echo", [](sockio::sio::json args, sockio::sio::ack_fn ack) {
      if (ack) ack(std::move(args));
    });
  });
  if (auto ec = io.listen("127.0.0.1", port)) {
    std::cerr << "listen: " << ec.message() << "\n";
    return 1;
  }
  std::cout << "listening on port " << io.port() << std::endl;
  io.run();
}
