#include "detail/ws_session_link.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace sockio::engine::detail {

std::shared_ptr<session_impl> ws_session_link::open_session(server_state& server, shard& home, request_info info,
                                                            std::shared_ptr<ws_transport> ws) {
  session_ = session_impl::open_new(server, home, std::move(info), std::move(ws));
  return session_;
}

std::variant<std::shared_ptr<session_impl>, errc> ws_session_link::find_session(shard& home, const std::string& sid) {
  auto s = home.find(sid);
  if (!s) return errc::unknown_sid;
  return s;
}

bool ws_session_link::probe(const std::shared_ptr<session_impl>& s, std::shared_ptr<ws_transport> ws) {
  if (!s->begin_upgrade(std::move(ws))) return false;
  session_ = s;
  return true;
}

void ws_session_link::deliver(ws_transport* from, std::string_view data, bool binary) {
  // A copy: the handler below may end the session, which drops the link's reference.
  if (auto s = session_) s->on_ws_message(from, data, binary);
}

void ws_session_link::drained(ws_transport* from) {
  if (auto s = session_) s->on_ws_drained(from);
}

void ws_session_link::closed(ws_transport* from, std::string_view reason) {
  if (auto s = std::move(session_)) s->on_ws_closed(from, reason);
}

std::string_view transport_close_reason(const boost::system::error_code& ec, bool close_sent) {
  namespace net = boost::asio;
  const bool clean = ec == boost::beast::websocket::error::closed || ec == net::error::eof ||
                     ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated;
  return clean || close_sent ? "transport close" : "transport error";
}

}  // namespace sockio::engine::detail
