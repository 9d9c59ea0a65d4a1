// State shared by the shards of one Engine.IO server.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "shard.hpp"
#include "sockio/engine/server.hpp"

namespace sockio::engine::detail {

struct server_state {
  explicit server_state(server_options opts) : options(std::move(opts)) {}

  server_options options;
  std::vector<std::function<void(const std::shared_ptr<session>&)>> connection_handlers;
  std::vector<std::function<void(session&, std::string_view)>> close_handlers;
  std::vector<std::unique_ptr<shard>> shards;
  std::atomic<std::size_t> session_count{0};
  std::atomic<std::uint64_t> cross_shard_requests{0};
  std::atomic<std::uint64_t> next_request_id{1};
  /// Set when the server stops: connections close after their current response.
  std::atomic<bool> stopping{false};

  /// Runs the connection handlers for a new session.
  void opened(const std::shared_ptr<session>& s) const {
    for (const auto& handler : connection_handlers) handler(s);
  }

  bool transport_enabled(std::string_view name) const;
  /// The shard a session id belongs to, or -1 when `sid` cannot be ours.
  int shard_of(std::string_view sid) const noexcept;
  /// A new random session id naming `shard_index`.
  std::string make_sid(unsigned shard_index) const;
};

}  // namespace sockio::engine::detail
