// A minimal blocking Socket.IO client over one WebSocket, for integration tests: it
// speaks the wire protocol directly so tests can also send what a good client would not.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sockio/codec/sio/packet.hpp"
#include "test_client.hpp"

namespace sockio::test {

class sio_client {
 public:
  /// Opens the Engine.IO session (WebSocket); connects to nothing yet.
  explicit sio_client(std::uint16_t port, const std::string& query = {});

  /// Sends CONNECT for `nsp` and waits for CONNECT or CONNECT_ERROR; returns it.
  sio::packet connect(const std::string& nsp = "/", sio::json auth = sio::json(sio::json::value_t::discarded));
  /// The socket id from the last successful CONNECT of `nsp`.
  std::string id(const std::string& nsp = "/") const;

  void send(const sio::packet& p);
  void emit(const std::string& event, sio::json args = sio::json::array(), const std::string& nsp = "/",
            std::optional<std::uint64_t> ack_id = std::nullopt);
  void ack(std::uint64_t id, sio::json args, const std::string& nsp = "/");
  /// Sends raw Engine.IO text (e.g. "4" + a Socket.IO packet).
  void send_raw(const std::string& text);
  void send_binary(const std::string& bytes);

  /// The next Socket.IO packet (pings are answered on the way); nullopt on close/timeout.
  std::optional<sio::packet> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Skips packets until one matches; nullopt if none in time.
  std::optional<sio::packet> wait_until(const std::function<bool(const sio::packet&)>& match,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Skips packets until an EVENT named `event` (in `nsp`); nullopt if none in time.
  std::optional<sio::packet> wait_event(const std::string& event, const std::string& nsp = "/",
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Skips packets until the ACK `id`.
  std::optional<sio::packet> wait_ack(std::uint64_t id, const std::string& nsp = "/",
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Skips packets until DISCONNECT for `nsp`.
  bool wait_disconnect(const std::string& nsp = "/", std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True once the server closed the connection.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Stops answering pings (to provoke a ping timeout).
  void stop_pong() { pong_ = false; }
  /// Closes the WebSocket.
  void close();
  const std::string& engine_id() const { return sid_; }

 private:
  std::unique_ptr<ws_client> ws_;
  std::string sid_;
  sio::decoder decoder_;
  std::map<std::string, std::string> ids_;
  bool pong_ = true;
};

}  // namespace sockio::test
