// Shared pieces of the C++ client's tests: the peer servers (sockio's and Node's
// socket.io 4.8, the same behaviour: examples/client_peer.cpp, tests/interop/client_peer.mjs)
// and a thread-safe record of what the client saw.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <memory>
#include <string>
#include <vector>

#include "event_log.hpp"
#include "peer_process.hpp"
#include "sockio/client/manager.hpp"
#include "sockio/codec/sio/packet.hpp"

namespace sockio::test {

using namespace std::chrono_literals;
using client::json;

enum class peer_kind { sockio, node };
enum class transport_mode { polling, websocket, upgrade };

inline const char* name_of(peer_kind p) {
  return p == peer_kind::sockio ? "sockio" : "node";
}
inline const char* name_of(transport_mode m) {
  switch (m) {
    case transport_mode::polling: return "polling";
    case transport_mode::websocket: return "websocket";
    case transport_mode::upgrade: return "upgrade";
  }
  return "";
}

/// A peer server process of the given kind, with extra fixture flags.
inline std::unique_ptr<peer_process> start_peer(peer_kind kind, std::vector<std::string> flags = {}) {
  std::vector<std::string> argv;
  if (kind == peer_kind::sockio) {
    argv = {SOCKIO_CLIENT_PEER};
  } else {
    argv = {SOCKIO_NODE, SOCKIO_SOURCE_DIR "/tests/interop/client_peer.mjs"};
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  return std::make_unique<peer_process>(argv);
}

/// Client options for a transport mode, with quick reconnection for tests.
inline client::options options_for(transport_mode mode) {
  client::options o;
  switch (mode) {
    case transport_mode::polling: o.transports = {"polling"}; break;
    case transport_mode::websocket: o.transports = {"websocket"}; break;
    case transport_mode::upgrade: o.transports = {"polling", "websocket"}; break;
  }
  o.reconnection_delay = 50ms;
  o.reconnection_delay_max = 300ms;
  o.timeout = 5000ms;
  // The manager's loop runs on another thread: a socket that connected by itself could
  // report its connection before the test's handlers are set. record() connects.
  o.auto_connect = false;
  return o;
}

inline std::string url_of(const peer_process& p, const std::string& nsp = "") {
  return "http://127.0.0.1:" + std::to_string(p.port()) + nsp;
}

/// Records a socket's connection events into `log` ("connect", "disconnect:REASON",
/// "connect_error:MESSAGE") and every event as "EVENT ARGS-JSON", then connects it
/// (unless `connect` is false: a socket that connects by itself).
inline void record(const client::socket& s, event_log& log, bool connect = true) {
  s.on_connect([&log] { log.push("connect"); });
  s.on_disconnect([&log](const std::string& reason, const std::string&) { log.push("disconnect:" + reason); });
  s.on_connect_error([&log](const client::connect_error& e) {
    log.push("connect_error:" + e.message + (e.data.is_null() ? "" : " " + e.data.dump()));
  });
  s.on_any([&log](const std::string& event, const json& args) { log.push(event + " " + args.dump()); });
  if (connect) s.connect();
}

/// The ack of `event(args)`, waited for (use_future): {error, args}.
inline std::pair<std::error_code, json> call(const client::socket& s, const std::string& event, json args,
                                             std::chrono::milliseconds wait = 5s) {
  auto f = s.emit_with_ack(event, std::move(args), boost::asio::use_future);
  (void)wait;
  try {
    if (f.wait_for(wait) != std::future_status::ready) return {make_error_code(std::errc::timed_out), json()};
    return {{}, f.get()};
  } catch (const boost::system::system_error& e) {
    return {std::error_code(e.code()), json()};
  }
}

}  // namespace sockio::test
