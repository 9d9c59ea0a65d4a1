// Collecting the acknowledgements of a broadcast, from every shard (and, with a cluster
// adapter, every node).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "sockio/sio/types.hpp"

namespace sockio::sio {

/// Collects one acknowledgement per recipient of a broadcast, on one shard: it completes
/// when every reporter (a shard, or the other nodes of a cluster together) said how many
/// recipients it has and that many acknowledgements came, or when the timeout expires.
class ack_collector : public std::enable_shared_from_this<ack_collector> {
 public:
  /// `reporters` calls of `expect` are awaited.
  ack_collector(boost::asio::io_context& home, unsigned reporters, ack_callback callback)
      : home_(home), timer_(home), shards_(reporters), callback_(std::move(callback)) {}

  void arm(std::optional<std::chrono::milliseconds> timeout) {
    if (!timeout) return;
    timer_.expires_after(*timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->done_) return;
      self->done_ = true;
      self->callback_(make_error_code(errc::timeout), std::move(self->responses_));
    });
  }

  /// From any thread: a reporter has `n` recipients.
  void expect(std::size_t n) {
    boost::asio::post(home_, [self = shared_from_this(), n] {
      self->expected_ += n;
      ++self->reported_;
      self->check();
    });
  }

  /// From any thread: one recipient's acknowledgement (its first argument is kept, as
  /// socket.io does).
  void respond(json args) {
    boost::asio::post(home_, [self = shared_from_this(), args = std::move(args)]() mutable {
      if (self->done_) return;
      self->responses_.push_back(args.is_array() && !args.empty() ? std::move(args[0]) : json());
      self->check();
    });
  }

 private:
  void check() {
    if (done_ || reported_ < shards_ || responses_.size() < expected_) return;
    done_ = true;
    timer_.cancel();
    callback_({}, std::move(responses_));
  }

  boost::asio::io_context& home_;
  boost::asio::steady_timer timer_;
  unsigned shards_;  // reporters awaited
  unsigned reported_ = 0;
  std::size_t expected_ = 0;
  json responses_ = json::array();
  ack_callback callback_;
  bool done_ = false;
};

}  // namespace sockio::sio
