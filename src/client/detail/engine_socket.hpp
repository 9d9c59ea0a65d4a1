// The Engine.IO v4 client socket: handshake, heartbeat, write buffer, upgrade from
// long-polling to WebSocket (engine.io-client's Socket).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "detail/connection_context.hpp"
#include "detail/transport.hpp"
#include "sockio/codec/engine/open_packet.hpp"

namespace sockio::client::detail {

/// What the engine socket reports to its manager, on the manager's loop.
struct engine_events {
  std::function<void()> on_open;
  std::function<void(std::string data, bool binary)> on_message;
  /// The connection could not be opened (no event follows).
  std::function<void(std::error_code, std::string description)> on_error;
  /// The open connection closed: "transport close", "transport error", "ping timeout",
  /// "parse error" (no event follows).
  std::function<void(std::string reason, std::string description)> on_close;
  std::function<void()> on_ping;
  std::function<void(const std::string& transport)> on_upgrade;
  std::function<void(const std::string& message)> on_upgrade_error;
  /// Every packet in ('<') and out ('>'), when set.
  std::function<void(char direction, const engine::packet&)> on_packet;
};

/// One Engine.IO connection. Lives on the manager's loop.
class engine_socket : public std::enable_shared_from_this<engine_socket> {
 public:
  engine_socket(std::shared_ptr<connection_context> ctx, engine_events events);

  void open();
  /// Queues a packet; it leaves as soon as the transport can take it.
  void send(engine::packet p);
  /// True when a packet sent now would be written at once (volatile emits).
  bool writable() const noexcept;
  /// Writes what is queued, then a close packet; no event after.
  void close();
  /// Stops at once; no event after.
  void abort();

  const std::string& sid() const noexcept { return handshake_.sid; }
  std::string transport_name() const { return transport_ ? transport_->name() : ""; }

 private:
  /// opening ──open packet──▶ open ──close()/failure──▶ closed
  enum class state { opening, open, closed };

  void open_transport(const std::string& name);
  transport_events main_events();
  void on_packet(engine::packet p);
  void on_handshake(const std::string& data);
  void on_transport_error(std::error_code ec, std::string description);
  void finish(std::string reason, std::string description);
  void reset_ping_timeout();
  void flush();
  void probe(const std::string& name);
  void probe_failed(const std::string& why);

  std::shared_ptr<connection_context> ctx_;
  engine_events events_;
  std::vector<std::string> transports_;  // still to try (try_all_transports)
  std::shared_ptr<transport> transport_;
  std::shared_ptr<transport> probe_;
  engine::open_packet handshake_;
  boost::asio::steady_timer ping_timer_;
  std::vector<engine::packet> write_buffer_;
  state state_ = state::opening;
  bool upgrading_ = false;
};

}  // namespace sockio::client::detail
