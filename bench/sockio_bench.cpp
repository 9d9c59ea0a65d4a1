// sockio-bench: a Socket.IO load generator speaking the protocol itself (Engine.IO v4 /
// Socket.IO v5, over WebSocket or long-polling), many connections per thread.
//
//   sockio-bench --port N [--host H] [--scenario connect|idle|echo|fanout|polling-echo] [--clients N]
//                [--duration S] [--threads N] [--bursts K] [--payload BYTES]
//                [--server-pid PID] [--json] [--raw]
//
// Scenarios:
//   connect  open N connections (handshake + namespace connect): connections/s, failures
//   idle     hold N connections; with --server-pid, the server's RSS growth per connection
//   echo     N clients in a closed loop, each emit with an ack: acks/s, round trip p50/p99/p999
//   fanout   N clients join one room; one of them asks for K broadcasts: deliveries/s and
//            delivery latency p50/p99 (timestamp carried in the payload)
//   polling-echo  the echo over HTTP long-polling only (POST the event, GET its ack)
// --raw talks plain WebSocket to bench/raw_ws_echo (echo and connect only).
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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

#include <charconv>
#include <cstring>

#include "sockio/codec/ws/frame_reader.hpp"
#include "sockio/io/read_ready.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

/// What the scenarios need from a client, whatever its transport, and what both
/// transports share.
class client {
 public:
  client(net::io_context& ioc, shared_state& shared, stats& st)
      : context_(ioc), socket_(ioc), shared_(shared), stats_(st), payload_(shared.opt.payload, 'x') {}
  virtual ~client() = default;

  net::io_context& context() { return context_; }
  virtual void start(const tcp::endpoint& endpoint) = 0;
  virtual void join_room() {}
  virtual void request_burst() {}
  void close() {
    beast::error_code ignored;
    socket_.close(ignored);
  }

 protected:
  void fail(const std::string& what) {
    if (!shared_.done) stats_.fail(what);
  }
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
};

/// One Socket.IO client over one WebSocket. The framing is sockio's own
/// (`sockio/codec/ws`, client role), so that the generator spends less per message than
/// the servers it measures: idle clients hold no read buffer (they wait for readability,
/// then read into the thread's buffer) and queued messages leave in one gathered write.
/// Client frames carry an all-zero masking key: valid, and free to apply.
class connection final : public client, public std::enable_shared_from_this<connection> {
 public:
  connection(net::io_context& ioc, shared_state& shared, stats& st)
      : client(ioc, shared, st), reader_(sockio::ws::role::client, 64u << 20) {}

