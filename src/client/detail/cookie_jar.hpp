// The cookies a server set, sent back on later requests (cookie-based sticky sessions).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sockio::client::detail {

/// A manager's cookies: `Set-Cookie` values read (name, value, Expires / Max-Age), a
/// `Cookie` header written. Path and Domain are ignored, as the JS client's jar does in
/// Node: one manager talks to one server.
class cookie_jar {
 public:
  using clock = std::chrono::system_clock;

  /// Reads one `Set-Cookie` header value.
  void set(std::string_view set_cookie, clock::time_point now = clock::now());
  /// The `Cookie` header value ("a=1; b=2"), empty when there is none.
  std::string header(clock::time_point now = clock::now()) const;
  bool empty() const noexcept { return cookies_.empty(); }

 private:
  struct cookie {
    std::string name;
    std::string value;
    clock::time_point expires = clock::time_point::max();
  };
  std::vector<cookie> cookies_;
};

}  // namespace sockio::client::detail
