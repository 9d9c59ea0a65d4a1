// State shared by all shards of one Socket.IO server.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "sockio/io/intrusive_list.hpp"
#include "sockio/sio/server.hpp"

namespace sockio::sio::detail {

class client;

/// State shared by all shards of one server.
struct server_core {
  explicit server_core(server_options opts);

  server_options options;
  engine::server engine;

  std::mutex namespaces_mutex;
  std::map<std::string, std::unique_ptr<namespace_>> namespaces;
  struct parent {
    std::function<bool(const std::string&, const json&)> match;
    std::unique_ptr<namespace_> nsp;
  };
  std::vector<parent> parents;
  std::function<void(namespace_&)> new_namespace;

  std::atomic<bool> stopped{false};

  /// Clients per shard (accessed on that shard only).
  std::vector<io::intrusive_list<client>> clients;

  unsigned shards() const noexcept { return engine.threads(); }
  boost::asio::io_context& context(unsigned shard) { return engine.context(shard); }
  /// The shard whose thread calls, or -1 outside the server's threads.
  int current_shard() const;
  /// Runs `fn` on `shard`: at once when already there, else posted.
  void run_on(unsigned shard, std::function<void()> fn);
  /// Runs `fn(shard)` on every shard: at once on the caller's, posted to the others.
  void run_on_all(const std::function<void(unsigned)>& fn);
  /// The shard to report results on: the caller's, or 0 from outside.
  unsigned home_shard() const {
    const int s = current_shard();
    return s < 0 ? 0u : static_cast<unsigned>(s);
  }

  namespace_& get_or_create(const std::string& name);
  /// Runs the new_namespace hook on `created`, then makes it findable.
  namespace_& publish(std::unique_ptr<namespace_> created);
  /// The namespace a client asks for: existing, or a new child of a matching parent.
  namespace_* resolve(const std::string& name, const json& auth);
};

}  // namespace sockio::sio::detail
