// Standard base64 (RFC 4648): pure, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sockio::codec {

/// Standard base64 with padding, as Engine.IO carries binary over long-polling.
std::string base64_encode(std::string_view bytes);

/// Decodes standard base64; nullopt if `text` is not valid base64 (bad length, a
/// character outside the alphabet, data after the padding).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sockio::codec
