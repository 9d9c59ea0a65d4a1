// Emits to a socket.io cluster on Redis from the command line, with sockio::redis::emitter
// (no server): an example of a C++ backend publishing to sockio or Node nodes.
//
//   redis_emitter --redis URL [--nsp /admin] [--to ROOM]... [--except ROOM]... [--volatile]
//                 ACTION...
// ACTION: emit EVENT [JSON_ARG...] | join ROOM... | leave ROOM... | disconnect [close]
//         | server-side EVENT [JSON_ARG...]
// Exits 0 once Redis has taken every command, 1 if it cannot be reached.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>

#include "sockio/redis/emitter.hpp"

using sockio::redis::json;

int main(int argc, char** argv) {
  std::string url = "redis://127.0.0.1:6379";
  std::string nsp = "/";
  std::vector<std::string> to, except, action;
  bool volatile_ = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--redis" && has_value) {
      url = argv[++i];
    } else if (arg == "--nsp" && has_value) {
      nsp = argv[++i];
    } else if (arg == "--to" && has_value) {
      to.push_back(argv[++i]);
    } else if (arg == "--except" && has_value) {
      except.push_back(argv[++i]);
    } else if (arg == "--volatile") {
      volatile_ = true;
    } else {
      action.push_back(arg);
    }
  }
  if (action.empty()) {
    std::cerr << "usage: redis_emitter --redis URL [--nsp NSP] [--to ROOM]... [--except ROOM]... [--volatile] "
                 "emit EVENT [JSON_ARG...] | join ROOM... | leave ROOM... | disconnect [close] | "
                 "server-side EVENT [JSON_ARG...]\n";
    return 2;
  }

  boost::asio::io_context io;
  sockio::redis::connection_options options;
  options.url = url;
  auto redis = std::make_shared<sockio::redis::connection>(io.get_executor(), options);
  int status = 1;
  // Bounded: a Redis that cannot be reached ends the example after a few seconds.
  boost::asio::steady_timer give_up(io, std::chrono::seconds(5));
  redis->on_state([&](bool up) {
    if (!up) return;
    auto e = sockio::redis::emitter(redis).of(nsp).to(to).except(except);
    if (volatile_) e = e.volatile_();
    const auto args = [&](std::size_t from) {
      json out = json::array();
      for (auto i = from; i < action.size(); ++i) out.push_back(json::parse(action[i]));
      return out;
    };
    const std::vector<std::string> rest(action.begin() + 1, action.end());
    if (action[0] == "emit" && action.size() >= 2) {
      e.emit_args(action[1], args(2));
    } else if (action[0] == "server-side" && action.size() >= 2) {
      e.server_side_emit(action[1], args(2));
    } else if (action[0] == "join") {
      e.sockets_join(rest);
    } else if (action[0] == "leave") {
      e.sockets_leave(rest);
    } else if (action[0] == "disconnect") {
      e.disconnect_sockets(!rest.empty() && rest[0] == "close");
    } else {
      std::cerr << "redis_emitter: unknown action " << action[0] << "\n";
      status = 2;
      give_up.cancel();
      return redis->stop();
    }
    // Replies come in order: once PING is answered, every publish before it was taken.
    redis->command({"PING"}, [&](std::error_code ec, sockio::redis::reply) {
      status = ec ? 1 : 0;
      redis->stop();
      give_up.cancel();
    });
  });
  redis->start();
  give_up.async_wait([&](boost::system::error_code ec) {
    if (!ec) redis->stop();
  });
  io.run();
  return status;
}
