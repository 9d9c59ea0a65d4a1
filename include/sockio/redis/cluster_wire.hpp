// The ClusterMessage wire format of socket.io-adapter's ClusterAdapter, which the sharded
// adapter of @socket.io/redis-adapter 8.x (createShardedAdapter) and
// @socket.io/redis-streams-adapter speak: `{type, data, uid, nsp}` in JSON, or the whole
// envelope in msgpack when a message that may carry binary does. Byte for byte as the
// Node peers write it; public for tests and tools that speak the protocol.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sockio/adapter/adapter.hpp"
#include "sockio/redis/wire.hpp"

namespace sockio::redis::cluster_wire {

using wire::json;
using wire::ojson;

/// MessageType of cluster-adapter.ts (not the classic RequestType numbering).
enum class message_type {
  initial_heartbeat = 1,
  heartbeat = 2,
  broadcast = 3,
  sockets_join = 4,
  sockets_leave = 5,
  disconnect_sockets = 6,
  fetch_sockets = 7,
  fetch_sockets_response = 8,
  server_side_emit = 9,
  server_side_emit_response = 10,
  broadcast_client_count = 11,
  broadcast_ack = 12,
  adapter_close = 13,
};

/// The sharded adapter's subscriptionMode.
enum class subscription_mode { static_, dynamic, dynamic_private };

/// The sharded adapter's channels of one namespace.
struct sharded_channels {
  std::string main;      ///< `<prefix>#<nsp>#`: requests and broadcasts
  std::string response;  ///< `<prefix>#<nsp>#<uid>#`: this node's responses

  sharded_channels(const std::string& prefix, const std::string& nsp, const std::string& uid);
  /// `<prefix>#<nsp>#<room>#`, a room's channel in the dynamic modes.
  std::string room(const std::string& room) const { return main + room + "#"; }
  /// The channel of a response to `requester`.
  std::string response_to(const std::string& requester) const { return main + requester + "#"; }
  /// Where a broadcast goes: a room's channel only for a broadcast without ack to exactly
  /// one room that the mode gives a channel (in `dynamic`, a room of 20 characters is
  /// taken for a socket id and has none).
  std::string broadcast_channel(subscription_mode mode, const sio::broadcast_options& options, bool with_ack) const;
};

/// Whether a node in `mode` subscribes to `room`'s channel; `is_socket_id`: the room is
/// one of its sockets' own rooms.
bool subscribes_to_room(subscription_mode mode, bool is_socket_id);

/// A message read from a channel or a stream entry.
struct message {
  message_type type;
  json data;  ///< null when absent
  std::string uid;
  std::string nsp;
};

/// `{type, data, uid, nsp}`: JSON, or msgpack when `type` may carry binary and `data` does.
std::string encode(message_type type, const ojson& data, const std::string& uid, const std::string& nsp);

// The `data` of each message, in Node's key order.
/// `{packet: {type: 2, data}, [requestId,] opts: {rooms, except, flags}}`.
ojson broadcast_data(const sio::packet& p, const sio::broadcast_options& options, const std::string& request_id = {});
/// Types 4 and 5: `{opts, rooms}`.
ojson rooms_data(const sio::broadcast_options& options, const std::vector<sio::room>& rooms);
ojson disconnect_data(const sio::broadcast_options& options, bool close);
ojson fetch_sockets_data(const sio::broadcast_options& options, const std::string& request_id);
ojson fetch_sockets_response_data(const std::string& request_id, const std::vector<sio::remote_socket>& sockets);
/// `{packet: [event, ...args]}`, with `requestId` first when an answer is asked.
ojson server_side_emit_data(const json& event_and_args, const std::string& request_id = {});
/// Types 10 and 12: `{requestId, packet}` with the first argument (no `packet`: none).
ojson first_argument_data(const std::string& request_id, const json& args);
ojson client_count_data(const std::string& request_id, std::size_t clients);

/// Decodes a message (JSON when it starts with '{', msgpack otherwise); nullopt with
/// `error` set when it is not one.
std::optional<message> decode(std::string_view bytes, std::string& error);

// --- @socket.io/redis-streams-adapter 0.3.x ---------------------------------------------

/// `{type, data, uid, nsp}` in msgpack whatever it carries: the Streams adapter's pub/sub
/// messages (broadcasts with acks, fetchSockets, serverSideEmit and their answers).
std::string encode_msgpack(message_type type, const ojson& data, const std::string& uid, const std::string& nsp);

/// A stream entry's field/value pairs as Node writes them: `uid`, `nsp`, `type` (decimal
/// text), `data` (JSON text, or base64 msgpack when a type that may carry binary does;
/// absent for null data; `only_plaintext`: JSON whatever it carries).
std::vector<std::string> stream_fields(message_type type, const ojson& data, const std::string& uid,
                                       const std::string& nsp, bool only_plaintext = false);
/// A stream entry's fields (`[field, value, ...]`) as a message; nullopt with `error` set
/// when they are not one.
std::optional<message> decode_stream_entry(const std::vector<std::string>& fields, std::string& error);

/// The stream a namespace's messages go to: `name`, or with `count` > 1 `name-<i>`, `i`
/// the Java-style hash of `nsp` (UTF-16 code units, 32-bit) modulo `count` with its sign
/// kept, exactly as Node computes it (a negative `i` is a stream Node's readers never read).
std::string stream_name(const std::string& name, unsigned count, const std::string& nsp);

/// A disconnected socket's session as the Streams adapter stores it: base64 of the msgpack
/// map `{sid, pid, rooms, data}`.
std::string encode_session(const sio::session_snapshot& session);
/// The other way; nullopt with `error` set when the text is not one.
std::optional<sio::session_snapshot> decode_session(std::string_view text, std::string& error);

}  // namespace sockio::redis::cluster_wire
