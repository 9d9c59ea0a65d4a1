// One connection to a Redis server on an Asio loop: pipelined commands, pub/sub,
// reconnection with backoff. The RESP reader and command formatting are hiredis's.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "sockio/redis/error.hpp"
#include "sockio/redis/reply.hpp"
#include "sockio/redis/url.hpp"

namespace sockio::redis {

/// How a connection reaches Redis and how hard it tries.
struct connection_options {
  std::string url = "redis://127.0.0.1:6379";  ///< see `parse_url`
  std::string name = "redis";                  ///< in log lines ("pub", "sub", ...)
  std::chrono::milliseconds connect_timeout{5000};
  /// Reconnection: the first retry after `reconnect_delay`, doubling up to
  /// `reconnect_delay_max`, each delay moved by up to ±`randomization_factor` of itself
  /// (the jitter socket.io's clients use, so that nodes do not retry in step).
  std::chrono::milliseconds reconnect_delay{100};
  std::chrono::milliseconds reconnect_delay_max{5000};
  double randomization_factor = 0.5;
  /// Bytes written or waiting to be written; a command beyond it fails with
  /// `errc::queue_full` (a slow Redis never grows memory without limit).
  std::size_t max_queued_bytes = 64u << 20;
  /// Commands sent and not answered yet; beyond it a command fails with `errc::queue_full`.
  std::size_t max_pending_replies = 100'000;
  /// The largest reply accepted; a larger one closes the connection (`errc::protocol_error`).
  std::size_t max_reply_bytes = 512u << 20;
  /// rediss://: PEM file of the certificate authorities to trust; empty: the system's.
  /// The server's certificate and host name are always verified.
  std::string tls_ca_file;
};

/// Counters of a connection; read from any thread.
struct connection_stats {
  bool connected = false;
  std::uint64_t connects = 0;  ///< successful connections (the first and every reconnection)
  std::uint64_t losses = 0;    ///< connections lost after they were up
  std::uint64_t commands = 0;  ///< commands written
  std::uint64_t dropped = 0;   ///< commands refused: not connected or queue full
  std::uint64_t messages = 0;  ///< pub/sub messages received
};

/// A pub/sub message: `kind` is "message", "pmessage" or "smessage"; `pattern` is set
/// for "pmessage" only. The views are valid during the handler call.
struct pubsub_message {
  std::string_view kind;
  std::string_view pattern;
  std::string_view channel;
  std::string_view payload;
};

/// A connection to one Redis server, living on one executor (strand or single-threaded
/// loop). Every public function may be called from any thread; handlers run on the
/// executor. A connection that subscribes is a subscriber connection (RESP2): it then
/// takes only (P|S)(UN)SUBSCRIBE commands, as Redis requires. Subscriptions are restored
/// after every reconnection. It may be destroyed from any thread while its loop lives:
/// no message or state handler runs after the destructor returns; commands still waiting
/// complete with `errc::stopped` on the executor.
///
/// @code
/// redis::connection pub(io.get_executor(), {.url = "redis://127.0.0.1:6379"});
/// pub.start();
/// pub.command({"PUBLISH", "news", "hello"}, [](std::error_code ec, redis::reply r) {
///   if (!ec) std::cout << r.integer << " subscribers\n";
/// });
/// @endcode
class connection {
 public:
  using reply_handler = std::function<void(std::error_code, reply)>;
  using message_handler = std::function<void(const pubsub_message&)>;
  /// Called with true each time the connection comes up, false when it goes down.
  using state_handler = std::function<void(bool up)>;
  /// A sharded subscription that ended without `sunsubscribe()`: `error` is Redis's refusal
  /// of the SSUBSCRIBE (a cluster node answers "MOVED <slot> <host>:<port>" for a channel
  /// whose slot it does not serve), or empty when Redis ended it (the slot moved).
  using shard_handler = std::function<void(const std::string& channel, const std::string& error)>;

  /// Throws `std::invalid_argument` when `options.url` is not a Redis URL.
  connection(boost::asio::any_io_executor executor, connection_options options);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Set before `start()`.
  void on_message(message_handler handler);
  void on_state(state_handler handler);
  void on_shard_lost(shard_handler handler);

  /// Connects, and keeps reconnecting until `stop()`.
  void start();
  /// Closes; commands waiting for replies fail with `errc::stopped`.
  void stop();

  /// Sends a command (arguments are binary-safe). `handler` gets the reply; an error
  /// reply comes with `errc::server_error`. Commands are pipelined in call order. A
  /// command issued while the connection is being (re)established waits for that attempt
  /// and fails with `errc::not_connected` if it fails (a bounded form of node-redis'
  /// offline queue: a publish during a quick restart of Redis is not lost). Once an
  /// attempt has failed, or when the queue is full (`errc::queue_full`), a command fails
  /// at once.
  void command(std::vector<std::string> args, reply_handler handler = {});
  /// Subscribes (kept across reconnections); `done` runs once Redis confirmed them all.
  void subscribe(std::vector<std::string> channels, std::function<void()> done = {});
  void psubscribe(std::vector<std::string> patterns, std::function<void()> done = {});
  void unsubscribe(std::vector<std::string> channels);
  void punsubscribe(std::vector<std::string> patterns);
  /// Sharded pub/sub (Redis 7): SSUBSCRIBE, one command per channel (a cluster takes one
  /// slot per command), kept across reconnections; messages come as "smessage". `done`
  /// runs once Redis has answered them all; a refused one is reported to
  /// `on_shard_lost` and is no longer kept.
  void ssubscribe(std::vector<std::string> channels, std::function<void()> done = {});
  void sunsubscribe(std::vector<std::string> channels);

  bool connected() const noexcept;
  connection_stats stats() const;
  const redis::url& endpoint() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sockio::redis
