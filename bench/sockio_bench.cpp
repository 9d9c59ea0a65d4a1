// sockio-bench: a Socket.IO load generator speaking the protocol itself (Engine.IO v4 /
// Socket.IO v5, over WebSocket or long-polling), many connections per thread.
//
//   sockio-bench --port N [--host H] [--scenario connect|idle|echo|fanout|polling-echo] [--clients N]
//                [--duration S] [--threads N] [--bursts K] [--payload BYTES]
//                [--server-pid PID] [--json] [--raw] [--port2 M] [--paced] [--nodes P2,P3,…]
//
// Scenarios:
//   connect  open N connections (handshake + namespace connect): connections/s, failures
//   idle     hold N connections; with --server-pid, the server's RSS growth per connection
//   echo     N clients in a closed loop, each emit with an ack: acks/s, round trip p50/p99/p999
//   fanout   N clients join one room; one of them asks for K broadcasts: deliveries/s and
//            delivery latency p50/p99 (timestamp carried in the payload)
//   polling-echo  the echo over HTTP long-polling only (POST the event, GET its ack)
// --port2 M (fanout): every other client connects to a second node of a cluster on M; the
// broadcasts start on the first node, and the figures split same-node and cross-node.
// --nodes P2,P3,… (fanout): a cluster of 1 + that many nodes; client i connects to node
// i % nodes and joins that node's room ("bench-<node>"), and a client of the next node asks
// for the broadcasts to it: every room lives on one node and every delivery crosses Redis.
// --paced (fanout): one broadcast at a time, each once the previous reached every client:
// the delivery latency without queueing (a wait of at most 5 ms between them: its poll).
// --raw talks plain WebSocket to bench/raw_ws_echo (echo and connect only).
// Every measured window reports cpu_percent: the generator's CPU and, with --server-pid,
// the server's (and server_system, the kernel's part of it), in percent of one core.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "load/client.hpp"

namespace sockio::bench {
namespace {

using json = nlohmann::json;

long rss_kib(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

/// CPU seconds used so far, in user space and in the kernel.
struct cpu_time {
  double user = 0;
  double system = 0;
  double total() const noexcept { return user + system; }
};

/// The CPU time of process `pid`, or of this process when 0.
cpu_time cpu_seconds(long pid) {
  if (pid == 0) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
  }
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto name_end = stat.rfind(')');  // the command name may hold spaces
  if (name_end == std::string::npos) return {};
  std::istringstream fields(stat.substr(name_end + 1));
  std::string skipped;
  for (int field = 3; field <= 13; ++field) fields >> skipped;
  long user = 0;
  long system = 0;
  fields >> user >> system;
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return {static_cast<double>(user) / ticks, static_cast<double>(system) / ticks};
}

/// The CPU both sides spent over a measured window, in percent of one core: which one
/// was saturated (a figure where the generator is at 100 % measures the generator).
class cpu_window {
 public:
  explicit cpu_window(long server_pid)
      : server_pid_(server_pid),
        start_(clock_type::now()),
        server_(server_pid ? cpu_seconds(server_pid) : cpu_time{}),
        self_(cpu_seconds(0)) {}

  void report(json& result) const {
    const double wall = std::max(std::chrono::duration<double>(clock_type::now() - start_).count(), 1e-9);
    json cpu{{"generator", 100 * (cpu_seconds(0).total() - self_.total()) / wall}};
    if (server_pid_) {
      const auto now = cpu_seconds(server_pid_);
      cpu["server"] = 100 * (now.total() - server_.total()) / wall;
      cpu["server_system"] = 100 * (now.system - server_.system) / wall;  // the kernel's part of it
    }
    result["cpu_percent"] = cpu;
  }

