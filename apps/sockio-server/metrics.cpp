#include "metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace sockio::gateway {

void labeled_counter::add(const std::string& label, std::int64_t n) {
  std::lock_guard lock(mutex_);
  values_[label] += n;
}

std::map<std::string, std::int64_t> labeled_counter::values() const {
  std::lock_guard lock(mutex_);
  return values_;
}

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

void histogram::observe(double value) {
  const auto i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, value) * 1e6), std::memory_order_relaxed);
}

void histogram::render(std::string& out, const std::string& name) const {
  std::uint64_t cumulative = 0;
  char line[256];
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    if (i < bounds_.size()) {
      std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), bounds_[i],
                    static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n", name.c_str(),
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "%s_sum %.6f\n%s_count %llu\n", name.c_str(),
                static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6, name.c_str(),
                static_cast<unsigned long long>(cumulative));
  out += line;
}

}  // namespace sockio::gateway
