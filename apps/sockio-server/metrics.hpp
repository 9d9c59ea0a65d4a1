// Prometheus metrics of the gateway: counters, gauges and histograms in text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sockio::gateway {

/// Counts by one label value ("reason", "namespace", ...). Thread-safe; meant for events
/// that are not per message (connects, disconnects, failures).
class labeled_counter {
 public:
  void add(const std::string& label, std::int64_t n = 1);
  std::map<std::string, std::int64_t> values() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> values_;
};

/// A histogram with fixed upper bounds. Thread-safe and lock-free.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double value);
  /// Appends the `_bucket`, `_sum` and `_count` lines of `name`.
  void render(std::string& out, const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> sum_micros_{0};         // sum of values × 1e6
};

/// Everything the gateway reports at `/metrics`.
struct metrics {
  labeled_counter sockets;             ///< connected sockets by namespace (a gauge)
  labeled_counter handshake_failures;  ///< by reason
  labeled_counter disconnects;         ///< by reason
  labeled_counter dropped_events;      ///< by reason
  std::atomic<std::uint64_t> events_received{0};
  std::atomic<std::int64_t> rooms{0};  ///< rooms with members, sockets' own rooms excluded
  histogram ack_seconds{{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}};
  histogram broadcast_recipients{{0, 1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000}};
};

}  // namespace sockio::gateway
