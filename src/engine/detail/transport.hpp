// What a session needs from its transports; the Beast side implements it in server.cpp.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

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

/// An HTTP response produced for a long-polling request.
struct http_reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
  /// Further header fields (responses of the application's `http_handler`).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

/// Completes a long-polling request; safe to call from any shard (it posts to the
/// connection's own shard).
using reply_fn = std::function<void(http_reply)>;

/// engine.io's JSON error body for a handshake error.
http_reply error_reply(errc e, std::string_view message = {});

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
