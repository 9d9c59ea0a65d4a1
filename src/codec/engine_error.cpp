#include <string>

#include "sockio/codec/engine/error.hpp"

namespace sockio::engine {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockio.engine"; }

  std::string message(int value) const override {
    const auto e = static_cast<errc>(value);
    if (auto text = handshake_error_message(e); !text.empty()) return std::string(text);
    switch (e) {
      case errc::ok: return "success";
      case errc::invalid_packet: return "invalid packet";
      case errc::invalid_base64: return "invalid base64 payload";
      case errc::payload_too_large: return "payload too large";
      case errc::send_buffer_full: return "send buffer full";
      default: break;
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

int handshake_error_code(errc e) noexcept {
  switch (e) {
    case errc::unknown_transport: return 0;
    case errc::unknown_sid: return 1;
    case errc::bad_handshake_method: return 2;
    case errc::bad_request: return 3;
    case errc::forbidden: return 4;
    case errc::unsupported_protocol_version: return 5;
    default: return -1;
  }
}

std::string_view handshake_error_message(errc e) noexcept {
  switch (e) {
    case errc::unknown_transport: return "Transport unknown";
    case errc::unknown_sid: return "Session ID unknown";
    case errc::bad_handshake_method: return "Bad handshake method";
    case errc::bad_request: return "Bad request";
    case errc::forbidden: return "Forbidden";
    case errc::unsupported_protocol_version: return "Unsupported protocol version";
    default: return "";
  }
}

}  // namespace sockio::engine
