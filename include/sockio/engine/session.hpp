// One Engine.IO session and the handler that receives its events.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sockio/engine/request_info.hpp"

namespace boost::asio {
class io_context;
}

namespace sockio::engine {

/// Which transport a session uses right now.
enum class transport_kind { polling, websocket };

/// The name engine.io gives a transport (`"polling"`, `"websocket"`).
std::string_view to_string(transport_kind t) noexcept;

/// Immutable bytes shared by every session they are sent to (encode once).
using shared_bytes = std::shared_ptr<const std::string>;

class session;

/// Receives a session's events. All calls run on the session's shard thread.
class session_handler {
 public:
  virtual ~session_handler() = default;
  /// A message packet: text, or binary when `binary` is true.
  virtual void on_message(session& s, std::string_view data, bool binary) = 0;
  /// The session closed; `reason` is engine.io's ("transport close", "ping timeout",
  /// "parse error", "transport error", "forced close"). Called once; no call follows.
  virtual void on_close(session& s, std::string_view reason) = 0;
  /// Everything queued so far has been handed to the transport.
  virtual void on_drain(session&) {}
  /// The session moved from polling to WebSocket.
  virtual void on_upgrade(session&) {}
};

/// One Engine.IO connection. It lives on one shard: call its functions only on that
/// shard's thread (for example from a handler, or through `context()`).
class session {
 public:
  virtual ~session() = default;
  /// The session id (`sid`); its first character names the shard.
  virtual const std::string& id() const noexcept = 0;
  virtual unsigned shard() const noexcept = 0;
  virtual transport_kind transport() const noexcept = 0;
  /// The handshake request.
  virtual const request_info& request() const noexcept = 0;
  /// The same request, for holders that outlive a call (Socket.IO's handshakes share
  /// this one copy instead of making their own). The request lives inside the session,
  /// so the pointer keeps the session's memory (not the connection) alive.
  virtual std::shared_ptr<const request_info> shared_request() const noexcept = 0;
  virtual bool is_open() const noexcept = 0;
  /// The event loop this session runs on.
  virtual boost::asio::io_context& context() noexcept = 0;
  /// Installs the event receiver (replacing any previous one).
  virtual void set_handler(std::shared_ptr<session_handler> handler) = 0;
  /// Queues a message packet; the same `data` may be sent to many sessions.
  virtual void send(shared_bytes data, bool binary) = 0;
  /// Bytes queued and not yet written.
  virtual std::size_t buffered_bytes() const noexcept = 0;
  /// True when a packet sent now would go out at once (polling: a GET is waiting;
  /// WebSocket: nothing is being written). Volatile packets are dropped otherwise.
  virtual bool writable() const noexcept = 0;
  /// Closes the session from the server side ("forced close").
  virtual void close() = 0;

  /// Copies `data` into a buffer of its own and queues it.
  void send(std::string_view data, bool binary = false) { send(std::make_shared<const std::string>(data), binary); }
};

}  // namespace sockio::engine
