// What a session needs from its WebSocket transports (lean_ws_connection.cpp,
// beast_ws_connection.cpp), and the packets it queues for them.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http_reply.hpp"
#include "sockio/codec/engine/error.hpp"
#include "sockio/codec/engine/packet.hpp"
#include "sockio/engine/server.hpp"

namespace sockio::engine::detail {

/// A packet queued for sending; `data` is shared with every other recipient.
struct outgoing {
  packet_type type = packet_type::message;
  shared_bytes data;
  bool binary = false;

  std::size_t size() const noexcept { return 1 + (data ? data->size() : 0); }
  std::string_view view() const noexcept { return data ? std::string_view(*data) : std::string_view(); }
};

/// A WebSocket connection as seen by its session (same shard).
class ws_transport {
 public:
  virtual ~ws_transport() = default;
  /// Queues one packet; writes are coalesced, one in flight at a time.
  virtual void send(outgoing packet) = 0;
  virtual std::size_t buffered_bytes() const noexcept = 0;
  /// Sends a close frame once queued packets are written; reports nothing further.
  virtual void close() = 0;
};

}  // namespace sockio::engine::detail
