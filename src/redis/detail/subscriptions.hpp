// What a subscriber connection holds: its channels, patterns and shard channels, the
// confirmations it waits for, and what its pushed replies mean.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sockio/redis/connection.hpp"
#include "sockio/redis/reply.hpp"

namespace sockio::redis::detail {

/// The subscriptions of one connection, on its executor. Restored on every new
/// connection; SSUBSCRIBE refusals and slot moves are reported as lost shard channels.
class subscriptions {
 public:
  /// What the subscriptions need from their connection.
  class link {
   public:
    /// Writes a formatted command after those already written.
    virtual void send(std::string command) = 0;
    /// A pub/sub message arrived.
    virtual void deliver(const pubsub_message& m) = 0;
    /// A shard channel is no longer subscribed: refused (`error`) or its slot moved.
    virtual void shard_lost(const std::string& channel, const std::string& error) = 0;

   protected:
    ~link() = default;
  };

  enum class kind { channel, pattern, shard_channel };

  subscriptions(boost::asio::any_io_executor executor, link& to) : executor_(std::move(executor)), link_(to) {}

  /// True once anything was subscribed: the connection takes no other command.
  bool subscriber() const noexcept { return subscriber_; }

  /// Adds (`add`) or removes names. When `live`, the changes are sent at once and `done`
  /// runs once Redis confirmed them; otherwise with the next `restore()`.
  void change(kind k, std::vector<std::string> names, bool add, bool live, std::function<void()> done);
  /// Subscribes again to everything (a new connection); what was asked while down
  /// completes with it.
  void restore();
  /// The connection was lost: what waited for a confirmation waits for the next `restore()`.
  void connection_lost();
  /// Takes a reply of a subscriber connection: a message, a confirmation or a refused
  /// SSUBSCRIBE. False when it is none of these (a command's reply).
  bool on_reply(const reply& r);

 private:
  struct confirmation {
    std::size_t remaining;
    std::function<void()> done;
    std::string shard_channel;  // an SSUBSCRIBE's channel (its refusal is reported)
  };

  void send(const char* verb, std::vector<std::string> names, std::function<void()> done);
  void send_shard(const char* verb, std::vector<std::string> names, std::function<void()> done);
  void confirmed();

  boost::asio::any_io_executor executor_;
  link& link_;
  bool subscriber_ = false;
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
  std::set<std::string> shard_channels_;
  std::multiset<std::string> shard_unsubscribing_;  // SUNSUBSCRIBEs sent, not confirmed yet
  std::deque<confirmation> confirmations_;
  std::vector<std::function<void()>> pending_done_;
};

}  // namespace sockio::redis::detail
