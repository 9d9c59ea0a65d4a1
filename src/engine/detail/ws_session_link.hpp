// The half of a WebSocket connection that faces its Engine.IO session, shared by both
// WebSocket transports (lean_ws_connection.cpp, beast_ws_connection.cpp).
#pragma once

#include <boost/system/error_code.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "server_state.hpp"
#include "session_impl.hpp"
#include "transport.hpp"

namespace sockio::engine::detail {

/// Links one WebSocket transport to its session: opens a new session over it or makes it
/// the probe of an upgrade, hands it the messages, and tells it once when the transport
/// is gone. Lives on the connection's shard, as the session does.
class ws_session_link {
 public:
  /// A new session on `home` whose transport is `ws` (no sid in the request). The caller
  /// runs the server's connection handlers (`server_state::opened`) once it reads.
  std::shared_ptr<session_impl> open_session(server_state& server, shard& home, request_info info,
                                             std::shared_ptr<ws_transport> ws);

  /// The session `sid` of `home`, or the error to answer before the WebSocket handshake
  /// (`unknown_sid`: HTTP 400 "Session ID unknown").
  static std::variant<std::shared_ptr<session_impl>, errc> find_session(shard& home, const std::string& sid);

  /// Makes `ws` the probing transport of `s`; false if the session does not allow it now
  /// (already upgraded, another probe under way, closing): as engine.io does, the
  /// WebSocket is then accepted and closed at once with a close frame, and the session
  /// is left alone.
  bool probe(const std::shared_ptr<session_impl>& s, std::shared_ptr<ws_transport> ws);

  void deliver(ws_transport* from, std::string_view data, bool binary);
  void drained(ws_transport* from);
  /// Tells the session that `from` is gone (once; later calls do nothing).
  void closed(ws_transport* from, std::string_view reason);

 private:
  std::shared_ptr<session_impl> session_;
};

/// engine.io's reason for a WebSocket that ended with `ec`: "transport close" for an
/// orderly end (a close frame, EOF, a reset, a TLS stream cut after our close frame went
/// out: `close_sent`), "transport error" otherwise.
std::string_view transport_close_reason(const boost::system::error_code& ec, bool close_sent);

}  // namespace sockio::engine::detail
