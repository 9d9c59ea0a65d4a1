// The adapter of @socket.io/redis-streams-adapter 0.3.x: sockio servers and Node
// socket.io servers share one application through a Redis stream, and a client whose
// node died gets its session back on another node (connection state recovery).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sockio/adapter/adapter.hpp"
#include "sockio/redis/connection.hpp"
#include "sockio/redis/redis_adapter.hpp"

namespace sockio::redis {

/// Options of the Streams adapter, named as its createAdapter's.
struct streams_adapter_options {
  /// Where Redis is, and how the three connections (commands, subscriber, stream reader)
  /// behave.
  connection_options connection;
  std::string stream_name = "socket.io";  ///< the stream (or the prefix of the streams)
  /// Streams the namespaces are spread over (`<stream_name>-<i>`, Node's hash of the
  /// namespace name); 1: one stream called `stream_name`. The same on every node.
  unsigned stream_count = 1;
  std::string channel_prefix = "socket.io";         ///< `<prefix>#<nsp>#` pub/sub channels
  std::size_t max_len = 10'000;                     ///< `XADD … MAXLEN ~ max_len`
  unsigned read_count = 100;                        ///< `XREAD COUNT`
  std::chrono::milliseconds block_time{5000};       ///< `XREAD BLOCK`
  std::string session_key_prefix = "sio:session:";  ///< `<prefix><pid>` keeps a session
  /// Messages in JSON even when they carry binary (Node's onlyPlaintext).
  bool only_plaintext = false;
  /// How long fetch_sockets (without a timeout flag of its own) and server_side_emit with
  /// an ack wait for the other nodes; also the timeout of a broadcast with acks that has
  /// none. (Node's ClusterAdapter: 5,000 ms.)
  std::chrono::milliseconds requests_timeout{5000};
  /// With connection state recovery on: also keep the session of every *connected* socket
  /// in Redis (written on connect and after each room change, written again every half
  /// `max_disconnection_duration`), so that its client is recovered on another node even
  /// when this one dies without disconnecting it (SIGKILL, a crash, the host lost). A
  /// socket that disconnects for good has its session deleted. sockio only: Node's adapter
  /// writes a session when its socket disconnects (a Node node that dies loses them); Node
  /// nodes restore the sessions sockio writes. Costs a SET per connect and room change,
  /// and one per connected socket every half expiry. `socket.data` changed later than the
  /// last of these is not in the session.
  bool persist_connected_sessions = false;
};

namespace detail {
struct streams_state;
}

/// This server as one node of a socket.io cluster on Redis streams: one node id, a
/// connection for commands, one subscribed to the namespaces' channels and one reading
/// the streams (`XREAD BLOCK` from the last entry seen), on a thread of its own.
///
/// @code
/// redis::streams_node cluster({.connection = {.url = "redis://127.0.0.1:6379"}});
/// sio::server_options options;
/// options.adapter = cluster.adapter_factory();
/// options.connection_state_recovery = sio::recovery_options{};  // sessions outlive their node
/// sio::server io(options);
/// @endcode
///
/// Broadcasts and sockets_join / sockets_leave / disconnect_sockets go through the stream
/// (`XADD … MAXLEN ~`); broadcasts with acks, fetch_sockets and server_side_emit through
/// pub/sub, in msgpack, as 0.3.x does. The server count is `PUBSUB NUMSUB` of the
/// namespace's channel. With connection state recovery on, an event's offset is its stream
/// entry id, a disconnected socket's session is kept in Redis (`SET <prefix><pid> … PX`)
/// and restored on any node, sockio or Node, with the events it missed (`XRANGE` from the
/// offset). all_rooms is this node's.
class streams_node final : public adapter_node {
 public:
  /// Throws `std::invalid_argument` for a bad URL.
  explicit streams_node(streams_adapter_options options);
  /// Stops the connections and the thread. Destroy the server (its namespaces) first.
  ~streams_node() override;
  streams_node(const streams_node&) = delete;
  streams_node& operator=(const streams_node&) = delete;

  sio::adapter_factory adapter_factory() override;
  /// The node id on the wire (16 hexadecimal digits, as Node's ClusterAdapter).
  const std::string& uid() const noexcept override;
  /// `up`: all three connections are up; `peers` from PUBSUB NUMSUB.
  cluster_stats stats() const override;

 private:
  std::shared_ptr<detail::streams_state> state_;
};

}  // namespace sockio::redis
