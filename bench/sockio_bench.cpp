// sockio-bench: a Socket.IO load generator speaking the protocol over WebSocket itself
// (Engine.IO v4 / Socket.IO v5), many connections per thread.
//
//   sockio-bench --port N [--host H] [--scenario connect|idle|echo|fanout] [--clients N]
//                [--duration S] [--threads N] [--bursts K] [--payload BYTES]
//                [--server-pid PID] [--json] [--raw]
//
// Scenarios:
//   connect  open N connections (handshake + namespace connect): connections/s, failures
//   idle     hold N connections; with --server-pid, the server's RSS growth per connection
//   echo     N clients in a closed loop, each emit with an ack: acks/s, round trip p50/p99/p999
//   fanout   N clients join one room; one of them asks for K broadcasts: deliveries/s and
//            delivery latency p50/p99 (timestamp carried in the payload)
// --raw talks plain WebSocket to bench/raw_ws_echo (echo and connect only).
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string scenario = "echo";
  unsigned clients = 100;
  double duration = 5;
  unsigned threads = 1;
  unsigned bursts = 100;
  std::size_t payload = 32;
  long server_pid = 0;
  bool json_output = false;
  bool raw = false;  // plain WebSocket echo server: no Engine.IO / Socket.IO framing
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now().time_since_epoch()).count();
}

/// Figures of one thread, merged at the end.
struct stats {
  std::uint64_t connected = 0;
  std::uint64_t failures = 0;
  std::uint64_t acks = 0;
  std::uint64_t deliveries = 0;
  std::vector<std::uint32_t> latencies_us;
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
  std::atomic<bool> done{false};
  std::atomic<unsigned> joined{0};
  std::atomic<std::uint64_t> acks{0};        // progress counters, read by the main thread
  std::atomic<std::uint64_t> deliveries{0};
};

/// One Socket.IO client over one WebSocket.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(net::io_context& ioc, shared_state& shared, stats& st)
      : context_(ioc), ws_(ioc), shared_(shared), stats_(st), payload_(shared.opt.payload, 'x') {}

  net::io_context& context() { return context_; }

  void start(const tcp::endpoint& endpoint) {
    started_at_ = clock_type::now();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true));
      const auto target = self->shared_.opt.raw ? "/" : "/socket.io/?EIO=4&transport=websocket";
      self->ws_.async_handshake(self->shared_.opt.host, target, [self](beast::error_code ec) {
        if (ec) return self->fail("handshake: " + ec.message());
        beast::get_lowest_layer(self->ws_).expires_never();
        if (self->shared_.opt.raw) self->on_connected();
        self->do_read();
      });
    });
  }

  /// Connect time of this client in microseconds (valid once connected).
  std::int64_t connect_us() const { return connect_us_; }
  void join_room() { send("420[\"join\",\"bench\"]"); }
  void request_burst() {
    const json args = json::array({"burst", "bench", shared_.opt.bursts, now_us(), payload_});
    send("42" + std::to_string(++ack_id_) + args.dump());
  }
  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void fail(const std::string& what) {
    if (!shared_.done) stats_.fail(what);
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!self->shared_.done) self->fail("read: " + ec.message());
        return;
      }
      const auto data = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->on_message(data);
      self->do_read();
    });
  }

  void on_connected() {
    connect_us_ = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started_at_).count();
    ++stats_.connected;
    ++shared_.ready;
    if (shared_.opt.scenario == "echo") send_echo();
  }

  void on_message(const std::string& m) {
    if (shared_.opt.raw) return on_ack(m);  // the echo itself
    if (m == "2") return send("3");
    if (m.starts_with("0{")) return send("40");
    if (m.starts_with("40")) return on_connected();
    if (m.starts_with("430")) {  // ack of "join"
      ++shared_.joined;
      return;
    }
    if (m.starts_with("43")) return on_ack(m);
    if (m.starts_with("42[\"tick\",")) {
      if (!shared_.measuring) return;
      ++stats_.deliveries;
      shared_.deliveries.fetch_add(1, std::memory_order_relaxed);
      const auto comma = m.find(',', 10);
      const auto ts = std::stoll(m.substr(10, comma - 10));
      stats_.latencies_us.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_us() - ts)));
      return;
    }
    if (m.starts_with("44") || m.starts_with("1")) fail("refused or closed: " + m.substr(0, 80));
  }

  void send_echo() {
    if (shared_.done) return;
    sent_at_ = now_us();
    if (shared_.opt.raw) return send(payload_);
    send("42" + std::to_string(++ack_id_) + "[\"echo\",\"" + payload_ + "\"]");
  }

  void on_ack(const std::string&) {
    if (shared_.opt.scenario != "echo") return;
    if (shared_.measuring) {
      ++stats_.acks;
      shared_.acks.fetch_add(1, std::memory_order_relaxed);
      stats_.latencies_us.push_back(static_cast<std::uint32_t>(now_us() - sent_at_));
    }
    send_echo();
  }

  void send(std::string text) {
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) do_write();
  }

  void do_write() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write: " + ec.message());
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->do_write();
    });
  }

  net::io_context& context_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  shared_state& shared_;
  stats& stats_;
  std::string payload_;
  std::deque<std::string> queue_;
  std::uint64_t ack_id_ = 0;
  std::int64_t sent_at_ = 0;
  std::int64_t connect_us_ = 0;
  clock_type::time_point started_at_;
};

