// UTF-8 validation for WebSocket text frames and close reasons. Pure.
#pragma once

#include <string_view>

namespace sockio::ws {

/// True when `text` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

}  // namespace sockio::ws
