// Blocking raw HTTP and WebSocket clients with timeouts, for integration tests.
// Beast stays inside test_client.cpp so that test files compile quickly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sockio::test {

using namespace std::chrono_literals;
using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  unsigned status = 0;
  header_list headers;  // lower-case names
  std::string body;
  bool keep_alive = false;

  /// The first header named `name` (lower-case), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

/// One HTTP/1.1 keep-alive connection to 127.0.0.1:port; throws std::runtime_error on
/// connection errors and timeouts.
class http_client {
 public:
  explicit http_client(std::uint16_t port);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_response request(std::string_view method, std::string_view target, std::string_view body = {},
                        const header_list& headers = {}, std::chrono::milliseconds timeout = 5s);
  http_response get(std::string_view target, std::chrono::milliseconds timeout = 5s) {
    return request("GET", target, {}, {}, timeout);
  }
  http_response post(std::string_view target, std::string_view body) { return request("POST", target, body); }
  /// True once the server has closed this connection (waits up to `timeout`).
  bool wait_closed(std::chrono::milliseconds timeout = 5s);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A WebSocket client connection.
class ws_client {
 public:
  struct message {
    std::string data;
    bool binary = false;
  };

  /// Connects and performs the handshake for `target`; throws on failure. With
  /// `deflate`, offers permessage-deflate.
  ws_client(std::uint16_t port, std::string_view target, bool deflate = false);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void send_text(std::string_view text);
  void send_binary(std::string_view bytes);
  /// The next message; nullopt if the connection closed or nothing came in `timeout`.
  std::optional<message> read(std::chrono::milliseconds timeout = 5s);
  /// Reads until the server closes the connection; false on timeout.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  /// Sends a close frame.
  void close();
  /// The handshake response's Sec-WebSocket-Extensions header ("" if none).
  const std::string& extensions() const;

  /// Tries a WebSocket handshake that the server is expected to refuse; returns the
  /// HTTP response it answered with instead of 101 (status 101 if it was accepted).
  static http_response try_handshake(std::uint16_t port, std::string_view target);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Splits an Engine.IO long-polling payload at the record separator.
std::vector<std::string> split_payload(std::string_view payload);

/// The `sid` of an open packet (`0{"sid":"..."...}`); empty if absent.
std::string sid_of(std::string_view open_packet);

}  // namespace sockio::test
