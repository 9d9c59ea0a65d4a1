// Where a Redis server is: redis://, rediss:// and unix:// URLs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sockio::redis {

/// A parsed Redis URL, as node-redis and ioredis read them:
/// `redis://[[user]:password@]host[:port][/db]`, `rediss://…` (TLS) and
/// `unix:///path/to/redis.sock[?db=N]`.
struct url {
  enum class scheme { tcp, tls, unix_socket };
  scheme kind = scheme::tcp;
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string path;      ///< the socket file, for unix://
  std::string user;      ///< ACL user name; empty: the default user
  std::string password;  ///< empty: no AUTH
  int db = 0;            ///< SELECT after connecting when not 0

  /// The URL without its password, for log lines.
  std::string redacted() const;
};

/// Parses `text`; throws `std::invalid_argument` with the reason when it is not a Redis URL.
url parse_url(std::string_view text);

}  // namespace sockio::redis
