// sockio-soak: churn against sockio-server's demo for a while, printing a line of figures
// per interval; bench/soak.mjs runs it and checks the server.
//
//   sockio-soak --port N [--host H] [--clients N] [--duration S] [--interval S] [--threads N]
//               [--room-size N] [--publish-ms MS] [--lifetime-s MIN,MAX] [--ramp-s S]
//
// Each of the N slots holds one connection at a time: it connects (WebSocket), joins room
// "soak-<slot / room-size>", publishes a "tick" to it every publish-ms on average (acked:
// the round trip is the latency figure) and leaves after a lifetime drawn between MIN and
// MAX seconds; the slot's next connection starts at once. The slots start over the first
// ramp-s seconds. Every interval, one JSON line: the connections open, those that started,
// those that left, acks, ticks delivered, failures, and the acks' p50/p99 in that interval.
// At the end every connection is closed and a last line gives the totals. Exit code 1 when
// anything failed.
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <iostream>
#include <latch>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "load/soak_client.hpp"

namespace sockio::bench {
namespace {

using json = nlohmann::json;

struct soak_options {
  options base;  // host, port, clients, duration, threads
  double interval = 10;
  unsigned room_size = 10;
  unsigned publish_ms = 2000;
  double lifetime_min = 10;
  double lifetime_max = 60;
  double ramp = 10;
};

std::optional<soak_options> parse(int argc, char** argv) {
  soak_options opt;
  opt.base.scenario = "soak";
  opt.base.clients = 1000;
  opt.base.duration = 60;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool value = i + 1 < argc;
    if (a == "--port" && value)
      opt.base.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    else if (a == "--host" && value)
      opt.base.host = argv[++i];
    else if (a == "--clients" && value)
      opt.base.clients = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--duration" && value)
      opt.base.duration = std::stod(argv[++i]);
    else if (a == "--threads" && value)
      opt.base.threads = std::max(1u, static_cast<unsigned>(std::stoul(argv[++i])));
    else if (a == "--interval" && value)
      opt.interval = std::stod(argv[++i]);
    else if (a == "--room-size" && value)
      opt.room_size = std::max(1u, static_cast<unsigned>(std::stoul(argv[++i])));
    else if (a == "--publish-ms" && value)
      opt.publish_ms = std::max(1u, static_cast<unsigned>(std::stoul(argv[++i])));
    else if (a == "--lifetime-s" && value) {
      const std::string v = argv[++i];
      const auto comma = v.find(',');
      opt.lifetime_min = std::stod(v.substr(0, comma));
      opt.lifetime_max = comma == std::string::npos ? opt.lifetime_min : std::stod(v.substr(comma + 1));
    } else if (a == "--ramp-s" && value)
      opt.ramp = std::stod(argv[++i]);
    else
      return std::nullopt;
  }
  if (opt.base.port == 0 || opt.lifetime_max < opt.lifetime_min || opt.interval <= 0) return std::nullopt;
  return opt;
}

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k] / 1000.0;
}

/// The slots of one event loop (one thread): each holds its current connection.
struct worker {
  net::io_context context{1};
  stats figures;  // since the last interval; touched on this thread only
  std::vector<std::shared_ptr<soak_client>> slots;
  std::uint32_t random = 0;
};

class soak {
 public:
  explicit soak(const soak_options& opt) : opt_(opt), endpoint_(net::ip::make_address(opt.base.host), opt.base.port) {
    shared_.opt = opt.base;
    for (unsigned t = 0; t < opt.base.threads; ++t) {
      auto& w = workers_.emplace_back(std::make_unique<worker>());
      w->random = 2654435761u * (t + 1);
      w->slots.resize((opt.base.clients + opt.base.threads - 1 - t) / opt.base.threads);
    }
  }

