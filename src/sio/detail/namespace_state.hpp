// The internal state of a namespace.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "client.hpp"
#include "server_core.hpp"

namespace sockio::sio::detail {

/// Internal state of a namespace: configuration (set before start), per-shard sockets
/// (touched only on their shard) and its adapter.
struct namespace_state {
  namespace_state(namespace_& self, server_core& c, std::string n);

  namespace_& self;
  server_core& core;
  std::string name;
  std::vector<middleware> middlewares;
  std::vector<connection_handler> connection_handlers;
  std::vector<room_event_handler> room_handlers;
  std::map<std::string, event_handler, std::less<>> server_side_handlers;
  /// Sockets per shard, by id; a key refers to its socket's own `id()`.
  std::vector<std::unordered_map<std::string_view, std::shared_ptr<socket>>> sockets;
  std::atomic<std::uint64_t> next_ack_id{0};
  std::unique_ptr<sio::adapter> adapter;

  bool recovery_enabled() const noexcept { return core.options.connection_state_recovery.has_value(); }

  /// Copies the configuration of `parent` (dynamic namespaces).
  void inherit(const namespace_state& parent);

  void add(const std::shared_ptr<client>& c, json auth);
  void create_socket(const std::shared_ptr<client>& c, json auth, std::optional<restored_session> previous);
  void connect(const std::shared_ptr<socket>& s, std::optional<restored_session> previous);
  void run_middlewares(std::size_t index, const std::shared_ptr<socket>& s,
                       std::function<void(std::optional<connect_error>)> done);
  void remove(socket& s);
  void emit_room_event(room_event e, const room& r, const std::string& sid);
};

}  // namespace sockio::sio::detail
