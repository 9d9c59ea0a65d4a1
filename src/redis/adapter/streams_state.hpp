// A Streams adapter node: its three connections, the stream read loop and its
// namespaces' routes.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "node_core.hpp"
#include "sockio/redis/streams_adapter.hpp"

namespace sockio::redis::detail {

class streams_adapter;

/// One connection sends commands (XADD, PUBLISH, SET, GETDEL, XRANGE, NUMSUB), one is
/// subscribed to the namespaces' channels, one reads the streams. Everything below runs
/// on the node's thread unless marked "any thread".
struct streams_state : node_core {
  explicit streams_state(streams_adapter_options o);
  ~streams_state();

  /// Any thread: starts the thread, the connections and the read loop (once).
  void start();
  /// Any thread (not the node's): stops the connections, then the thread.
  void shutdown();

  /// Any thread: XADD of `fields` to `stream` (trimmed to about `max_len`); `done` gets
  /// the entry id, or empty when Redis refused it (then counted as dropped).
  void append(std::string stream, std::vector<std::string> fields, std::function<void(std::string)> done = {});
  /// Any thread: PUBLISH, counted; a refusal is counted as dropped.
  void publish(std::string channel, std::string payload);
  /// The subscribers of `channel` (PUBSUB NUMSUB): the nodes.
  void count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done);

  /// Any thread: routes `a`'s namespace and channels to it and subscribes; `remove` undoes it.
  void add(streams_adapter& a, std::vector<std::string> channels);
  void remove(streams_adapter& a, std::vector<std::string> channels);

  streams_adapter_options options;
  connection pub;
  connection sub;
  connection reader;

 private:
  /// One `XREAD COUNT BLOCK STREAMS …` from the last ids; again when it returns.
  void read();
  void on_entries(const reply& r);
  void on_message(const pubsub_message& m);

  std::vector<std::string> streams_;   // read, in XREAD's order
  std::vector<std::string> last_ids_;  // "$" until an entry was seen
  bool reading_ = false;               // an XREAD is out
  boost::asio::steady_timer retry_;

  mutable std::mutex routes_mutex_;  // adapters register from shard threads
  std::unordered_map<std::string, streams_adapter*> by_nsp_;
  std::unordered_map<std::string, streams_adapter*> by_channel_;
};

}  // namespace sockio::redis::detail
