// The client row of bench/compare: N sockio clients (one manager, so one Engine.IO
// connection, each) on ONE io_context run by ONE thread, each in a closed loop of
// emit_with_ack("echo", [payload]) -> ack -> next emit. bench/node/client_bench.mjs does
// the same with socket.io-client.
//
//   client_bench --url http://127.0.0.1:PORT --clients N --seconds S
//                [--transport websocket|polling] [--warmup S] [--payload BYTES]
//
// The clients connect first; once all are connected (or failed, or 30 s passed) each
// starts its loop, and `--warmup` seconds later the window of `--seconds` starts (as
// bench/node/client_bench.mjs: loops started at connect saturate the server while the
// others connect, and connect_seconds then measures the server's backlog). Over the
// window only: acks, the process's CPU time (getrusage user + sys), threads; memory per
// client is VmRSS after the warm-up minus VmRSS before the clients were made, over the
// connected clients. One JSON line on stdout:
//   {"clients":N,"acks":..,"seconds":..,"acks_per_s":..,"cpu_us_per_ack":..,
//    "rss_kb_per_client":..,"threads":..,...}
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sockio/client/manager.hpp"
#include "sockio/client/socket.hpp"

namespace net = boost::asio;
namespace client = sockio::client;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

struct bench_options {
  std::string url;
  unsigned clients = 1;
  double seconds = 5;
  double warmup = 1;
  std::string transport = "websocket";
  std::size_t payload = 32;
};

/// A field of /proc/self/status ("VmRSS" in kB, "Threads"); -1 when absent.
long proc_status(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

struct snapshot {
  clock_type::time_point at;
  double user_us = 0;  ///< CPU time of the process (getrusage), user and system
  double sys_us = 0;
  std::uint64_t acks = 0;

  static snapshot now(std::uint64_t acks) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const auto us = [](const timeval& tv) { return tv.tv_sec * 1e6 + tv.tv_usec; };
    return {clock_type::now(), us(ru.ru_utime), us(ru.ru_stime), acks};
  }
};

/// Every client and the run's counters; everything runs on the one loop.
class bench {
 public:
  bench(net::io_context& io, bench_options opt)
      : io_(io), opt_(std::move(opt)), payload_(json::array({std::string(opt_.payload, 'x')})), phase_timer_(io) {}