  int run() {
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    std::vector<std::thread> threads;
    for (auto& w : workers_) guards.push_back(net::make_work_guard(w->context));
    for (auto& w : workers_) threads.emplace_back([&w] { w->context.run(); });

    const auto start = clock_type::now();
    const auto since = [&] { return std::chrono::duration<double>(clock_type::now() - start).count(); };
    // The ramp: the slots start evenly over its seconds.
    const unsigned total = opt_.base.clients;
    for (unsigned i = 0; i < total; ++i) {
      auto& w = *workers_[i % workers_.size()];
      net::post(w.context, [this, &w, slot = i / workers_.size(), i] { open(w, slot, i); });
      const auto due = start + std::chrono::duration<double>(opt_.ramp * (i + 1) / total);
      if ((i + 1) % 50 == 0) std::this_thread::sleep_until(due);
    }
    stats totals;
    for (double next = opt_.interval; next <= opt_.base.duration + 1e-9; next += opt_.interval) {
      std::this_thread::sleep_until(start + std::chrono::duration<double>(next));
      auto interval = collect();
      print(since(), interval, false);
      add(totals, interval);
    }
    shared_.done = true;
    std::latch closed(static_cast<std::ptrdiff_t>(workers_.size()));
    for (auto& w : workers_) {
      net::post(w->context, [&w = *w, &closed] {
        for (auto& c : w.slots) {
          if (c) c->stop();
        }
        closed.count_down();
      });
    }
    closed.wait();
    for (auto& w : workers_) w->context.stop();
    for (auto& t : threads) t.join();
    for (auto& w : workers_) add(totals, w->figures);
    print(since(), totals, true);
    return totals.failures == 0 ? 0 : 1;
  }

 private:
  /// Starts the slot's next connection (on its worker's thread).
  void open(worker& w, std::size_t slot, unsigned index) {
    if (shared_.done) return;
    w.random = w.random * 1664525u + 1013904223u;
    const double span = opt_.lifetime_max - opt_.lifetime_min;
    const double lifetime = opt_.lifetime_min + span * (w.random >> 8) / double(1u << 24);
    soak_plan plan{"soak-" + std::to_string(index / opt_.room_size), std::chrono::milliseconds(opt_.publish_ms),
                   std::chrono::milliseconds(static_cast<long>(lifetime * 1000)), w.random};
    auto c = std::make_shared<soak_client>(w.context, shared_, w.figures, std::move(plan),
                                           [this, &w, slot, index] { open(w, slot, index); });
    w.slots[slot] = c;
    c->start(endpoint_);
  }

  /// The figures of every worker since the last call.
  stats collect() {
    std::vector<stats> parts(workers_.size());
    std::latch taken(static_cast<std::ptrdiff_t>(workers_.size()));
    for (std::size_t t = 0; t < workers_.size(); ++t) {
      net::post(workers_[t]->context, [&parts, &taken, t, &w = *workers_[t]] {
        parts[t] = std::exchange(w.figures, stats{});
        taken.count_down();
      });
    }
    taken.wait();
    stats all;
    for (auto& p : parts) add(all, p);
    return all;
  }

  static void add(stats& to, stats& from) {
    to.connected += from.connected;
    to.left += from.left;
    to.failures += from.failures;
    to.acks += from.acks;
    to.deliveries += from.deliveries;
    to.latencies_us.insert(to.latencies_us.end(), from.latencies_us.begin(), from.latencies_us.end());
    if (to.first_error.empty()) to.first_error = from.first_error;
    from.latencies_us.clear();
  }

  void print(double t, stats& s, bool last) {
    json line{{"t", t},
              {"open", shared_.ready.load()},
              {"connects", s.connected},
              {"leaves", s.left},
              {"acks", s.acks},
              {"deliveries", s.deliveries},
              {"failures", s.failures},
              {"ack_ms", {{"p50", percentile_ms(s.latencies_us, 0.5)}, {"p99", percentile_ms(s.latencies_us, 0.99)}}}};
    if (!s.first_error.empty()) line["first_error"] = s.first_error;
    if (last) line["done"] = true;
    std::cout << line.dump() << std::endl;
  }

  soak_options opt_;
  tcp::endpoint endpoint_;
  shared_state shared_;
  std::vector<std::unique_ptr<worker>> workers_;
};

}  // namespace
}  // namespace sockio::bench

int main(int argc, char** argv) {
  const auto opt = sockio::bench::parse(argc, argv);
  if (!opt) {
    std::cerr << "usage: sockio-soak --port N [--host H] [--clients N] [--duration S] [--interval S] [--threads N]\n"
                 "                   [--room-size N] [--publish-ms MS] [--lifetime-s MIN,MAX] [--ramp-s S]\n";
    return 2;
  }
  return sockio::bench::soak(*opt).run();
}
