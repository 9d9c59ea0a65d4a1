// One HTTP/1.1 connection of a client's long-polling transport: a request, its answer,
// the connection kept alive for the next.
#pragma once

#include <boost/system/error_code.hpp>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "detail/connection_context.hpp"

namespace sockio::client::detail {

/// Sends requests one at a time over one kept-alive connection, opened on first use and
/// again when the server closed it. A request on a kept-alive connection that the server
/// closed while idle is sent once more on a new one (Node closes idle connections after
/// 5 s), so that a quiet POST connection does not end a session.
class http_exchange : public std::enable_shared_from_this<http_exchange> {
 public:
  /// The answer: `ec` set when no answer came (then `description` says why).
  using done_fn = std::function<void(std::error_code ec, std::string description, unsigned status, std::string body)>;

  explicit http_exchange(std::shared_ptr<connection_context> ctx) : ctx_(std::move(ctx)) {}

  /// Sends `head` (request line and headers without the common ones and the final CRLF)
  /// and `body`; `done` runs on the manager's loop.
  void request(std::string head, std::string body, done_fn done);
  /// Closes the connection; a request in flight completes with an error.
  void close();

 private:
  struct state;
  void do_write(bool fresh);
  void on_answer(boost::system::error_code ec, bool fresh, bool got_bytes);
  void fail(std::error_code ec, std::string description);

  std::shared_ptr<connection_context> ctx_;
  std::shared_ptr<client_stream> stream_;
  std::shared_ptr<state> state_;  // the parser and buffer of the request in flight
  std::string text_;
  done_fn done_;
  bool closed_ = false;
};

}  // namespace sockio::client::detail
