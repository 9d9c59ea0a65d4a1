// The public Socket.IO server: namespaces, listening, start and stop.
#include <boost/asio/post.hpp>
#include <future>

#include "detail/core.hpp"

namespace sockio::sio {

server::server(server_options options) : core_(std::make_unique<detail::server_core>(std::move(options))) {
  auto& core = *core_;
  core.engine.on_connection([&core](const std::shared_ptr<engine::session>& s) {
    auto c = std::make_shared<detail::client>(core, s);
    s->set_handler(c);
    c->start();
  });
  of("/");
}

server::~server() {
  stop();
}

namespace_& server::of(const std::string& name) {
  return core_->get_or_create(name.empty() || name.front() != '/' ? "/" + name : name);
}

namespace_& server::of(const std::regex& pattern) {
  return of([pattern](const std::string& name, const json&) { return std::regex_match(name, pattern); });
}

namespace_& server::of(std::function<bool(const std::string&, const json&)> predicate) {
  std::lock_guard lock(core_->namespaces_mutex);
  auto nsp = std::make_unique<namespace_>(*core_, "(dynamic)");
  auto& ref = *nsp;
  core_->parents.push_back({std::move(predicate), std::move(nsp)});
  return ref;
}

void server::on_new_namespace(std::function<void(namespace_&)> handler) {
  std::lock_guard lock(core_->namespaces_mutex);
  core_->new_namespace = std::move(handler);
}

std::error_code server::listen(std::string_view address, std::uint16_t port) {
  return core_->engine.listen(address, port);
}

std::uint16_t server::port() const noexcept {
  return core_->engine.port();
}
void server::start() {
  core_->engine.start();
}
void server::run() {
  core_->engine.run();
}

void server::stop() {
  auto& core = *core_;
  if (core.stopped.exchange(true)) {
    // A stop is under way (perhaps from a handler): wait until the engine has stopped,
    // since the caller may destroy the server next.
    if (core.current_shard() < 0) core.engine.stop();
    return;
  }
  if (!core.engine.running()) return core.engine.stop();
  // Sockets learn the reason first, and no new one comes meanwhile (a late handshake gets
  // the engine's 503); then the engine closes the sessions and drains.
  core.engine.refuse_handshakes();
  const auto shutdown_clients = [&core](unsigned shard) {
    std::vector<std::shared_ptr<detail::client>> clients;
    core.clients[shard].for_each([&clients](detail::client& c) {
      if (auto p = c.weak_from_this().lock()) clients.push_back(std::move(p));
    });
    for (auto& c : clients) c->shutdown();
  };
  std::vector<std::future<void>> done;
  for (unsigned i = 0; i < core.shards(); ++i) {
    if (core.current_shard() == static_cast<int>(i)) {
      shutdown_clients(i);  // stop() called from this shard's own loop
      continue;
    }
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    boost::asio::post(core.context(i), [shutdown_clients, i, promise] {
      shutdown_clients(i);
      promise->set_value();
    });
  }
  for (auto& f : done) {
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) break;
  }
  core.engine.stop();
}

engine::server& server::engine() noexcept {
  return core_->engine;
}
const server_options& server::options() const noexcept {
  return core_->options;
}
unsigned server::threads() const noexcept {
  return core_->engine.threads();
}

}  // namespace sockio::sio
