// Publishing to a socket.io cluster on Redis from a C++ backend, without a server: what
// @socket.io/redis-emitter 5.x does, on the same channels and bytes.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sockio/codec/sio/packet.hpp"
#include "sockio/redis/connection.hpp"

namespace sockio::redis {

using json = nlohmann::json;

/// Emits to the sockets of every node of a cluster (sockio or Node, with the classic
/// Redis adapter), as @socket.io/redis-emitter does. Immutable: each selector returns a
/// new emitter. Fire and forget: a publish Redis refuses is counted in the connection's
/// `dropped`.
///
/// @code
/// boost::asio::io_context io;
/// auto redis = std::make_shared<redis::connection>(io.get_executor(), redis::connection_options{});
/// redis->start();
/// redis::emitter emitter(redis);
/// emitter.to("room1").emit("news", "hello");
/// emitter.of("/admin").except("muted").volatile_().emit("tick", 42);
/// emitter.in("room1").sockets_join({"room2"});
/// emitter.server_side_emit("reload", json::array({"config"}));
/// @endcode
class emitter {
 public:
  /// `connection` must be started and not used for subscriptions; `key` is the
  /// adapters' channel prefix.
  explicit emitter(std::shared_ptr<connection> connection, std::string key = "socket.io");

  /// The same emitter for namespace `nsp` (a missing leading '/' is added).
  emitter of(std::string nsp) const;
  emitter to(const std::string& room) const;
  emitter to(const std::vector<std::string>& rooms) const;
  emitter in(const std::string& room) const { return to(room); }
  emitter except(const std::string& room) const;
  emitter except(const std::vector<std::string>& rooms) const;
  emitter volatile_() const;
  emitter compress(bool value) const;

  template <class... Args>
  void emit(std::string_view event, Args&&... args) const {
    emit_args(event, json::array({json(std::forward<Args>(args))...}));
  }
  /// Emits `event` with the arguments of the array `args` (binary values allowed).
  void emit_args(std::string_view event, json args) const;
  /// Makes the selected sockets join / leave `rooms`, or disconnects them.
  void sockets_join(const std::vector<std::string>& rooms) const;
  void sockets_leave(const std::vector<std::string>& rooms) const;
  void disconnect_sockets(bool close = false) const;
  /// Emits to every server of the namespace (no acknowledgements, as the Node emitter).
  void server_side_emit(std::string_view event, json args = json::array()) const;

  /// What `emit_args` publishes: the channel and the msgpack bytes.
  std::pair<std::string, std::string> broadcast_message(std::string_view event, json args) const;

 private:
  void publish(std::string channel, std::string payload) const;
  std::string request(int type, const char* extra_key, const json& extra) const;

  std::shared_ptr<connection> connection_;
  std::string key_;
  std::string nsp_ = "/";
  std::set<std::string> rooms_;
  std::set<std::string> except_;
  bool volatile_flag_ = false;
  std::optional<bool> compress_;
};

}  // namespace sockio::redis
