#include "sockio/client/error.hpp"

#include <string>

namespace sockio::client {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockio.client"; }
  std::string message(int value) const override {
    // The JS client's words where it has them: applications compare these strings.
    switch (static_cast<errc>(value)) {
      case errc::ok: return "ok";
      case errc::timeout: return "operation has timed out";
      case errc::disconnected: return "socket has been disconnected";
      case errc::connect_timeout: return "timeout";
      case errc::poll_error: return "xhr poll error";
      case errc::post_error: return "xhr post error";
      case errc::websocket_error: return "websocket error";
      case errc::bad_handshake: return "the server's handshake is not Engine.IO v4";
      case errc::parse_error: return "parse error";
      case errc::message_too_large: return "message too large";
      case errc::invalid_url: return "invalid URL";
      case errc::server_refused: return "connection refused by the server";
      case errc::closed: return "the manager is closed";
      case errc::dropped: return "the volatile packet was dropped";
    }
    return "unknown client error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sockio::client
