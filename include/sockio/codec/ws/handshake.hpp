// The WebSocket opening handshake's keys (RFC 6455 section 4). Pure.
#pragma once

#include <string>
#include <string_view>

namespace sockio::ws {

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
std::string accept_key(std::string_view client_key);

/// A fresh `Sec-WebSocket-Key`: 16 random bytes (CSPRNG), base64-encoded.
std::string make_client_key();

/// What a server makes of an upgrade request's handshake fields.
enum class upgrade_check {
  ok,
  unsupported_version,  ///< `Sec-WebSocket-Version` is not 13: answer 426
  bad_handshake,        ///< not a GET over HTTP/1.1, or no 16-byte key: answer 400
};

/// Checks the fields of an upgrade request as RFC 6455 section 4.2.1 asks.
upgrade_check check_upgrade(std::string_view version, std::string_view key, bool is_get, bool http_1_1) noexcept;

}  // namespace sockio::ws
