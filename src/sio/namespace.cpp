#include <array>
#include <boost/asio/post.hpp>
#include <ctime>
#include <stdexcept>

#include "detail/core.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::sio {
namespace detail {

bool recoverable(std::string_view reason) noexcept {
  return reason == "transport error" || reason == "transport close" || reason == "forced close" ||
         reason == "ping timeout" || reason == "server shutting down" ||
         reason == "forced server close";
}

namespace {

sio::handshake make_handshake(const engine::session& session, json auth) {
  sio::handshake hs;
  hs.request = session.shared_request();
  hs.auth = auth.is_object() ? std::move(auth) : json::object();
  const auto now = std::chrono::system_clock::now();
  hs.issued = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return hs;
}

}  // namespace

// ---------------------------------------------------------------------------------------
namespace_state::namespace_state(namespace_& s, server_core& c, std::string n)
    : self(s), core(c), name(std::move(n)), sockets(c.shards()) {}

void namespace_state::inherit(const namespace_state& parent) {
  middlewares = parent.middlewares;
  connection_handlers = parent.connection_handlers;
  room_handlers = parent.room_handlers;
  server_side_handlers = parent.server_side_handlers;
}

void namespace_state::add(const std::shared_ptr<client>& c, json auth) {
  if (recovery_enabled() && auth.is_object()) {
    const auto pid = auth.find("pid");
    const auto offset = auth.find("offset");
    if (pid != auth.end() && pid->is_string() && offset != auth.end() && offset->is_string()) {
      const auto shard = c->shard();
      // The adapter may answer from elsewhere (a cluster): continue on the client's shard.
      adapter->restore_session(pid->get<std::string>(), offset->get<std::string>(),
                               [this, c, auth, shard](std::optional<restored_session> previous) mutable {
                                 core.run_on(shard, [this, c, auth = std::move(auth), previous = std::move(previous)]() mutable {
                                   create_socket(c, std::move(auth), std::move(previous));
                                 });
                               });
      return;
    }
  }
  create_socket(c, std::move(auth), std::nullopt);
}

void namespace_state::create_socket(const std::shared_ptr<client>& c, json auth,
                                    std::optional<restored_session> previous) {
  if (!c->open()) return;
  auto hs = make_handshake(c->session(), std::move(auth));
  auto s = std::make_shared<socket>(self, c, previous ? previous->session.sid : codec::random_id(), std::move(hs));
  if (previous) {
    s->pid_ = previous->session.pid;
    s->data_ = previous->session.data;
    s->recovered_ = true;
  } else if (recovery_enabled()) {
    s->pid_ = codec::random_id();
  }
  if (previous && core.options.connection_state_recovery->skip_middlewares) {
    return connect(s, std::move(previous));
  }
  run_middlewares(0, s, [this, s, previous = std::move(previous)](std::optional<connect_error> err) mutable {
    if (!s->client_->open()) return;
    if (err) {
      json data{{"message", err->message}};
      if (!err->data.is_discarded()) data["data"] = err->data;
      s->client_->connect_refused(name);
      s->client_->send_packet(packet::connect_error(name, std::move(data)));
      return;
    }
    connect(s, std::move(previous));
  });
}

void namespace_state::run_middlewares(std::size_t index, const std::shared_ptr<socket>& s,
                                      std::function<void(std::optional<connect_error>)> done) {
  if (index >= middlewares.size()) return done(std::nullopt);
  middlewares[index](s, [this, index, s, done = std::move(done)](std::optional<connect_error> err) {
    if (err) return done(std::move(err));
    run_middlewares(index + 1, s, done);
  });
}

void namespace_state::connect(const std::shared_ptr<socket>& s, std::optional<restored_session> previous) {
  auto& c = *s->client_;
  if (!c.open()) return;
  s->connected_ = true;
  auto& shard_sockets = sockets[c.shard()];
  shard_sockets.erase(s->id());  // a recovered socket replaces its predecessor, key included
  shard_sockets.emplace(s->id(), s);
  c.add_socket(s);
  // Its own id, rooms joined in a middleware, and the rooms of a recovered session.
  std::set<room> rooms = std::move(s->rooms_);
  s->rooms_.clear();
  rooms.insert(s->id());
  if (previous) rooms.insert(previous->session.rooms.begin(), previous->session.rooms.end());
  adapter->add_all(*s, rooms);
  json data{{"sid", s->id()}};
  if (recovery_enabled()) data["pid"] = s->pid_;
  c.send_packet(packet::connect(name, std::move(data)));
  if (previous) {
    for (auto& missed : previous->missed) s->send_event(std::move(missed), std::nullopt);
  }
  for (const auto& handler : connection_handlers) {
    if (!s->connected_) break;
    handler(s);
  }
}

void namespace_state::remove(socket& s) { sockets[s.shard()].erase(s.id()); }

void namespace_state::emit_room_event(room_event e, const room& r, const std::string& sid) {
  for (const auto& handler : room_handlers) handler(e, r, sid);
}

}  // namespace detail

// -----------------------------------------------------------------------------------------
namespace_::namespace_(detail::server_core& core, std::string name)
    : state_(std::make_unique<detail::namespace_state>(*this, core, std::move(name))) {
  state_->adapter = core.options.adapter ? core.options.adapter(*this) : std::make_unique<in_memory_adapter>(*this);
}

