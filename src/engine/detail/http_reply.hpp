// The answer to one HTTP request of the engine (polling, errors, the application's).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sockio/codec/engine/error.hpp"

namespace sockio::engine::detail {

/// An HTTP response produced for a long-polling request, an error, or the application.
struct http_reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
  /// Further header fields (responses of the application's `http_handler`).
  std::vector<std::pair<std::string, std::string>> headers = {};

  /// `text/plain; charset=UTF-8` (polling payloads, plain errors).
  static http_reply text(unsigned status, std::string body);
  /// `application/json`.
  static http_reply json(unsigned status, std::string body);
  /// An empty body with no content type (CORS preflight).
  static http_reply empty(unsigned status);

  /// The whole response as bytes, closing the connection after it (for the paths that
  /// write on a raw stream: WebSocket refusals).
  std::string to_wire() const;
};

/// Completes a long-polling request; safe to call from any shard (it posts to the
/// connection's own shard).
using reply_fn = std::function<void(http_reply)>;

/// engine.io's JSON error body for a handshake error: `{"code":N,"message":"..."}`, 403
/// for `forbidden`, else 400; `message` replaces engine.io's text when set.
http_reply error_reply(errc e, std::string_view message = {});

/// `text` as a JSON string literal.
std::string json_quote(std::string_view text);

}  // namespace sockio::engine::detail
