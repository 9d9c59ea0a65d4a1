// The Engine.IO session state machine: transports, upgrade, heartbeat, close.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "polling_transport.hpp"
#include "server_state.hpp"
#include "shard.hpp"
#include "transport.hpp"

namespace sockio::engine::detail {

class session_impl final : public session, public std::enable_shared_from_this<session_impl> {
 public:
  session_impl(server_state& state, detail::shard& home, std::string id, request_info request);
  ~session_impl() override;

  // session
  const std::string& id() const noexcept override { return id_; }
  unsigned shard() const noexcept override;
  transport_kind transport() const noexcept override { return transport_; }
  const request_info& request() const noexcept override { return request_; }
  std::shared_ptr<const request_info> shared_request() const noexcept override {
    return {shared_from_this(), &request_};  // sessions are made by open_new, always shared
  }
  bool is_open() const noexcept override { return state_ == state::open; }
  boost::asio::io_context& context() noexcept override;
  void set_handler(std::shared_ptr<session_handler> handler) override;
  void send(shared_bytes data, bool binary) override;
  using session::send;
  std::size_t buffered_bytes() const noexcept override;
  bool writable() const noexcept override;
  void close() override;

  /// A new session on `home` with a fresh sid, findable there, its open packet queued and
  /// its heartbeat started; `ws` is set for a session opened directly over WebSocket
  /// (else it polls). The caller runs the server's connection handlers.
  static std::shared_ptr<session_impl> open_new(server_state& server, detail::shard& home, request_info request,
                                                std::shared_ptr<ws_transport> ws);

  // Long-polling requests, on this session's shard.
  void on_poll(std::uint64_t request_id, reply_fn reply);
  void on_poll_aborted(std::uint64_t request_id);
  void on_post(std::string_view body, reply_fn reply);
  void on_payload_too_large();

  // WebSocket transport events.
  /// Starts an upgrade with `ws` as the probing transport; false if not allowed now.
  bool begin_upgrade(std::shared_ptr<ws_transport> ws);
  void on_ws_message(ws_transport* from, std::string_view data, bool binary);
  void on_ws_closed(ws_transport* from, std::string_view reason);
  void on_ws_drained(ws_transport* from);

  void on_timer(timer_kind kind);
  /// Ends the session now with socket.io's `reason` ("forced close" when the server
  /// stops): the transports close, the handler hears `on_close` once.
  void end(std::string_view reason);

 private:
  enum class state : std::uint8_t { open, closing, closed };

  void open(std::shared_ptr<ws_transport> ws);
  void enqueue(outgoing packet);
  void flush_polling();
  void on_packet(const packet_view& p);
  void complete_upgrade();
  /// The client's close packet.
  void closed_by_client();
  void drop_candidate();
  /// The open-sessions counter of the current transport.
  std::atomic<std::uint64_t>& sessions_counter() noexcept;
  void count_in(std::size_t bytes) noexcept;
  /// The upgrade or close deadline's node, made on first use; `drop_aux` cancels it and
  /// frees it (an idle session holds none).
  session_timer& aux();
  void drop_aux() noexcept;

  server_state& server_;
  detail::shard& home_;
  std::string id_;
  request_info request_;  // in the session: a shared copy cost an allocation per connection
  transport_kind transport_ = transport_kind::polling;
  state state_ = state::open;
  bool probed_ = false;  // the candidate answered the probe
  std::shared_ptr<session_handler> handler_;

  polling_transport polling_;  // the transport until an upgrade

  std::shared_ptr<ws_transport> ws_;         // current WebSocket transport
  std::shared_ptr<ws_transport> candidate_;  // WebSocket being probed for an upgrade

  session_timer heartbeat_;             // ping or pong deadline
  std::unique_ptr<session_timer> aux_;  // upgrade or close deadline, while one runs
};

}  // namespace sockio::engine::detail
