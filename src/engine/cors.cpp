// CORS as the npm `cors` package answers, for the engine's own path.
#include <boost/beast/http/field.hpp>

#include "detail/http_request.hpp"

namespace sockio::engine::detail {
namespace {

bool origin_allowed(const cors_options& cors, std::string_view origin) {
  for (const auto& allowed : cors.origins) {
    if (allowed == origin) return true;
  }
  return cors.origin_predicate && cors.origin_predicate(origin);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

}  // namespace

void apply_cors(const cors_options& cors, const http::request_header<>& req, http::response<http::string_body>& res,
                bool preflight) {
  if (!cors.enabled()) return;
  const bool any = cors.origins.size() == 1 && cors.origins.front() == "*" && !cors.origin_predicate;
  const auto origin = req[http::field::origin];
  if (any) {
    res.set(http::field::access_control_allow_origin, "*");
  } else {
    if (!origin.empty() && origin_allowed(cors, origin)) {
      res.set(http::field::access_control_allow_origin, origin);
    }
    res.set(http::field::vary, "Origin");
  }
  if (cors.credentials) res.set(http::field::access_control_allow_credentials, "true");
  if (!cors.exposed_headers.empty()) {
    res.set(http::field::access_control_expose_headers, join(cors.exposed_headers));
  }
  if (!preflight) return;
  res.set(http::field::access_control_allow_methods, cors.methods);
  if (!cors.allowed_headers.empty()) {
    res.set(http::field::access_control_allow_headers, join(cors.allowed_headers));
  } else if (auto requested = req[http::field::access_control_request_headers]; !requested.empty()) {
    res.set(http::field::access_control_allow_headers, requested);
    res.insert(http::field::vary, "Access-Control-Request-Headers");
  }
  if (cors.max_age) res.set(http::field::access_control_max_age, std::to_string(*cors.max_age));
}

}  // namespace sockio::engine::detail