  void start() {
    client::options o;
    o.transports = {opt_.transport};
    o.upgrade = false;
    o.reconnection = false;
    clients_.reserve(opt_.clients);
    for (unsigned i = 0; i < opt_.clients; ++i) {
      auto& c = clients_.emplace_back();
      c.io = std::make_unique<client::manager>(io_.get_executor(), opt_.url, o);
      c.socket = c.io->socket();
      c.socket.on_connect([this, i] { on_connect(i); });
      c.socket.on_connect_error([this](const client::connect_error& e) { on_failure(e.message); });
      c.socket.on_disconnect([this](const std::string& reason, const std::string&) {
        if (!stopping_) on_failure("disconnect: " + reason);
      });
    }
    phase_timer_.expires_after(std::chrono::seconds(30));
    phase_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) begin_warmup();
    });
  }

  /// Called once io.run() returned: closes every connection.
  void stop(net::io_context& io) {
    stopping_ = true;
    clients_.clear();
    io.restart();
    io.run_for(std::chrono::seconds(2));
  }

  /// The figures, in the order of the JS client's line.
  nlohmann::ordered_json result(long rss_before_kb) const {
    const double seconds = std::chrono::duration<double>(end_.at - begin_.at).count();
    const std::uint64_t acks = end_.acks - begin_.acks;
    const double user = end_.user_us - begin_.user_us;
    const double sys = end_.sys_us - begin_.sys_us;
    const double cpu = user + sys;
    nlohmann::ordered_json r = {
        {"clients", opt_.clients},
        {"acks", acks},
        {"seconds", seconds},
        {"acks_per_s", seconds > 0 ? acks / seconds : 0.0},
        {"cpu_us_per_ack", acks ? cpu / acks : 0.0},
        {"rss_kb_per_client", connected_ ? double(rss_after_kb_ - rss_before_kb) / connected_ : 0.0},
        {"threads", threads_},
        {"client", "sockio"},
        {"transport", opt_.transport},
        {"connected", connected_},
        {"failures", failures_},
        {"ack_errors", ack_errors_},
        {"connect_seconds", connect_seconds_},
        {"cpu_user_us_per_ack", acks ? user / acks : 0.0},
        {"cpu_sys_us_per_ack", acks ? sys / acks : 0.0},
        {"cpu_utilization", seconds > 0 ? cpu / (seconds * 1e6) : 0.0},
        {"rss_before_kb", rss_before_kb},
        {"rss_after_kb", rss_after_kb_}};
    if (!first_error_.empty()) r["first_error"] = first_error_;
    return r;
  }

  unsigned connected() const { return connected_; }

 private:
  struct one_client {
    std::unique_ptr<client::manager> io;
    client::socket socket;
    bool started = false;
  };

  void on_connect(unsigned i) {
    auto& c = clients_[i];
    if (c.started) return;  // reconnection is off; a second connect would be a bug
    c.started = true;
    ++connected_;
    if (connected_ + failures_ == opt_.clients) begin_warmup();
  }

  void on_failure(const std::string& what) {
    if (first_error_.empty()) first_error_ = what;
    ++failures_;
    if (!warming_ && connected_ + failures_ == opt_.clients) begin_warmup();
  }

  // The closed loop: the next emit leaves from the previous one's ack.
  void emit_next(unsigned i) {
    clients_[i].socket.emit_with_ack("echo", payload_, [this, i](boost::system::error_code ec, json) {
      if (stopping_) return;
      if (ec) {
        ++ack_errors_;
        if (first_error_.empty()) first_error_ = "ack: " + ec.message();
        return;
      }
      ++acks_;
      emit_next(i);
    });
  }

  void begin_warmup() {
    if (warming_) return;
    warming_ = true;
    connect_seconds_ = std::chrono::duration<double>(clock_type::now() - created_).count();
    if (connected_ == 0) return io_.stop();
    for (unsigned i = 0; i < clients_.size(); ++i) {
      if (clients_[i].started && clients_[i].socket.connected()) emit_next(i);
    }
    phase_timer_.expires_after(
        std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(opt_.warmup)));
    phase_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) begin_window();
    });
  }

  void begin_window() {
    rss_after_kb_ = proc_status("VmRSS");
    begin_ = snapshot::now(acks_);
    phase_timer_.expires_after(
        std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(opt_.seconds)));
    phase_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) end_window();
    });
  }

  void end_window() {
    end_ = snapshot::now(acks_);
    threads_ = proc_status("Threads");
    io_.stop();
  }

  net::io_context& io_;
  bench_options opt_;
  json payload_;
  net::steady_timer phase_timer_;
  std::vector<one_client> clients_;
  clock_type::time_point created_ = clock_type::now();
  unsigned connected_ = 0;
  unsigned failures_ = 0;
  std::uint64_t acks_ = 0;
  std::uint64_t ack_errors_ = 0;
  std::string first_error_;
  bool warming_ = false;
  bool stopping_ = false;
  double connect_seconds_ = 0;
  long rss_after_kb_ = 0;
  long threads_ = 0;
  snapshot begin_, end_;
};

bool parse(int argc, char** argv, bench_options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool value = i + 1 < argc;
    if (a == "--url" && value) {
      opt.url = argv[++i];
    } else if (a == "--clients" && value) {
      opt.clients = std::stoul(argv[++i]);
    } else if (a == "--seconds" && value) {
      opt.seconds = std::stod(argv[++i]);
    } else if (a == "--warmup" && value) {
      opt.warmup = std::stod(argv[++i]);
    } else if (a == "--transport" && value) {
      opt.transport = argv[++i];
    } else if (a == "--payload" && value) {
      opt.payload = std::stoul(argv[++i]);
    } else {
      return false;
    }
  }
  return !opt.url.empty() && opt.clients > 0 && opt.clients <= 1000 && opt.seconds > 0 &&
         (opt.transport == "websocket" || opt.transport == "polling");
}

}  // namespace

int main(int argc, char** argv) {
  bench_options opt;
  try {
    if (!parse(argc, argv, opt)) throw std::invalid_argument("bad arguments");
  } catch (const std::exception&) {
    std::cerr << "usage: client_bench --url http://127.0.0.1:PORT --clients N (1..1000) --seconds S\n"
                 "                    [--transport websocket|polling] [--warmup S] [--payload BYTES]\n";
    return 2;
  }
  const long rss_before_kb = proc_status("VmRSS");
  net::io_context io{1};
  bench b(io, opt);
  b.start();
  io.run();  // this thread is the clients' only one
  const auto r = b.result(rss_before_kb);
  b.stop(io);
  std::cout << r.dump() << std::endl;
  return b.connected() == opt.clients && r["failures"] == 0 ? 0 : 1;
}
