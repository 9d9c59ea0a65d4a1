// Serving HTTP requests outside the Engine.IO path.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sockio/engine/request_info.hpp"

namespace sockio::engine {

/// The answer to an HTTP request outside the Engine.IO path (see `server_options::http_handler`).
struct http_response {
  unsigned status = 200;
  /// Header fields, e.g. `{"content-type", "application/json"}`; `Content-Length` is added.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Completes an HTTP request; call it exactly once, from any thread.
using http_responder = std::function<void(http_response)>;

/// Serves HTTP requests outside the Engine.IO path: receives the request, its body (read
/// up to `max_http_buffer_size`, else 413) and the responder. Runs on a shard thread.
using http_handler = std::function<void(const request_info&, std::string body, http_responder)>;

}  // namespace sockio::engine