  void start(const tcp::endpoint& endpoint) override {
    started_at_ = clock_type::now();
    socket_.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      const auto target = self->shared_.opt.raw ? "/" : "/socket.io/?EIO=4&transport=websocket";
      self->handshake_ = std::string("GET ") + target + " HTTP/1.1\r\nHost: " + self->shared_.opt.host +
                         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
      net::async_write(self->socket_, net::buffer(self->handshake_), [self](beast::error_code ec, std::size_t) {
        if (ec) return self->fail("handshake: " + ec.message());
        self->handshake_.clear();
        net::async_read_until(self->socket_, net::dynamic_buffer(self->handshake_), "\r\n\r\n",
                              [self](beast::error_code ec, std::size_t header_size) {
                                self->on_handshake(ec, header_size);
                              });
      });
    });
  }

  /// Connect time of this client in microseconds (valid once connected).
  std::int64_t connect_us() const { return connect_us_; }
  void join_room() override { send("420[\"join\",\"bench\"]"); }
  void request_burst() override {
    const json args = json::array({"burst", "bench", shared_.opt.bursts, now_us(), payload_});
    send("42" + std::to_string(++ack_id_) + args.dump());
  }
 private:
  void on_handshake(beast::error_code ec, std::size_t header_size) {
    if (ec) return fail("handshake: " + ec.message());
    if (!handshake_.starts_with("HTTP/1.1 101")) return fail("handshake: " + handshake_.substr(0, handshake_.find('\r')));
    std::string rest = handshake_.substr(header_size);  // frames that came with the answer
    std::string().swap(handshake_);
    if (shared_.opt.raw) on_connected();
    if (!rest.empty() && !on_bytes(rest.data(), rest.size())) return;
    do_read();
  }

  void do_read() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("read: " + ec.message());
      thread_local std::vector<char> buffer(64 * 1024);
      const auto n = sockio::io::read_ready(self->socket_, buffer.data(), buffer.size(), ec);
      if (ec == net::error::would_block) return self->do_read();
      if (ec) return self->fail("read: " + ec.message());
      if (self->on_bytes(buffer.data(), n)) self->do_read();
    });
  }

  /// False when the connection cannot go on.
  bool on_bytes(char* data, std::size_t n) {
    const bool ok = reader_.feed(data, n, [this](const ws_event& e) {
      if (e.op == ws_opcode::text || e.op == ws_opcode::binary) on_message(e.data);
      if (e.op == ws_opcode::close) fail("closed by the server");
      return e.op != ws_opcode::close;
    });
    if (!ok) fail("protocol violation by the server (WebSocket close code " + std::to_string(reader_.error()) + ")");
    return ok;
  }

  void on_connected() {
    connect_us_ = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started_at_).count();
    ++stats_.connected;
    ++shared_.ready;
    if (shared_.opt.scenario == "echo") send_echo();
  }

  void on_message(std::string_view m) {
    if (shared_.opt.raw) return on_ack();  // the echo itself
    if (m == "2") return send("3");
    if (m.starts_with("0{")) return send("40");
    if (m.starts_with("40")) return on_connected();
    if (m.starts_with("430")) {  // ack of "join"
      ++shared_.joined;
      return;
    }
    if (m.starts_with("43")) return on_ack();
    if (m.starts_with("42[\"tick\",")) {
      if (!shared_.measuring) return;
      ++stats_.deliveries;
      shared_.deliveries.fetch_add(1, std::memory_order_relaxed);
      std::int64_t ts = 0;
      std::from_chars(m.data() + 10, m.data() + m.size(), ts);
      stats_.latencies_us.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_us() - ts)));
      return;
    }
    if (m.starts_with("44") || m.starts_with("1")) fail("refused or closed: " + std::string(m.substr(0, 80)));
  }

  void send_echo() {
    if (shared_.done) return;
    sent_at_ = now_us();
    if (shared_.opt.raw) return send(payload_);
    send("42" + std::to_string(++ack_id_) + "[\"echo\",\"" + payload_ + "\"]");
  }

  void on_ack() {
    if (shared_.opt.scenario != "echo") return;
    record_ack(sent_at_);
    send_echo();
  }

  /// Queues a masked text frame (zero key) and writes unless a write is under way.
  void send(const std::string& text) {
    std::uint8_t header[sockio::ws::max_header_size];
    // An all-zero key: masking is then a no-op on the payload.
    const auto size = sockio::ws::encode_header(header, ws_opcode::text, text.size(), sockio::ws::mask_key{});
    std::string frame(reinterpret_cast<const char*>(header), size);
    frame += text;
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    in_flight_.swap(queue_);
    buffers_.clear();
    for (const auto& f : in_flight_) buffers_.emplace_back(net::buffer(f));
    net::async_write(socket_, buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->in_flight_.clear();
      if (ec) return self->fail("write: " + ec.message());
      if (!self->queue_.empty()) self->do_write();
    });
  }

  using ws_opcode = sockio::ws::opcode;
  using ws_event = sockio::ws::event;

  sockio::ws::frame_reader reader_;
  std::string handshake_;
  std::vector<std::string> queue_;
  std::vector<std::string> in_flight_;
  std::vector<net::const_buffer> buffers_;
  bool writing_ = false;
  std::uint64_t ack_id_ = 0;
  std::int64_t sent_at_ = 0;
  std::int64_t connect_us_ = 0;
  clock_type::time_point started_at_;
};

/// One Socket.IO client over HTTP long-polling only (the polling-echo scenario): one
/// kept-alive connection, closed loop: POST the event, then GET until its ack is in.
class polling_client final : public client, public std::enable_shared_from_this<polling_client> {
 public:
  polling_client(net::io_context& ioc, shared_state& shared, stats& st) : client(ioc, shared, st) {}

