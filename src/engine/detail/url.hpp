// Minimal request-target helpers (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sockio::engine::detail {

/// Percent-decodes `text` (and '+' as space, as URLSearchParams does).
std::string percent_decode(std::string_view text);

/// The path part of a request target (before '?').
std::string_view target_path(std::string_view target) noexcept;

/// The query parameters of a request target, decoded, in order.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view target);

/// The first parameter named `name`.
std::optional<std::string> find_query(std::string_view target, std::string_view name);

}  // namespace sockio::engine::detail
