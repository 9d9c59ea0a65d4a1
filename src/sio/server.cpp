#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <ctime>
#include <future>

#include "detail/core.hpp"

namespace sockio::sio {
namespace detail {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockio.sio"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok: return "success";
      case errc::timeout: return "operation has timed out";
      case errc::disconnected: return "socket has been disconnected";
    }
    return "unknown error";
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------
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
      if (!p.match(name, auth)) continue;
      child = std::make_unique<namespace_>(*this, name);
      child->state().inherit(p.nsp->state());
      break;
    }
  }
  return child ? &publish(std::move(child)) : nullptr;
}

// ---------------------------------------------------------------------------------------
client::client(server_core& core, std::shared_ptr<engine::session> session)
    : core_(core),
      session_(std::move(session)),
      decoder_(core.options.parser),
      connect_timer_(std::make_unique<boost::asio::steady_timer>(session_->context())) {}

void client::start() {
  core_.clients[shard()].emplace(this, weak_from_this());
  connect_timer_->expires_after(core_.options.connect_timeout);
  connect_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->sockets_.empty() || !self->open_) return;
    spdlog::debug("sio: client {} joined no namespace in time", self->session_->id());
    self->close();
  });
}

void client::on_message(engine::session&, std::string_view data, bool binary) {
  std::optional<packet> p;
  const auto ec = binary ? decoder_.add_binary(data, p) : decoder_.add_text(data, p);
  if (ec) {
    spdlog::debug("sio: parse error from {}: {}", session_->id(), ec.message());
    close_sockets("parse error");
    close();
    return;
  }
  if (p) on_packet(std::move(*p));
}

void client::on_packet(packet p) {
  const auto it = sockets_.find(p.nsp);
  const bool joined = it != sockets_.end();
  const bool pending = connecting_.contains(p.nsp);
  if (p.type == packet_type::connect && !joined && !pending) {
    return on_connect(p.nsp, p.has_data() ? std::move(p.data) : json::object());
  }
  if (!joined || p.type == packet_type::connect || p.type == packet_type::connect_error) {
    // As socket.io's client: a packet for a namespace not joined (yet), a second CONNECT,
    // or a CONNECT_ERROR from the client is an invalid state that ends the connection.
    spdlog::debug("sio: invalid state from {} (packet type {})", session_->id(), static_cast<int>(p.type));
    close_sockets("parse error");
    close();
    return;
  }
  auto s = it->second;
  switch (p.type) {
    case packet_type::event:
    case packet_type::binary_event:
      s->on_packet(std::move(p.data), p.id);
      break;
    case packet_type::ack:
    case packet_type::binary_ack:
      s->on_ack(*p.id, std::move(p.data));
      break;
    case packet_type::disconnect:
      s->on_close("client namespace disconnect");
      break;
    default:
      break;
  }
}

void client::on_connect(const std::string& nsp, json auth) {
  auto* ns = core_.resolve(nsp, auth);
  if (!ns) {
    auto error = packet::connect_error(nsp, json{{"message", "Invalid namespace"}});
    send_packet(error);
    return;
  }
  connecting_.insert(nsp);  // until it connects or is refused (middlewares may take time)
  ns->state().add(shared_from_this(), std::move(auth));
}

void client::connect_refused(const std::string& nsp) { connecting_.erase(nsp); }

void client::add_socket(const std::shared_ptr<socket>& s) {
  connecting_.erase(s->nsp().name());
  sockets_[s->nsp().name()] = s;
  connect_timer_.reset();  // cancels it; a connected client keeps no timer
}

void client::remove_socket(const std::string& nsp) { sockets_.erase(nsp); }

void client::send(const frames& f, bool volatile_) {
  if (!open_) return;
  if (volatile_ && !session_->writable()) return;
  session_->send(f.text, false);
  for (const auto& a : f.attachments) session_->send(a, true);
}

void client::close_sockets(std::string_view reason) {
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [name, s] : sockets) s->on_close(reason);
}

void client::close() {
  if (!open_) return;
  session_->close();
}

void client::shutdown() {
  close_sockets("server shutting down");
  close();
}

void client::disconnect_all() {
  auto sockets = sockets_;
  for (auto& [name, s] : sockets) s->disconnect(false);
  close();
}

void client::on_close(engine::session&, std::string_view reason) {
  open_ = false;
  connect_timer_.reset();
  close_sockets(reason);
  core_.clients[shard()].erase(this);
}

}  // namespace detail

const std::error_category& error_category() noexcept {
  static const detail::category instance;
  return instance;
}

namespace {
const engine::request_info& request_of(const handshake& hs) noexcept {
  static const engine::request_info none;
  return hs.request ? *hs.request : none;
}
}  // namespace

const engine::header_fields& handshake::headers() const noexcept {
  return request_of(*this).headers;
}

std::optional<std::string_view> handshake::header(std::string_view name) const {
  return request_of(*this).header(name);
}

json handshake::query() const {
  json q = json::object();
  for (auto& [key, value] : request_of(*this).query_params()) q[key] = std::move(value);
  return q;
}

const std::string& handshake::url() const noexcept { return request_of(*this).url; }
const std::string& handshake::address() const noexcept { return request_of(*this).remote_address; }
bool handshake::secure() const noexcept { return request_of(*this).secure; }
bool handshake::xdomain() const noexcept { return header("origin").has_value(); }

std::string handshake::time() const {
  const std::time_t t = static_cast<std::time_t>(issued / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
  return buf;
}

// -----------------------------------------------------------------------------------------
server::server(server_options options) : core_(std::make_unique<detail::server_core>(std::move(options))) {
  auto& core = *core_;
  core.engine.on_connection([&core](const std::shared_ptr<engine::session>& s) {
    auto c = std::make_shared<detail::client>(core, s);
    s->set_handler(c);
    c->start();
  });
  of("/");
}

server::~server() { stop(); }

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

std::uint16_t server::port() const noexcept { return core_->engine.port(); }
void server::start() { core_->engine.start(); }
void server::run() { core_->engine.run(); }

void server::stop() {
  auto& core = *core_;
  if (core.stopped.exchange(true)) {
    // A stop is under way (perhaps from a handler): wait until the engine has stopped,
    // since the caller may destroy the server next.
    if (core.current_shard() < 0) core.engine.stop();
    return;
  }
  if (!core.engine.running()) return core.engine.stop();
  // Sockets learn the reason first; then the engine closes the sessions and drains.
  const auto shutdown_clients = [&core](unsigned shard) {
    std::vector<std::shared_ptr<detail::client>> clients;
    for (auto& [raw, weak] : core.clients[shard]) {
      if (auto c = weak.lock()) clients.push_back(std::move(c));
    }
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

engine::server& server::engine() noexcept { return core_->engine; }
const server_options& server::options() const noexcept { return core_->options; }
unsigned server::threads() const noexcept { return core_->engine.threads(); }

}  // namespace sockio::sio
