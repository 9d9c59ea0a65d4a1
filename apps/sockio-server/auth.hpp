// JWT authentication of handshakes and room access control.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config.hpp"
#include "sockio/sio/types.hpp"

namespace sockio::gateway {

using json = nlohmann::json;

/// True when `room` matches `pattern`, where `*` matches any run of characters.
bool matches(std::string_view pattern, std::string_view room);
/// True when `room` matches one of `patterns`.
bool matches_any(const std::vector<std::string>& patterns, std::string_view room);

/// Who a socket is and where it may go.
struct identity {
  std::optional<std::string> user;   ///< the token's `sub`; none for anonymous clients
  std::string name;                  ///< display name
  std::vector<std::string> join;     ///< room patterns the socket may join
  std::vector<std::string> publish;  ///< room patterns the socket may publish to
};

/// Verifies JWTs (HS256 secret, RS256/ES256 public key; exp, nbf, iss, aud) and turns a
/// handshake into an identity.
class authenticator {
 public:
  /// Reads the key named by `c` (validated by load_config).
  explicit authenticator(const config& c);

  /// The token's claims, or the reason it is refused ("invalid token", "token expired",
  /// "token not yet valid", "invalid issuer", "invalid audience").
  std::variant<json, std::string> verify(std::string_view token) const;

  /// The identity of a handshake, from the token in the CONNECT payload (`{token}`), the
  /// `Authorization: Bearer` header or the `token` query parameter; or the reason the
  /// client is refused.
  std::variant<identity, std::string> identify(const sio::handshake& hs) const;

 private:
  const config& config_;
  std::string key_;
};

}  // namespace sockio::gateway
