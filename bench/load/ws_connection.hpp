// The load generator's WebSocket client (ws_client.cpp): Socket.IO over one WebSocket,
// the base of the scenarios' clients (sockio-bench's, and sockio-soak's churning one).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client.hpp"
#include "sockio/codec/ws/frame_reader.hpp"

namespace sockio::bench {

/// One Socket.IO client over one WebSocket. The framing is sockio's own
/// (`sockio/codec/ws`, client role), so that the generator spends less per message than
/// the servers it measures: idle clients hold no read buffer (they wait for readability,
/// then read into the thread's buffer) and queued messages leave in one gathered write.
/// Client frames carry an all-zero masking key: valid, and free to apply.
class connection : public client, public std::enable_shared_from_this<connection> {
 public:
  connection(net::io_context& ioc, shared_state& shared, stats& st);

  void start(const tcp::endpoint& endpoint) override;
  /// Connect time of this client in microseconds (valid once connected).
  std::int64_t connect_us() const { return connect_us_; }
  void join_room() override;
  void request_burst(unsigned count, const std::string& room) override;

 protected:
  /// The main namespace is connected (or, --raw, the WebSocket is open).
  virtual void on_connected();
  /// A Socket.IO packet (or, --raw, the echo) from the server.
  virtual void on_message(std::string_view m);
  /// Queues a masked text frame (zero key) and writes unless a write is under way.
  void send(std::string_view text);
  /// Sends a namespace disconnect ("41") and closes once it is written.
  void leave();

 private:
  void on_handshake(beast::error_code ec, std::size_t header_size);
  void do_read();
  /// False when the connection cannot go on.
  bool on_bytes(char* data, std::size_t n);
  void send_echo();
  void on_ack();
  void do_write();

  using ws_opcode = sockio::ws::opcode;
  using ws_event = sockio::ws::event;

  sockio::ws::frame_reader reader_;
  std::string handshake_;
  std::vector<std::string> queue_;
  std::vector<std::string> in_flight_;
  std::vector<net::const_buffer> buffers_;
  bool writing_ = false;
  bool close_after_write_ = false;
  std::uint64_t ack_id_ = 0;
  std::int64_t sent_at_ = 0;
  std::int64_t connect_us_ = 0;
  clock_type::time_point started_at_;
};

}  // namespace sockio::bench