long rss_kib(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k] / 1000.0;
}

bool wait_until(const std::function<bool()>& cond, double seconds) {
  const auto deadline = clock_type::now() + std::chrono::duration<double>(seconds);
  while (!cond()) {
    if (clock_type::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

int usage() {
  std::cerr << "usage: sockio-bench --port N [--host H] [--scenario connect|idle|echo|fanout] [--clients N]\n"
               "                    [--duration S] [--threads N] [--bursts K] [--payload BYTES]\n"
               "                    [--server-pid PID] [--json] [--raw]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool value = i + 1 < argc;
    if (a == "--port" && value) opt.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    else if (a == "--host" && value) opt.host = argv[++i];
    else if (a == "--scenario" && value) opt.scenario = argv[++i];
    else if (a == "--clients" && value) opt.clients = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--duration" && value) opt.duration = std::stod(argv[++i]);
    else if (a == "--threads" && value) opt.threads = std::max(1u, static_cast<unsigned>(std::stoul(argv[++i])));
    else if (a == "--bursts" && value) opt.bursts = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--payload" && value) opt.payload = std::stoul(argv[++i]);
    else if (a == "--server-pid" && value) opt.server_pid = std::stol(argv[++i]);
    else if (a == "--json") opt.json_output = true;
    else if (a == "--raw") opt.raw = true;
    else return usage();
  }
  const std::vector<std::string> scenarios{"connect", "idle", "echo", "fanout"};
  if (opt.port == 0 || std::find(scenarios.begin(), scenarios.end(), opt.scenario) == scenarios.end()) return usage();

  boost::system::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address(opt.host, ec), opt.port);
  if (ec) {
    std::cerr << "sockio-bench: bad host " << opt.host << "\n";
    return 2;
  }
  {
    // Fail clearly when nothing listens there.
    net::io_context probe_context;
    tcp::socket probe(probe_context);
    probe.connect(endpoint, ec);
    if (ec) {
      std::cerr << "sockio-bench: cannot reach " << opt.host << ":" << opt.port << ": " << ec.message() << "\n";
      return 1;
    }
  }

  shared_state shared;
  shared.opt = opt;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<stats> per_thread(opt.threads);
  std::vector<std::shared_ptr<connection>> connections;
  for (unsigned t = 0; t < opt.threads; ++t) contexts.push_back(std::make_unique<net::io_context>(1));
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.push_back(net::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (auto& c : contexts) threads.emplace_back([&c] { c->run(); });

  const long rss_before = opt.server_pid ? rss_kib(opt.server_pid) : -1;
  const auto connect_start = clock_type::now();
  for (unsigned i = 0; i < opt.clients; ++i) {
    const auto t = i % opt.threads;
    auto c = std::make_shared<connection>(*contexts[t], shared, per_thread[t]);
    connections.push_back(c);
    net::post(*contexts[t], [c, endpoint] { c->start(endpoint); });
  }
  const auto all_ready = [&] {
    std::uint64_t failed = 0;
    for (auto& s : per_thread) failed += s.failures;  // read without a lock: a progress check only
    return shared.ready + failed >= opt.clients;
  };
  wait_until(all_ready, 60);
  const double connect_seconds = std::chrono::duration<double>(clock_type::now() - connect_start).count();
  std::cerr << "sockio-bench: " << shared.ready << "/" << opt.clients << " connected in " << connect_seconds << " s\n";

  json result{{"scenario", opt.scenario}, {"clients", opt.clients}, {"threads", opt.threads}};
  result["connected"] = shared.ready.load();
  result["connect_seconds"] = connect_seconds;
  result["connections_per_second"] = shared.ready / std::max(connect_seconds, 1e-9);

  // Runs `fn` on every connection, on its own thread.
  const auto for_each_connection = [&](std::function<void(connection&)> fn) {
    for (auto& c : connections) net::post(c->context(), [c, fn] { fn(*c); });
  };
  // Waits `seconds`, printing a progress line every second on long runs.
  const auto measure_for = [&](double seconds) {
    const auto end = clock_type::now() + std::chrono::duration<double>(seconds);
    while (clock_type::now() < end) {
      std::this_thread::sleep_for(std::min(std::chrono::duration<double>(1.0),
                                           std::chrono::duration<double>(end - clock_type::now())));
      if (seconds >= 3) {
        std::cerr << "sockio-bench: acks " << shared.acks << ", deliveries " << shared.deliveries << "\n";
      }
    }
  };

  double measured = 0;
  if (opt.scenario == "idle") {
    measure_for(opt.duration);
    if (opt.server_pid) {
      const long rss_after = rss_kib(opt.server_pid);
      result["server_rss_before_kib"] = rss_before;
      result["server_rss_after_kib"] = rss_after;
      result["bytes_per_connection"] = shared.ready ? (rss_after - rss_before) * 1024.0 / shared.ready : 0.0;
    }
  } else if (opt.scenario == "echo") {
    shared.measuring = true;  // the clients have been echoing since they connected
    const auto start = clock_type::now();
    measure_for(opt.duration);
    shared.measuring = false;
    measured = std::chrono::duration<double>(clock_type::now() - start).count();
  } else if (opt.scenario == "fanout") {
    for_each_connection([](connection& c) { c.join_room(); });
    if (!wait_until([&] { return shared.joined >= shared.ready; }, 30)) {
      std::cerr << "sockio-bench: only " << shared.joined << " clients joined the room\n";
    }
    shared.measuring = true;
    const auto start = clock_type::now();
    const std::uint64_t expected = std::uint64_t{shared.ready} * opt.bursts;
    net::post(connections.front()->context(), [c = connections.front()] { c->request_burst(); });
    wait_until([&] { return shared.deliveries >= expected; }, std::max(opt.duration, 30.0));
    measured = std::chrono::duration<double>(clock_type::now() - start).count();
    shared.measuring = false;
    result["expected_deliveries"] = expected;
  }

  shared.done = true;
  for_each_connection([](connection& c) { c.close(); });
  guards.clear();
  for (auto& t : threads) t.join();

  stats total;
  for (auto& st : per_thread) {
    total.connected += st.connected;
    total.failures += st.failures;
    total.acks += st.acks;
    total.deliveries += st.deliveries;
    total.latencies_us.insert(total.latencies_us.end(), st.latencies_us.begin(), st.latencies_us.end());
    if (total.first_error.empty()) total.first_error = st.first_error;
  }
  result["failures"] = total.failures;
  if (!total.first_error.empty()) result["first_error"] = total.first_error;
  if (opt.scenario == "echo") {
    result["acks"] = total.acks;
    result["acks_per_second"] = total.acks / std::max(measured, 1e-9);
    result["latency_ms"] = {{"p50", percentile(total.latencies_us, 0.5)},
                            {"p99", percentile(total.latencies_us, 0.99)},
                            {"p999", percentile(total.latencies_us, 0.999)}};
  } else if (opt.scenario == "fanout") {
    result["deliveries"] = total.deliveries;
    result["deliveries_per_second"] = total.deliveries / std::max(measured, 1e-9);
    result["latency_ms"] = {{"p50", percentile(total.latencies_us, 0.5)}, {"p99", percentile(total.latencies_us, 0.99)}};
  }
  result["measured_seconds"] = measured;

  if (!opt.json_output) {
    std::cout << "scenario  " << opt.scenario << " (" << opt.clients << " clients, " << opt.threads << " threads)\n";
    for (const auto& [key, value] : result.items()) {
      if (key == "scenario") continue;
      std::cout << "  " << key << std::string(key.size() < 24 ? 24 - key.size() : 1, ' ') << value.dump() << "\n";
    }
    return total.failures == 0 ? 0 : 1;
  }
  std::cout << result.dump() << "\n";
  return total.failures == 0 ? 0 : 1;
}
