// The URL a client connects to: scheme, host, port, namespace (its path) and query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sockio/codec/url.hpp"

namespace sockio::client::detail {

/// `http(s)://` or `ws(s)://host[:port][/namespace][?query]`, as `io(url)` reads it.
struct client_url {
  bool secure = false;
  std::string host;  ///< without brackets for IPv6
  std::uint16_t port = 80;
  std::string nsp = "/";
  std::vector<codec::query_param> query;

  /// "host:port" as the Host header wants it (brackets for IPv6, port omitted when default).
  std::string host_header() const;
};

/// nullopt when `url` is not one of the forms above.
std::optional<client_url> parse_client_url(std::string_view url);

}  // namespace sockio::client::detail
