// A socket's handshake, and what connection middlewares answer with.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sockio/codec/sio/packet.hpp"

namespace sockio::engine {
class request_info;
class header_fields;
}  // namespace sockio::engine

namespace sockio::sio {

/// The handshake of a socket, as socket.io's `socket.handshake`.
///
/// The HTTP request is the Engine.IO session's own copy, shared by every socket of the
/// connection; the query and the date text are derived from it when asked.
struct handshake {
  /// The request that opened the connection (method, URL, headers, remote address);
  /// null in a handshake built by hand, which then reads as an empty request.
  std::shared_ptr<const engine::request_info> request;
  std::int64_t issued = 0;  ///< creation time, ms since epoch

  /// Header fields with lower-case names, in arrival order.
  const engine::header_fields& headers() const noexcept;
  /// The first header named `name` (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  /// Query parameters (percent-decoded strings) as an object.
  json query() const;
  std::string_view url() const noexcept;      ///< request target
  std::string_view address() const noexcept;  ///< remote IP address
  bool secure() const noexcept;               ///< https / wss
  bool xdomain() const noexcept;              ///< an Origin header was sent
  /// Creation date (UTC, text), as socket.io's `handshake.time`.
  std::string time() const;
  /// The CONNECT payload: a JSON object, empty when the client sent none.
  const json& auth() const noexcept;
  /// Sets the payload; anything but an object counts as none (an empty object).
  void set_auth(json payload);

 private:
  json auth_;  // null while empty: an empty object would be an allocation in every socket
};

/// The handshake as socket.io writes it into a fetchSockets response:
/// `{headers, time, address, xdomain, secure, issued, url, query, auth}` (header fields
/// sent more than once are joined with ", ", as Node does).
json to_json(const handshake& hs);
/// A handshake read back from that form (a socket of another node); fields that are
/// missing or of the wrong type are left empty.
handshake handshake_from_json(const json& j);

/// An error from a connection middleware, sent to the client as CONNECT_ERROR
/// `{message, data}`.
struct connect_error {
  std::string message;
  json data = json(json::value_t::discarded);  ///< optional extra details
};

/// Continues a middleware chain: `next()` to accept, `next(connect_error{...})` to refuse.
using next_fn = std::function<void(std::optional<connect_error>)>;

}  // namespace sockio::sio
