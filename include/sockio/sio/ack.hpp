// Acknowledgements: answering one, and receiving them.
#pragma once

#include <functional>
#include <memory>
#include <system_error>
#include <utility>

#include "sockio/codec/sio/packet.hpp"

namespace sockio::sio {

/// Answers an event that asked for an acknowledgement; empty when none was asked.
/// Calling it more than once sends nothing more.
class ack_fn {
 public:
  ack_fn() = default;
  explicit ack_fn(std::function<void(json)> send) : send_(std::make_shared<decltype(send)>(std::move(send))) {}

  /// True when the client asked for an acknowledgement.
  explicit operator bool() const noexcept { return send_ && *send_; }

  /// Sends the acknowledgement with `args` (a JSON array, or one value).
  void operator()(json args = json::array()) const {
    if (!send_ || !*send_) return;
    if (!args.is_array()) args = json::array({std::move(args)});
    auto send = std::move(*send_);
    *send_ = nullptr;
    send(std::move(args));
  }

  /// Sends the acknowledgement with the given arguments.
  template <class... Args>
  void reply(Args&&... args) const {
    (*this)(json::array({json(std::forward<Args>(args))...}));
  }

 private:
  std::shared_ptr<std::function<void(json)>> send_;
};

/// Receives an acknowledgement: `args` is the array of its arguments; on a timeout or a
/// disconnect `ec` is set (for broadcasts `args` holds the responses received so far).
using ack_callback = std::function<void(std::error_code ec, json args)>;

}  // namespace sockio::sio
