// Acknowledgements: answering one, and receiving them.
#pragma once

#include <functional>
#include <memory>
#include <system_error>
#include <utility>

#include "sockio/codec/sio/packet.hpp"

namespace sockio::sio {

/// Answers an event that asked for an acknowledgement; empty when none was asked.
/// Copies answer the same event: calling any of them more than once sends nothing more.
class ack_fn {
 public:
  /// What sends the answer: the server's socket, or a function (the constructor below).
  class sender {
   public:
    virtual ~sender() = default;
    /// Sends the acknowledgement's arguments; called at most once.
    virtual void send(json args) = 0;

   private:
    friend class ack_fn;
    bool answered_ = false;
  };

  ack_fn() = default;
  /// An answer sent by `send` (none if `send` is empty).
  explicit ack_fn(std::function<void(json)> send) {
    if (send) sender_ = std::make_shared<function_sender>(std::move(send));
  }
  /// An answer sent by `s` (one allocation for the answer's state).
  explicit ack_fn(std::shared_ptr<sender> s) noexcept : sender_(std::move(s)) {}

  /// True when the client asked for an acknowledgement and it has not been sent yet.
  explicit operator bool() const noexcept { return sender_ && !sender_->answered_; }

  /// Sends the acknowledgement with `args` (a JSON array, or one value).
  void operator()(json args = json::array()) const {
    if (!sender_ || sender_->answered_) return;
    if (!args.is_array()) args = json::array({std::move(args)});
    sender_->answered_ = true;
    sender_->send(std::move(args));
  }

  /// Sends the acknowledgement with the given arguments.
  template <class... Args>
  void reply(Args&&... args) const {
    (*this)(json::array({json(std::forward<Args>(args))...}));
  }

 private:
  class function_sender final : public sender {
   public:
    explicit function_sender(std::function<void(json)> send) : send_(std::move(send)) {}
    void send(json args) override {
      auto send = std::move(send_);  // released once answered
      send(std::move(args));
    }

   private:
    std::function<void(json)> send_;
  };

  std::shared_ptr<sender> sender_;
};

/// Receives an acknowledgement: `args` is the array of its arguments; on a timeout or a
/// disconnect `ec` is set (for broadcasts `args` holds the responses received so far).
using ack_callback = std::function<void(std::error_code ec, json args)>;

}  // namespace sockio::sio
