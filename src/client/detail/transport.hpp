// An Engine.IO client transport (HTTP long-polling or WebSocket), as the engine socket
// sees it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "detail/connection_context.hpp"
#include "sockio/codec/engine/packet.hpp"

namespace sockio::client::detail {

/// What a transport reports to its engine socket, on the manager's loop.
struct transport_events {
  std::function<void(engine::packet)> on_packet;
  /// The transport failed: `ec` says which way (`errc::poll_error`, ...), `description`
  /// what happened (an HTTP status, a socket error).
  std::function<void(std::error_code ec, std::string description)> on_error;
  /// The server closed the transport ("transport close").
  std::function<void(std::string description)> on_close;
  /// Every packet handed to `send` has been written.
  std::function<void()> on_drain;
  /// The transport is open (WebSocket: the upgrade answered; polling: at once).
  std::function<void()> on_open;
};

/// A transport. Lives on the manager's loop; `abort()` silences it for good.
class transport {
 public:
  virtual ~transport() = default;
  /// "polling" or "websocket".
  virtual const char* name() const noexcept = 0;
  /// Opens it; with an empty `sid` this is the handshake.
  virtual void open(std::string sid) = 0;
  /// Takes the Engine.IO session id once the handshake gave it.
  virtual void set_sid(std::string sid) = 0;
  /// Writes packets; `on_drain` follows once they are all written.
  virtual void send(std::vector<engine::packet> packets) = 0;
  /// True when a `send` would leave at once (nothing being written).
  virtual bool writable() const noexcept = 0;
  /// The server's limit on one request's payload (`maxPayload` of the open packet).
  virtual void set_max_payload(std::uint64_t) {}
  /// Polling: stops polling once the GET and POST in flight are done, then `done()`.
  virtual void pause(std::function<void()> done) { done(); }
  /// Polling: polls again after a `pause` whose upgrade failed.
  virtual void resume() {}
  /// Closes it politely (polling: a close packet; WebSocket: a close frame). No event after.
  virtual void close() = 0;
  /// Drops it at once. No event after.
  virtual void abort() = 0;

  void set_events(transport_events e) { events_ = std::move(e); }

 protected:
  transport_events events_;
};

std::shared_ptr<transport> make_polling_transport(std::shared_ptr<connection_context> ctx);
std::shared_ptr<transport> make_websocket_transport(std::shared_ptr<connection_context> ctx);

}  // namespace sockio::client::detail
