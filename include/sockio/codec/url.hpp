// Request-target helpers: paths, query strings, percent-encoding. Pure, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sockio::codec {

/// One query parameter, decoded.
using query_param = std::pair<std::string, std::string>;

/// Percent-decodes a query component, leniently as URLSearchParams does: '+' is a space
/// and a malformed escape ("%zz", a trailing "%") stays as it is.
std::string percent_decode(std::string_view text);

/// Percent-decodes a path strictly: '+' stays '+', and a malformed escape gives nullopt.
std::optional<std::string> percent_decode_path(std::string_view text);

/// Percent-encodes a query component (everything but unreserved characters,
/// RFC 3986 section 2.3), as encodeURIComponent does for ASCII.
std::string percent_encode(std::string_view text);

/// The path part of a request target (before '?').
std::string_view target_path(std::string_view target) noexcept;

/// The query parameters of a request target, decoded, in order.
std::vector<query_param> parse_query(std::string_view target);

/// The first parameter named `name`.
std::optional<std::string> find_query(std::string_view target, std::string_view name);

/// A query string ("a=1&b=x%20y", without '?') from `params`, percent-encoded.
std::string build_query(const std::vector<query_param>& params);

}  // namespace sockio::codec