 private:
  long server_pid_;
  clock_type::time_point start_;
  cpu_time server_;
  cpu_time self_;
};

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
               "                    [--server-pid PID] [--json] [--raw] [--port2 M] [--paced]\n"
               "                    [--nodes P2,P3,...]\n";
  return 2;
}

/// The command line, or nullopt (after the usage text) when it is not understood.
std::optional<options> parse_options(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool value = i + 1 < argc;
    if (a == "--port" && value)
      opt.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    else if (a == "--port2" && value)
      opt.port2 = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    else if (a == "--nodes" && value) {
      for (std::string_view list = argv[++i]; !list.empty();) {
        const auto comma = std::min(list.find(','), list.size());
        opt.nodes.push_back(static_cast<std::uint16_t>(std::stoi(std::string(list.substr(0, comma)))));
        list.remove_prefix(std::min(comma + 1, list.size()));
      }
    } else if (a == "--host" && value)
      opt.host = argv[++i];
    else if (a == "--scenario" && value)
      opt.scenario = argv[++i];
    else if (a == "--clients" && value)
      opt.clients = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--duration" && value)
      opt.duration = std::stod(argv[++i]);
    else if (a == "--threads" && value)
      opt.threads = std::max(1u, static_cast<unsigned>(std::stoul(argv[++i])));
    else if (a == "--bursts" && value)
      opt.bursts = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--payload" && value)
      opt.payload = std::stoul(argv[++i]);
    else if (a == "--server-pid" && value)
      opt.server_pid = std::stol(argv[++i]);
    else if (a == "--json")
      opt.json_output = true;
    else if (a == "--raw")
      opt.raw = true;
    else if (a == "--paced")
      opt.paced = true;
    else
      return usage(), std::nullopt;
  }
  const std::vector<std::string> scenarios{"connect", "idle", "echo", "fanout", "polling-echo"};
  if (opt.port == 0 || std::find(scenarios.begin(), scenarios.end(), opt.scenario) == scenarios.end()) {
    return usage(), std::nullopt;
  }
  return opt;
}

/// The clients of one run, spread over `threads` event loops (one thread each).
class load {
 public:
  explicit load(const options& opt) : per_thread_(opt.threads) {
    shared_.opt = opt;
    for (unsigned t = 0; t < opt.threads; ++t) contexts_.push_back(std::make_unique<net::io_context>(1));
    for (auto& c : contexts_) guards_.push_back(net::make_work_guard(*c));
    for (auto& c : contexts_) threads_.emplace_back([&c] { c->run(); });
  }

  shared_state& shared() { return shared_; }

  /// Starts every client and waits (at most a minute) until each is connected or failed;
  /// the seconds it took.
  double connect_all(const tcp::endpoint& endpoint, const tcp::endpoint& endpoint2) {
    const auto& opt = shared_.opt;
    std::vector<tcp::endpoint> nodes{endpoint};
    for (const auto port : opt.nodes) nodes.emplace_back(endpoint.address(), port);
    const auto start = clock_type::now();
    for (unsigned i = 0; i < opt.clients; ++i) {
      const auto t = i % opt.threads;
      auto c = opt.scenario == "polling-echo" ? make_polling_client(*contexts_[t], shared_, per_thread_[t])
                                              : make_ws_client(*contexts_[t], shared_, per_thread_[t]);
      clients_.push_back(c);
      auto e = endpoint;
      if (!opt.nodes.empty()) {
        e = nodes[i % nodes.size()];
        c->set_room("bench-" + std::to_string(i % nodes.size()));
        c->set_remote();
      } else if (opt.port2 != 0 && i % 2 == 1) {
        e = endpoint2;
        c->set_remote();
      }
      net::post(*contexts_[t], [c, e] { c->start(e); });
    }
    wait_until(
        [&] {
          std::uint64_t failed = 0;
          for (auto& s : per_thread_) failed += s.failures;  // read without a lock: a progress check only
          return shared_.ready + failed >= opt.clients;
        },
        60);
    return std::chrono::duration<double>(clock_type::now() - start).count();
  }

  /// Runs `fn` on every client, on its own thread.
  void for_each_client(std::function<void(client&)> fn) {
    for (auto& c : clients_) net::post(c->context(), [c, fn] { fn(*c); });
  }
  client& first() { return *clients_.front(); }
  client& at(std::size_t i) { return *clients_.at(i); }