namespace_::~namespace_() = default;

const std::string& namespace_::name() const noexcept { return state_->name; }
void namespace_::on_connection(connection_handler handler) {
  state_->connection_handlers.push_back(std::move(handler));
}
void namespace_::use(middleware m) { state_->middlewares.push_back(std::move(m)); }
void namespace_::on_room_event(room_event_handler handler) {
  state_->room_handlers.push_back(std::move(handler));
}

void namespace_::server_side_emit(std::string_view event, json args, ack_callback ack) {
  json data = event_data(event, std::move(args));
  state_->adapter->server_side_emit(std::move(data), std::move(ack));
}

void namespace_::on_server_side_emit(const std::string& event, event_handler handler) {
  state_->server_side_handlers[event] = std::move(handler);
}

std::vector<std::shared_ptr<socket>> namespace_::local_sockets() const {
  std::vector<std::shared_ptr<socket>> out;
  const int shard = state_->core.current_shard();
  if (shard < 0) return out;
  for (const auto& [id, s] : state_->sockets[shard]) out.push_back(s);
  return out;
}

sio::adapter& namespace_::adapter() noexcept { return *state_->adapter; }

void namespace_::all_rooms(std::function<void(std::set<room>)> callback) {
  state_->adapter->all_rooms(std::move(callback));
}

void namespace_::server_count(std::function<void(std::size_t)> callback) {
  state_->adapter->server_count(std::move(callback));
}

// -----------------------------------------------------------------------------------------
broadcast_operator broadcast_operator::to(const room& r) const {
  return with([&](broadcast_options& o) { o.rooms.insert(r); });
}

broadcast_operator broadcast_operator::to(const std::vector<room>& rooms) const {
  return with([&](broadcast_options& o) { o.rooms.insert(rooms.begin(), rooms.end()); });
}

broadcast_operator broadcast_operator::except(const room& r) const {
  return with([&](broadcast_options& o) { o.except.insert(r); });
}

broadcast_operator broadcast_operator::except(const std::vector<room>& rooms) const {
  return with([&](broadcast_options& o) { o.except.insert(rooms.begin(), rooms.end()); });
}

broadcast_operator broadcast_operator::volatile_() const {
  return with([](broadcast_options& o) { o.flags.volatile_ = true; });
}

broadcast_operator broadcast_operator::local() const {
  return with([](broadcast_options& o) { o.flags.local = true; });
}

broadcast_operator broadcast_operator::compress(bool value) const {
  return with([&](broadcast_options& o) { o.flags.compress = value; });
}

broadcast_operator broadcast_operator::timeout(std::chrono::milliseconds value) const {
  return with([&](broadcast_options& o) { o.flags.timeout = value; });
}

void broadcast_operator::emit_args(std::string_view event, json args) const {
  json data = event_data(event, std::move(args));
  nsp_->state().adapter->broadcast(packet::event(nsp_->name(), std::move(data)), options_);
}

void broadcast_operator::emit_with_ack(std::string_view event, json args, ack_callback callback) const {
  auto& st = nsp_->state();
  json data = event_data(event, std::move(args));
  st.adapter->broadcast_with_ack(packet::event(nsp_->name(), std::move(data), st.next_ack_id++), options_,
                                 std::move(callback));
}

std::future<json> broadcast_operator::emit_with_ack(std::string_view event, json args) const {
  auto [callback, future] = detail::future_ack();
  emit_with_ack(event, std::move(args), std::move(callback));
  return std::move(future);
}

void broadcast_operator::fetch_sockets(std::function<void(std::vector<remote_socket>)> callback) const {
  nsp_->state().adapter->fetch_sockets(options_, std::move(callback));
}

void broadcast_operator::sockets_join(const std::vector<room>& rooms) const {
  nsp_->state().adapter->add_sockets(options_, rooms);
}

void broadcast_operator::sockets_leave(const std::vector<room>& rooms) const {
  nsp_->state().adapter->del_sockets(options_, rooms);
}

void broadcast_operator::disconnect_sockets(bool close) const {
  nsp_->state().adapter->disconnect_sockets(options_, close);
}

namespace {

/// Runs `fn` on the socket `id` of shard `shard`, if it is still there.
template <class Fn>
void with_socket(namespace_* nsp, unsigned shard, const std::string& id, Fn fn) {
  local_sockets sockets(*nsp);
  sockets.run_on(shard, [sockets, shard, id, fn] {
    const auto& on_shard = sockets.of_shard(shard);
    const auto it = on_shard.find(id);
    if (it != on_shard.end()) fn(*it->second);
  });
}

}  // namespace

void remote_socket::emit_args(std::string_view event, json args) const {
  with_socket(nsp, shard, id, [event = std::string(event), args](socket& s) { s.emit_args(event, args); });
}

void remote_socket::join(const room& r) const {
  with_socket(nsp, shard, id, [r](socket& s) { s.join(r); });
}

void remote_socket::leave(const room& r) const {
  with_socket(nsp, shard, id, [r](socket& s) { s.leave(r); });
}

void remote_socket::disconnect(bool close) const {
  with_socket(nsp, shard, id, [close](socket& s) { s.disconnect(close); });
}

}  // namespace sockio::sio