  void start(const tcp::endpoint& endpoint) override {
    socket_.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      self->request(http::verb::get, "", [self](const std::string& body) {
        const auto at = body.find("\"sid\":\"");
        if (!body.starts_with("0{") || at == std::string::npos) return self->fail("handshake: " + body.substr(0, 80));
        self->sid_ = body.substr(at + 7, body.find('"', at + 7) - at - 7);
        self->post("40", [self] { self->poll(); });
      });
    });
  }

 private:
  /// One request on the kept-alive connection; `then` gets the body of a 200 answer.
  void request(http::verb method, std::string body, std::function<void(const std::string&)> then) {
    req_ = {method, "/socket.io/?EIO=4&transport=polling" + (sid_.empty() ? "" : "&sid=" + sid_), 11};
    req_.set(http::field::host, shared_.opt.host);
    req_.body() = std::move(body);
    req_.prepare_payload();
    http::async_write(socket_, req_, [self = shared_from_this(), then = std::move(then)](beast::error_code ec,
                                                                                           std::size_t) mutable {
      if (ec) return self->fail("write: " + ec.message());
      self->res_ = {};
      http::async_read(self->socket_, self->buffer_, self->res_,
                       [self, then = std::move(then)](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail("read: " + ec.message());
                         if (self->res_.result() != http::status::ok) {
                           return self->fail("HTTP " + std::to_string(self->res_.result_int()) + ": " + self->res_.body());
                         }
                         then(self->res_.body());
                       });
    });
  }

  void post(std::string packets, std::function<void()> then) {
    request(http::verb::post, std::move(packets), [then = std::move(then)](const std::string&) { then(); });
  }

  /// GETs and handles the packets of the answer.
  void poll() {
    request(http::verb::get, "", [self = shared_from_this()](const std::string& body) {
      bool acked = false, pinged = false;
      for (std::size_t start = 0; start <= body.size();) {
        const auto end = std::min(body.find('\x1e', start), body.size());
        const std::string_view p(body.data() + start, end - start);
        if (p == "2") pinged = true;
        if (p.starts_with("40")) self->on_connected();
        if (p.starts_with("43")) acked = true;
        if (p == "1" || p.starts_with("44")) return self->fail("closed or refused: " + std::string(p));
        start = end + 1;
      }
      if (acked) self->on_ack();
      if (pinged) return self->post("3", [self] { self->next(); });
      self->next();
    });
  }

  void on_connected() {
    ++stats_.connected;
    ++shared_.ready;
    connected_ = true;
  }

  /// The next step of the loop: send an echo when none is out, else wait for its ack.
  void next() {
    if (shared_.done) return;
    if (!connected_ || shared_.opt.scenario != "polling-echo" || waiting_) return poll();
    waiting_ = true;
    sent_at_ = now_us();
    post("42" + std::to_string(++ack_id_) + "[\"echo\",\"" + payload_ + "\"]", [self = shared_from_this()] {
      self->poll();
    });
  }

  void on_ack() {
    waiting_ = false;
    record_ack(sent_at_);
  }

  std::string sid_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  bool connected_ = false;
  bool waiting_ = false;
  std::uint64_t ack_id_ = 0;
  std::int64_t sent_at_ = 0;
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
  const std::vector<std::string> scenarios{"connect", "idle", "echo", "fanout", "polling-echo"};
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
  std::vector<std::shared_ptr<client>> connections;
  for (unsigned t = 0; t < opt.threads; ++t) contexts.push_back(std::make_unique<net::io_context>(1));
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.push_back(net::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (auto& c : contexts) threads.emplace_back([&c] { c->run(); });

  const long rss_before = opt.server_pid ? rss_kib(opt.server_pid) : -1;
  const auto connect_start = clock_type::now();
  for (unsigned i = 0; i < opt.clients; ++i) {
    const auto t = i % opt.threads;
    std::shared_ptr<client> c;
    if (opt.scenario == "polling-echo") {
      c = std::make_shared<polling_client>(*contexts[t], shared, per_thread[t]);
    } else {
      c = std::make_shared<connection>(*contexts[t], shared, per_thread[t]);
    }
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
  const auto for_each_connection = [&](std::function<void(client&)> fn) {
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
  } else if (opt.scenario == "echo" || opt.scenario == "polling-echo") {
    shared.measuring = true;  // the clients have been echoing since they connected
    const auto start = clock_type::now();
    measure_for(opt.duration);
    shared.measuring = false;
    measured = std::chrono::duration<double>(clock_type::now() - start).count();
  } else if (opt.scenario == "fanout") {
    for_each_connection([](client& c) { c.join_room(); });
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
  for_each_connection([](client& c) { c.close(); });
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
  if (opt.scenario == "echo" || opt.scenario == "polling-echo") {
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