  /// Closes every client, stops the threads and merges their figures.
  stats finish() {
    shared_.done = true;
    for_each_client([](client& c) { c.close(); });
    guards_.clear();
    for (auto& t : threads_) t.join();
    stats total;
    for (auto& st : per_thread_) {
      total.connected += st.connected;
      total.failures += st.failures;
      total.acks += st.acks;
      total.deliveries += st.deliveries;
      total.latencies_us.insert(total.latencies_us.end(), st.latencies_us.begin(), st.latencies_us.end());
      total.remote_deliveries += st.remote_deliveries;
      total.remote_latencies_us.insert(total.remote_latencies_us.end(), st.remote_latencies_us.begin(),
                                       st.remote_latencies_us.end());
      if (total.first_error.empty()) total.first_error = st.first_error;
    }
    return total;
  }

 private:
  shared_state shared_;
  std::vector<stats> per_thread_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::vector<std::shared_ptr<client>> clients_;
};

/// Waits `seconds`, printing a progress line every second on long runs.
void measure_for(const shared_state& shared, double seconds) {
  const auto end = clock_type::now() + std::chrono::duration<double>(seconds);
  while (clock_type::now() < end) {
    std::this_thread::sleep_for(
        std::min(std::chrono::duration<double>(1.0), std::chrono::duration<double>(end - clock_type::now())));
    if (seconds >= 3) std::cerr << "sockio-bench: acks " << shared.acks << ", deliveries " << shared.deliveries << "\n";
  }
}

/// Runs the scenario on connected clients, adding its figures to `result`; the
/// measured seconds (0 for connect and idle).
double run_scenario(load& l, long rss_before, json& result) {
  auto& shared = l.shared();
  const auto& opt = shared.opt;
  if (opt.scenario == "idle") {
    measure_for(shared, opt.duration);
    if (opt.server_pid) {
      const long rss_after = rss_kib(opt.server_pid);
      result["server_rss_before_kib"] = rss_before;
      result["server_rss_after_kib"] = rss_after;
      result["bytes_per_connection"] = shared.ready ? (rss_after - rss_before) * 1024.0 / shared.ready : 0.0;
    }
    return 0;
  }
  if (opt.scenario == "echo" || opt.scenario == "polling-echo") {
    shared.measuring = true;  // the clients have been echoing since they connected
    const auto start = clock_type::now();
    const cpu_window cpu(opt.server_pid);
    measure_for(shared, opt.duration);
    shared.measuring = false;
    cpu.report(result);
    return std::chrono::duration<double>(clock_type::now() - start).count();
  }
  if (opt.scenario == "fanout") {
    l.for_each_client([](client& c) { c.join_room(); });
    if (!wait_until([&] { return shared.joined >= shared.ready; }, 30)) {
      std::cerr << "sockio-bench: only " << shared.joined << " clients joined the room\n";
    }
    if (const auto n = opt.nodes.size() + 1; n > 1) {
      // A node may subscribe to a room's channel after the join is acknowledged (sharded
      // adapter): broadcasts to every room, unmeasured, until each client got one.
      for (int round = 0; round < 20 && shared.warm < shared.ready; ++round) {
        for (std::size_t m = 0; m < n && m < opt.clients; ++m) {
          net::post(l.at(m).context(),
                    [&c = l.at(m), room = "bench-" + std::to_string((m + n - 1) % n)] { c.request_burst(1, room); });
        }
        wait_until([&] { return shared.warm >= shared.ready; }, 0.5);
      }
      if (shared.warm < shared.ready) std::cerr << "sockio-bench: only " << shared.warm << " clients got a broadcast\n";
    }
    shared.measured_from_us = now_us();
    shared.measuring = true;
    const auto start = clock_type::now();
    const cpu_window cpu(opt.server_pid);
    const std::uint64_t expected = std::uint64_t{shared.ready} * opt.bursts;
    if (opt.paced) {
      // Latency without queueing: each broadcast starts once the previous one arrived everywhere.
      for (unsigned k = 1; k <= opt.bursts; ++k) {
        net::post(l.first().context(), [&c = l.first()] { c.request_burst(1, "bench"); });
        if (!wait_until([&] { return shared.deliveries >= std::uint64_t{shared.ready} * k; }, 30)) break;
      }
    } else if (const auto n = opt.nodes.size() + 1; n > 1) {
      // The first client of node m (client m) asks for the broadcasts to node m - 1's room.
      for (std::size_t m = 0; m < n && m < opt.clients; ++m) {
        net::post(l.at(m).context(), [&c = l.at(m), room = "bench-" + std::to_string((m + n - 1) % n),
                                      count = opt.bursts] { c.request_burst(count, room); });
      }
      wait_until([&] { return shared.deliveries >= expected; }, std::max(opt.duration, 30.0));
    } else {
      net::post(l.first().context(), [&c = l.first(), n = opt.bursts] { c.request_burst(n, "bench"); });
      wait_until([&] { return shared.deliveries >= expected; }, std::max(opt.duration, 30.0));
    }
    shared.measuring = false;
    cpu.report(result);
    result["expected_deliveries"] = expected;
    return std::chrono::duration<double>(clock_type::now() - start).count();
  }
  return 0;
}

