#include "sockio/client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace sockio::client {

backoff::backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, double jitter, std::uint64_t seed)
    : min_(std::max(min, std::chrono::milliseconds(0))),
      max_(std::max(max, min_)),
      jitter_(jitter > 0 && jitter <= 1 ? jitter : 0),
      random_(seed) {}

std::chrono::milliseconds backoff::duration() {
  // 2^62 ms overflows nothing in a double and is far past any cap: clamp the exponent.
  const auto exponent = static_cast<int>(std::min<std::uint64_t>(attempts_, 62));
  ++attempts_;
  double ms =
      std::min(static_cast<double>(min_.count()) * std::ldexp(1.0, exponent), static_cast<double>(max_.count()));
  if (jitter_ > 0) {
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    ms += ms * jitter_ * unit(random_);
  }
  ms = std::clamp(ms, 0.0, static_cast<double>(max_.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace sockio::client
