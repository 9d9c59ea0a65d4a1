// The state all shards of one server share: namespaces, shards, where to run what.
#include <boost/asio/post.hpp>

#include "detail/core.hpp"

namespace sockio::sio {
namespace detail {

server_core::server_core(server_options opts)
    : options(std::move(opts)), engine(options.engine), clients(engine.threads()) {}

int server_core::current_shard() const {
  for (unsigned i = 0; i < engine.threads(); ++i) {
    if (const_cast<engine::server&>(engine).context(i).get_executor().running_in_this_thread()) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void server_core::run_on(unsigned shard, std::function<void()> fn) {
  if (current_shard() == static_cast<int>(shard)) {
    fn();
  } else {
    boost::asio::post(context(shard), std::move(fn));
  }
}

void server_core::run_on_all(const std::function<void(unsigned)>& fn) {
  const int current = current_shard();  // once, not once per shard
  for (unsigned i = 0; i < shards(); ++i) {
    if (static_cast<int>(i) == current) {
      fn(i);
    } else {
      boost::asio::post(context(i), [fn, i] { fn(i); });
    }
  }
}

namespace_& server_core::publish(std::unique_ptr<namespace_> created) {
  // The hook configures the namespace before any other thread can find it; it runs
  // unlocked because it may itself call of().
  std::function<void(namespace_&)> hook;
  {
    std::lock_guard lock(namespaces_mutex);
    hook = new_namespace;
  }
  if (hook) hook(*created);
  std::lock_guard lock(namespaces_mutex);
  const auto name = created->name();
  // If another thread published the same name meanwhile, theirs wins.
  return *namespaces.emplace(name, std::move(created)).first->second;
}

namespace_& server_core::get_or_create(const std::string& name) {
  {
    std::lock_guard lock(namespaces_mutex);
    if (auto it = namespaces.find(name); it != namespaces.end()) return *it->second;
  }
  return publish(std::make_unique<namespace_>(*this, name));
}

namespace_* server_core::resolve(const std::string& name, const json& auth) {
  std::unique_ptr<namespace_> child;
  {
    std::lock_guard lock(namespaces_mutex);
    if (auto it = namespaces.find(name); it != namespaces.end()) return it->second.get();
    for (auto& p : parents) {
      if (!p.match(name, auth.is_object() ? auth : json::object())) continue;  // {} when none was sent
      child = std::make_unique<namespace_>(*this, name);
      child->state().inherit(p.nsp->state());
      break;
    }
  }
  return child ? &publish(std::move(child)) : nullptr;
}

}  // namespace detail
}  // namespace sockio::sio
