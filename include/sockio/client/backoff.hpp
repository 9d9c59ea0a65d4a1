// The reconnection delay: exponential, capped, with jitter that stays bounded for any
// number of attempts.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sockio::client {

/// Delays between reconnection attempts: attempt n waits `min * 2^n`, capped at `max`,
/// moved by up to ±`jitter` of itself with an independent draw. Unlike the JS client's
/// formula (which reuses one draw for sign and size and reaches `Infinity - Infinity =
/// 0 ms` after about 1,000 attempts), the exponent is clamped, so every delay stays in
/// [min(max, min·2^n)·(1 − jitter), max] for any attempt count.
///
/// @code
/// client::backoff b(1000ms, 5000ms, 0.5);
/// auto first = b.duration();   // 500..1500 ms
/// b.reset();                   // after a successful reconnection
/// @endcode
class backoff {
 public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, double jitter,
          std::uint64_t seed = std::random_device{}());

  /// The next delay; counts one attempt.
  std::chrono::milliseconds duration();
  /// Back to the first delay.
  void reset() noexcept { attempts_ = 0; }
  std::uint64_t attempts() const noexcept { return attempts_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  double jitter_;
  std::uint64_t attempts_ = 0;
  std::uint64_t random_;  // splitmix64: 8 bytes a manager, not mt19937's 2.5 KB
};

}  // namespace sockio::client
