#include "sockio/redis/error.hpp"

#include <string>

namespace sockio::redis {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockio.redis"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok: return "ok";
      case errc::not_connected: return "Redis is not connected";
      case errc::connection_lost: return "the Redis connection was lost";
      case errc::queue_full: return "too many Redis commands are waiting";
      case errc::server_error: return "Redis answered with an error";
      case errc::protocol_error: return "Redis sent something that is not RESP";
      case errc::stopped: return "the Redis connection was stopped";
      // socket.io's own words, so that logs read the same on both kinds of node.
      case errc::fetch_sockets_timeout: return "timeout reached while waiting for fetchSockets response";
      case errc::all_rooms_timeout: return "timeout reached while waiting for allRooms response";
      case errc::server_side_emit_timeout: return "timeout reached: not every server responded";
    }
    return "unknown Redis error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sockio::redis
