// The classic @socket.io/redis-adapter 8.x wire format: channels, broadcast messages,
// requests and responses, byte for byte as the Node peers write them. Used by
// redis::node's adapters; public for tests and tools that speak the protocol.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sockio/sio/broadcast_operator.hpp"
#include "sockio/sio/remote_socket.hpp"

namespace sockio::redis::wire {

using sio::json;
/// Outgoing JSON keeps its keys in the order Node writes them.
using ojson = nlohmann::ordered_json;

/// RequestType of index.ts.
enum class request_type {
  sockets = 0,
  all_rooms = 1,
  remote_join = 2,
  remote_leave = 3,
  remote_disconnect = 4,
  remote_fetch = 5,
  server_side_emit = 6,
  broadcast = 7,
  broadcast_client_count = 8,
  broadcast_ack = 9,
};

/// The channels of one namespace.
struct channels {
  std::string broadcast;          ///< `<key>#<nsp>#`; a single room's: `<key>#<nsp>#<room>#`
  std::string pattern;            ///< `<key>#<nsp>#*`
  std::string request;            ///< `<key>-request#<nsp>#`
  std::string response;           ///< `<key>-response#<nsp>#`
  std::string specific_response;  ///< `<key>-response#<nsp>#<uid>#`

  channels(const std::string& key, const std::string& nsp, const std::string& uid);
  /// Where a broadcast to `options` goes: the room's channel for exactly one room.
  std::string broadcast_for(const sio::broadcast_options& options) const;
  /// The channel a response to `requester` goes to.
  std::string response_for(const std::string& requester, bool specific) const;
};

/// A message from Redis that did not decode or has the wrong shape.
struct bad_message {
  std::string reason;
};

/// `[uid, {type: 2, data, nsp}, {rooms, except, flags}]` in msgpack.
std::string encode_broadcast(const std::string& uid, const sio::packet& p, const sio::broadcast_options& options);

/// A broadcast read from a broadcast channel.
struct broadcast_message {
  std::string uid;
  sio::packet packet;
  sio::broadcast_options options;
};
/// `{uid, requestId, type: 7, packet: {type: 2, data, nsp}, opts: {rooms, except, flags}}` in
/// msgpack: a broadcast whose acknowledgements every node collects.
std::string encode_broadcast_with_ack(const std::string& uid, const std::string& request_id, const sio::packet& p,
                                      const sio::broadcast_options& options);

// Requests (JSON), in Node's key order.
std::string all_rooms_request(const std::string& uid, const std::string& request_id);
std::string fetch_sockets_request(const std::string& uid, const std::string& request_id,
                                  const sio::broadcast_options& options);
/// Types 2 and 3 (`sockets_join` / `sockets_leave`).
std::string rooms_request(request_type type, const std::string& uid, const sio::broadcast_options& options,
                          const std::vector<sio::room>& rooms);
std::string disconnect_request(const std::string& uid, const sio::broadcast_options& options, bool close);
/// Without `request_id` when no acknowledgement is asked.
std::string server_side_emit_request(const std::string& uid, const std::string& request_id, const json& data);

// Responses.
std::string all_rooms_response(const std::string& request_id, const std::set<sio::room>& rooms);
std::string fetch_sockets_response(const std::string& request_id, const std::vector<sio::remote_socket>& sockets);
/// The legacy answer to type 0 (ids only).
std::string sockets_response(const std::string& request_id, const std::vector<sio::remote_socket>& sockets);
/// `{type: 6, requestId, data}`: the first acknowledgement argument (none: no `data`).
std::string server_side_emit_response(const std::string& request_id, const json& args);
std::string client_count_response(const std::string& request_id, std::size_t clients);
/// msgpack `{type: 9, requestId, packet}`: a client's acknowledgement (its first argument).
std::string broadcast_ack_response(const std::string& request_id, const json& args);

/// Decodes a broadcast message; `std::nullopt` with `error` set when it is not one.
std::optional<broadcast_message> decode_broadcast(std::string_view bytes, std::string& error);

/// A request or a response: JSON when it starts with '{', msgpack otherwise (Node's rule).
std::optional<json> decode_envelope(std::string_view bytes, std::string& error);

/// `{rooms, except[, flags]}` as Node writes it.
ojson encode_options(const sio::broadcast_options& options, bool with_flags);
/// Options read back; a missing part is empty, a part of the wrong type is an error.
std::optional<sio::broadcast_options> decode_options(const json& j);

/// The `{id, handshake, rooms, data}` of a fetchSockets response.
json encode_socket(const sio::remote_socket& s);
/// A socket of another node from that form (`remote` set); nullopt when malformed.
std::optional<sio::remote_socket> decode_socket(const json& j, sio::namespace_* nsp);

/// The event packet of a request or broadcast (`{type: 2, data: [event, ...]}`); nullopt
/// when it is not one.
std::optional<sio::packet> decode_event_packet(const json& j, const std::string& nsp);

}  // namespace sockio::redis::wire
