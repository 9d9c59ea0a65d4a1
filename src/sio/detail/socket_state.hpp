// What a socket allocates on first use.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sockio/sio/socket.hpp"

namespace sockio::sio::detail {

/// What a socket allocates on first use: pending acks and the less common listeners.
struct socket_state {
  struct pending_ack {
    ack_callback callback;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::unordered_map<std::uint64_t, pending_ack> acks;
  std::vector<any_handler> any_handlers;
  std::vector<any_handler> any_outgoing_handlers;
  std::vector<disconnect_handler> disconnecting_handlers;
  std::vector<disconnect_handler> disconnect_handlers;
  std::vector<error_handler> error_handlers;
  std::vector<packet_middleware> middlewares;
};

}  // namespace sockio::sio::detail
