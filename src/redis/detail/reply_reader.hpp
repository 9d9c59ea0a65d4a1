// RESP on a Redis connection: replies read from the bytes received, commands formatted
// for writing. Both are hiredis's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sockio/redis/reply.hpp"

struct redisReader;

namespace sockio::redis::detail {

/// Turns the bytes a connection receives into replies, one at a time, in order.
class reply_reader {
 public:
  reply_reader() = default;
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;
  ~reply_reader();

  /// Starts over for a new connection: what was buffered is dropped. False when out of
  /// memory.
  bool reset();
  /// Appends received bytes. False on a protocol error.
  bool feed(const char* data, std::size_t n);
  /// The next complete reply into `out` (left empty when none is complete yet). False on
  /// a protocol error (`error()` says which).
  bool next(std::optional<reply>& out);
  /// The reader's last error.
  const char* error() const noexcept;
  /// Bytes received and not parsed yet: an incomplete reply.
  std::size_t buffered() const noexcept;

 private:
  redisReader* reader_ = nullptr;
};

/// A command in RESP, ready to write.
std::string format_command(const std::vector<std::string>& args);

}  // namespace sockio::redis::detail
