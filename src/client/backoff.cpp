#include "sockio/client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace sockio::client {

backoff::backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, double jitter, std::uint64_t seed)
    : min_(std::max(min, std::chrono::milliseconds(0))),
      max_(std::max(max, min_)),
      jitter_(jitter > 0 && jitter <= 1 ? jitter : 0),
      random_(seed) {}

namespace {

/// One step of splitmix64, as a double in [-1, 1).
double next_unit(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
}

}  // namespace

std::chrono::milliseconds backoff::duration() {
  // 2^62 ms overflows nothing in a double and is far past any cap: clamp the exponent.
  const auto exponent = static_cast<int>(std::min<std::uint64_t>(attempts_, 62));
  ++attempts_;
  double ms =
      std::min(static_cast<double>(min_.count()) * std::ldexp(1.0, exponent), static_cast<double>(max_.count()));
  if (jitter_ > 0) {
    ms += ms * jitter_ * next_unit(random_);
  }
  ms = std::clamp(ms, 0.0, static_cast<double>(max_.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace sockio::client