/// Adds the merged figures to `result` and prints it (text, or one JSON line).
void report(const options& opt, stats& total, double measured, json& result) {
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
    result["latency_ms"] = {{"p50", percentile(total.latencies_us, 0.5)},
                            {"p99", percentile(total.latencies_us, 0.99)}};
    if (!opt.nodes.empty()) {  // every delivery crossed Redis
      result["latency_ms"] = {{"p50", percentile(total.remote_latencies_us, 0.5)},
                              {"p99", percentile(total.remote_latencies_us, 0.99)}};
    } else if (opt.port2 != 0) {  // latency_ms is then the first node's own clients'
      result["cross_node_deliveries"] = total.remote_deliveries;
      result["cross_node_deliveries_per_second"] = total.remote_deliveries / std::max(measured, 1e-9);
      result["cross_node_latency_ms"] = {{"p50", percentile(total.remote_latencies_us, 0.5)},
                                         {"p99", percentile(total.remote_latencies_us, 0.99)}};
    }
  }
  result["measured_seconds"] = measured;
  if (opt.json_output) {
    std::cout << result.dump() << "\n";
    return;
  }
  std::cout << "scenario  " << opt.scenario << " (" << opt.clients << " clients, " << opt.threads << " threads)\n";
  for (const auto& [key, value] : result.items()) {
    if (key == "scenario") continue;
    std::cout << "  " << key << std::string(key.size() < 24 ? 24 - key.size() : 1, ' ') << value.dump() << "\n";
  }
}

int run(const options& opt) {
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
  load l(opt);
  const long rss_before = opt.server_pid ? rss_kib(opt.server_pid) : -1;
  const tcp::endpoint endpoint2(endpoint.address(), opt.port2);
  const cpu_window connect_cpu(opt.server_pid);
  const double connect_seconds = l.connect_all(endpoint, endpoint2);
  const auto ready = l.shared().ready.load();
  std::cerr << "sockio-bench: " << ready << "/" << opt.clients << " connected in " << connect_seconds << " s\n";
  json result{{"scenario", opt.scenario}, {"clients", opt.clients}, {"threads", opt.threads}};
  result["connected"] = ready;
  result["connect_seconds"] = connect_seconds;
  result["connections_per_second"] = ready / std::max(connect_seconds, 1e-9);
  if (opt.scenario == "connect") connect_cpu.report(result);
  const double measured = run_scenario(l, rss_before, result);
  auto total = l.finish();
  report(opt, total, measured, result);
  return total.failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sockio::bench

int main(int argc, char** argv) {
  const auto opt = sockio::bench::parse_options(argc, argv);
  if (!opt) return 2;
  return sockio::bench::run(*opt);
}
