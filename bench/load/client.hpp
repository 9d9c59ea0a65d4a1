// The load generator's pieces shared by its two kinds of client (WebSocket and polling):
// options, per-thread figures, the state all clients share, and the client base.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sockio::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::uint16_t port2 = 0;  // a second node of a cluster: every other client connects there
  // --nodes: further nodes of a cluster; client i connects to node i % (1 + nodes.size())
  // and joins that node's own room, and every broadcast crosses to the room's node.
  std::vector<std::uint16_t> nodes;
  std::string scenario = "echo";
  unsigned clients = 100;
  double duration = 5;
  unsigned threads = 1;
  unsigned bursts = 100;
  std::size_t payload = 32;
  long server_pid = 0;
  bool json_output = false;
  bool raw = false;    // plain WebSocket echo server: no Engine.IO / Socket.IO framing
  bool paced = false;  // fanout: one broadcast at a time, the next once all were delivered
};

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now().time_since_epoch()).count();
}

/// Figures of one thread, merged at the end.
struct stats {
  std::uint64_t connected = 0;
  std::uint64_t failures = 0;
  std::uint64_t acks = 0;
  std::uint64_t deliveries = 0;
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t left = 0;               // soak: connections the client ended itself
  std::uint64_t remote_deliveries = 0;  // to clients of the second node
  std::vector<std::uint32_t> remote_latencies_us;
  std::string first_error;

  void fail(const std::string& what) {
    ++failures;
    if (first_error.empty()) first_error = what;
  }
};

struct shared_state {
  options opt;
  std::atomic<unsigned> ready{0};
  std::atomic<bool> measuring{false};
  std::atomic<std::int64_t> measured_from_us{0};  // fanout: ticks asked for earlier are not counted
  std::atomic<bool> done{false};
  std::atomic<unsigned> joined{0};
  std::atomic<unsigned> warm{0};       // clients that got a broadcast before the measure (--nodes)
  std::atomic<std::uint64_t> acks{0};  // progress counters, read by the main thread
  std::atomic<std::uint64_t> deliveries{0};
};

/// What the scenarios need from a client, whatever its transport, and what both
/// transports share.
class client {
 public:
  client(net::io_context& ioc, shared_state& shared, stats& st)
      : context_(ioc), socket_(ioc), shared_(shared), stats_(st), payload_(shared.opt.payload, 'x') {}
  virtual ~client() = default;

  net::io_context& context() { return context_; }
  virtual void start(const tcp::endpoint& endpoint) = 0;
  /// Joins this client's room.
  virtual void join_room() {}
  /// Asks the server for `count` broadcasts to `room`.
  virtual void request_burst(unsigned /*count*/, const std::string& /*room*/) {}
  /// The client is on another node than the broadcasts' (its deliveries crossed Redis).
  void set_remote() { remote_ = true; }
  /// The room this client joins (default "bench").
  void set_room(std::string room) { room_ = std::move(room); }
  /// Closes the connection; what fails after it is not counted.
  void close() {
    closing_ = true;
    beast::error_code ignored;
    socket_.close(ignored);
  }

 protected:
  void fail(const std::string& what) {
    if (shared_.done || closing_) return;
    stats_.fail(what);
    failed();
  }
  /// Called once the connection failed (counted in the thread's figures).
  virtual void failed() {}
  /// Counts an echo's acknowledgement while measuring.
  void record_ack(std::int64_t sent_at) {
    if (!shared_.measuring) return;
    ++stats_.acks;
    shared_.acks.fetch_add(1, std::memory_order_relaxed);
    stats_.latencies_us.push_back(static_cast<std::uint32_t>(now_us() - sent_at));
  }

  net::io_context& context_;
  tcp::socket socket_;
  shared_state& shared_;
  stats& stats_;
  std::string payload_;
  std::string room_ = "bench";
  bool remote_ = false;
  bool warm_ = false;     // got a tick before the measure
  bool closing_ = false;  // close() was called
};

/// A client speaking Socket.IO over WebSocket (ws_client.cpp), or over long-polling only
/// (polling_client.cpp).
std::shared_ptr<client> make_ws_client(net::io_context& ioc, shared_state& shared, stats& st);
std::shared_ptr<client> make_polling_client(net::io_context& ioc, shared_state& shared, stats& st);

}  // namespace sockio::bench
