#include <openssl/rand.h>

#include <array>
#include <boost/asio/post.hpp>
#include <ctime>
#include <stdexcept>

#include "detail/core.hpp"

namespace sockio::sio {
namespace detail {

std::string random_id() {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<unsigned char, 20> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string id(random.size(), '\0');
  for (std::size_t i = 0; i < random.size(); ++i) id[i] = alphabet[random[i] & 63];
  return id;
}

bool recoverable(std::string_view reason) noexcept {
  return reason == "transport error" || reason == "transport close" || reason == "forced close" ||
         reason == "ping timeout" || reason == "server shutting down" ||
         reason == "forced server close";
}

namespace {

sio::handshake make_handshake(const engine::session& session, json auth) {
  const auto& req = session.request();
  sio::handshake hs;
  hs.headers = req.headers;
  for (auto& [key, value] : req.query_params()) hs.query[key] = value;
  hs.auth = auth.is_object() ? std::move(auth) : json::object();
  hs.address = req.remote_address;
  const auto now = std::chrono::system_clock::now();
  hs.issued = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
  hs.time = buf;
  hs.url = req.url;
  hs.secure = req.secure;
  hs.xdomain = req.header("origin").has_value();
  return hs;
}

/// Collects one acknowledgement per recipient of a broadcast, on one shard.
class ack_collector : public std::enable_shared_from_this<ack_collector> {
 public:
  ack_collector(boost::asio::io_context& home, unsigned shards, ack_callback callback)
      : home_(home), timer_(home), shards_(shards), callback_(std::move(callback)) {}

  void arm(std::optional<std::chrono::milliseconds> timeout) {
    if (!timeout) return;
    timer_.expires_after(*timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->done_) return;
      self->done_ = true;
      self->callback_(make_error_code(errc::timeout), std::move(self->responses_));
    });
  }

  /// From any shard: `n` recipients there.
  void expect(std::size_t n) {
    boost::asio::post(home_, [self = shared_from_this(), n] {
      self->expected_ += n;
      ++self->reported_;
      self->check();
    });
  }

  /// From any shard: one recipient's acknowledgement.
  void respond(json args) {
    boost::asio::post(home_, [self = shared_from_this(), args = std::move(args)]() mutable {
      if (self->done_) return;
      self->responses_.push_back(args.is_array() && !args.empty() ? std::move(args[0]) : json());
      self->check();
    });
  }

 private:
  void check() {
    if (done_ || reported_ < shards_ || responses_.size() < expected_) return;
    done_ = true;
    timer_.cancel();
    callback_({}, std::move(responses_));
  }

  boost::asio::io_context& home_;
  boost::asio::steady_timer timer_;
  unsigned shards_;
  unsigned reported_ = 0;
  std::size_t expected_ = 0;
  json responses_ = json::array();
  ack_callback callback_;
  bool done_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------
namespace_state::namespace_state(namespace_& s, server_core& c, std::string n)
    : self(s), core(c), name(std::move(n)), shards(c.shards()), offset_prefix(random_id().substr(0, 8)) {}

void namespace_state::inherit(const namespace_state& parent) {
  middlewares = parent.middlewares;
  connection_handlers = parent.connection_handlers;
  room_handlers = parent.room_handlers;
  server_side_handlers = parent.server_side_handlers;
}

void namespace_state::add(const std::shared_ptr<client>& c, json auth) {
  std::optional<restored> previous;
  if (recovery_enabled() && auth.is_object()) {
    const auto pid = auth.find("pid");
    const auto offset = auth.find("offset");
    if (pid != auth.end() && pid->is_string() && offset != auth.end() && offset->is_string()) {
      previous = restore(pid->get<std::string>(), offset->get<std::string>());
    }
  }
  auto hs = make_handshake(c->session(), std::move(auth));
  auto s = std::make_shared<socket>(self, c, previous ? previous->s.sid : random_id(), std::move(hs));
  if (previous) {
    s->pid_ = previous->s.pid;
    s->data_ = previous->s.data;
    s->recovered_ = true;
  } else if (recovery_enabled()) {
    s->pid_ = random_id();
  }
  if (previous && core.options.connection_state_recovery->skip_middlewares) {
    return connect(s, std::move(previous));
  }
  run_middlewares(0, s, [this, s, previous = std::move(previous)](std::optional<connect_error> err) mutable {
    if (!s->client_->open()) return;
    if (err) {
      json data{{"message", err->message}};
      if (!err->data.is_discarded()) data["data"] = err->data;
      s->client_->send_packet({packet_type::connect_error, name, std::move(data), std::nullopt});
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

void namespace_state::connect(const std::shared_ptr<socket>& s, std::optional<restored> previous) {
  auto& c = *s->client_;
  if (!c.open()) return;
  s->connected_ = true;
  shards[c.shard()].sockets[s->id()] = s;
  c.add_socket(s);
  // Rooms joined before the connection completed (in a middleware) are registered now.
  auto early = std::move(s->rooms_);
  s->rooms_.clear();
  join(*s, s->id());
  for (const auto& r : early) join(*s, r);
  if (previous) {
    for (const auto& r : previous->s.rooms) join(*s, r);
  }
  json data{{"sid", s->id()}};
  if (recovery_enabled()) data["pid"] = s->pid_;
  c.send_packet({packet_type::connect, name, std::move(data), std::nullopt});
  if (previous) {
    for (auto& missed : previous->missed) s->send_event(std::move(missed), std::nullopt);
  }
  for (const auto& handler : connection_handlers) {
    if (!s->connected_) break;
    handler(s);
  }
}

void namespace_state::remove(socket& s) { shards[s.shard()].sockets.erase(s.id()); }

void namespace_state::join(socket& s, const room& r) {
  if (!s.rooms_.insert(r).second) return;
  auto& members = shards[s.shard()].rooms[r];
  const bool created = members.empty();
  members.insert(&s);
  if (created) emit_room_event(room_event::create_room, r, {});
  emit_room_event(room_event::join_room, r, s.id());
}

void namespace_state::leave(socket& s, const room& r) {
  if (s.rooms_.erase(r) == 0) return;
  auto& rooms = shards[s.shard()].rooms;
  const auto it = rooms.find(r);
  if (it == rooms.end()) return;
  it->second.erase(&s);
  emit_room_event(room_event::leave_room, r, s.id());
  if (it->second.empty()) {
    rooms.erase(it);
    emit_room_event(room_event::delete_room, r, {});
  }
}

void namespace_state::emit_room_event(room_event e, const room& r, const std::string& sid) {
  for (const auto& handler : room_handlers) handler(e, r, sid);
}

std::vector<socket*> namespace_state::select(unsigned shard, const broadcast_options& options) {
  auto& d = shards[shard];
  std::vector<socket*> out;
  const auto excluded = [&](const socket* s) {
    for (const auto& r : options.except) {
      if (s->rooms_.contains(r)) return true;
    }
    return false;
  };
  if (options.rooms.empty()) {
    out.reserve(d.sockets.size());
    for (const auto& [id, s] : d.sockets) {
      if (!excluded(s.get())) out.push_back(s.get());
    }
    return out;
  }
  std::unordered_set<socket*> seen;
  for (const auto& r : options.rooms) {
    const auto it = d.rooms.find(r);
    if (it == d.rooms.end()) continue;
    for (auto* s : it->second) {
      if (seen.insert(s).second && !excluded(s)) out.push_back(s);
    }
  }
  return out;
}

void namespace_state::broadcast(packet p, const broadcast_options& options) {
  if (recovery_enabled() && p.type == packet_type::event && !p.id && !options.flags.volatile_) {
    persist(p.data, options);
  }
  auto f = std::make_shared<const frames>(make_frames(p));  // encoded once for every shard
  for (unsigned i = 0; i < shards.size(); ++i) {
    core.run_on(i, [this, f, options, i] {
      std::vector<std::shared_ptr<socket>> recipients;
      for (auto* s : select(i, options)) recipients.push_back(s->shared_from_this());
      for (const auto& s : recipients) s->client_->send(*f, options.flags.volatile_);
    });
  }
}

void namespace_state::persist(json& data, const broadcast_options& options) {
  const auto now = clock::now();
  const auto keep = core.options.connection_state_recovery->max_disconnection_duration;
  std::lock_guard lock(recovery_mutex);
  auto offset = offset_prefix + "-" + std::to_string(++next_offset);
  data.push_back(offset);
  packets.push_back({std::move(offset), options, data, now});
  while (!packets.empty() && packets.front().at + keep < now) packets.pop_front();
}

void namespace_state::persist_session(const socket& s) {
  const auto now = clock::now();
  const auto keep = core.options.connection_state_recovery->max_disconnection_duration;
  std::lock_guard lock(recovery_mutex);
  std::erase_if(sessions, [&](const auto& item) { return item.second.disconnected_at + keep < now; });
  sessions[s.pid_] = session{s.id(), s.pid_, s.rooms(), s.data_, now};
}

std::optional<namespace_state::restored> namespace_state::restore(const std::string& pid,
                                                                  const std::string& offset) {
  const auto keep = core.options.connection_state_recovery->max_disconnection_duration;
  std::lock_guard lock(recovery_mutex);
  const auto it = sessions.find(pid);
  if (it == sessions.end()) return std::nullopt;
  if (it->second.disconnected_at + keep < clock::now()) {
    sessions.erase(it);
    return std::nullopt;
  }
  auto from = std::find_if(packets.rbegin(), packets.rend(),
                           [&](const stored_packet& p) { return p.offset == offset; });
  if (from == packets.rend()) return std::nullopt;
  restored result{std::move(it->second), {}};
  sessions.erase(it);
  const auto& rooms = result.s.rooms;
  for (auto p = from.base(); p != packets.end(); ++p) {
    const bool targeted = p->options.rooms.empty() ||
                          std::any_of(p->options.rooms.begin(), p->options.rooms.end(),
                                      [&](const room& r) { return rooms.contains(r); });
    const bool excluded = std::any_of(p->options.except.begin(), p->options.except.end(),
                                      [&](const room& r) { return rooms.contains(r); });
    if (targeted && !excluded) result.missed.push_back(p->data);
  }
  return result;
}

}  // namespace detail

// -----------------------------------------------------------------------------------------
namespace_::namespace_(detail::server_core& core, std::string name)
    : state_(std::make_unique<detail::namespace_state>(*this, core, std::move(name))) {}

namespace_::~namespace_() = default;

const std::string& namespace_::name() const noexcept { return state_->name; }
void namespace_::on_connection(connection_handler handler) {
  state_->connection_handlers.push_back(std::move(handler));
}
void namespace_::use(middleware m) { state_->middlewares.push_back(std::move(m)); }
void namespace_::on_room_event(room_event_handler handler) {
  state_->room_handlers.push_back(std::move(handler));
}

void namespace_::server_side_emit(std::string_view, json, ack_callback ack) {
  // A single node has no other server to reach.
  if (ack) ack({}, json::array());
}

void namespace_::on_server_side_emit(const std::string& event, event_handler handler) {
  state_->server_side_handlers[event] = std::move(handler);
}

std::vector<std::shared_ptr<socket>> namespace_::local_sockets() const {
  std::vector<std::shared_ptr<socket>> out;
  const int shard = state_->core.current_shard();
  if (shard < 0) return out;
  for (const auto& [id, s] : state_->shards[shard].sockets) out.push_back(s);
  return out;
}

// -----------------------------------------------------------------------------------------
broadcast_operator broadcast_operator::to(const room& r) const {
  auto o = options_;
  o.rooms.insert(r);
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::to(const std::vector<room>& rooms) const {
  auto o = options_;
  o.rooms.insert(rooms.begin(), rooms.end());
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::except(const room& r) const {
  auto o = options_;
  o.except.insert(r);
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::except(const std::vector<room>& rooms) const {
  auto o = options_;
  o.except.insert(rooms.begin(), rooms.end());
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::volatile_() const {
  auto o = options_;
  o.flags.volatile_ = true;
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::local() const {
  auto o = options_;
  o.flags.local = true;
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::compress(bool value) const {
  auto o = options_;
  o.flags.compress = value;
  return broadcast_operator(*nsp_, std::move(o));
}

broadcast_operator broadcast_operator::timeout(std::chrono::milliseconds value) const {
  auto o = options_;
  o.flags.timeout = value;
  return broadcast_operator(*nsp_, std::move(o));
}

void broadcast_operator::emit_args(std::string_view event, json args) const {
  json data = json::array({std::string(event)});
  for (auto& a : args) data.push_back(std::move(a));
  nsp_->state().broadcast({packet_type::event, nsp_->name(), std::move(data), std::nullopt}, options_);
}

void broadcast_operator::emit_with_ack(std::string_view event, json args, ack_callback callback) const {
  auto& st = nsp_->state();
  auto& core = st.core;
  json data = json::array({std::string(event)});
  for (auto& a : args) data.push_back(std::move(a));
  const auto id = st.next_ack_id++;
  auto f = std::make_shared<const detail::frames>(
      detail::make_frames({packet_type::event, nsp_->name(), std::move(data), id}));
  const auto home = core.home_shard();
  auto collector = std::make_shared<detail::ack_collector>(core.context(home), core.shards(), std::move(callback));
  core.run_on(home, [collector, timeout = options_.flags.timeout] { collector->arm(timeout); });
  for (unsigned i = 0; i < core.shards(); ++i) {
    core.run_on(i, [&st, f, id, collector, options = options_, i] {
      std::vector<std::shared_ptr<socket>> recipients;
      for (auto* s : st.select(i, options)) recipients.push_back(s->shared_from_this());
      std::size_t sent = 0;
      for (const auto& s : recipients) {
        s->state_->acks[id] = {[collector](std::error_code ec, json args) {
                                 if (!ec) collector->respond(std::move(args));
                               },
                               nullptr};
        s->client_->send(*f, options.flags.volatile_);
        ++sent;
      }
      collector->expect(sent);
    });
  }
}

void broadcast_operator::fetch_sockets(std::function<void(std::vector<remote_socket>)> callback) const {
  auto& st = nsp_->state();
  auto& core = st.core;
  const auto home = core.home_shard();
  struct gather {
    std::vector<remote_socket> sockets;
    unsigned reported = 0;
    std::function<void(std::vector<remote_socket>)> callback;
  };
  auto g = std::make_shared<gather>();
  g->callback = std::move(callback);
  for (unsigned i = 0; i < core.shards(); ++i) {
    core.run_on(i, [&st, &core, g, home, i, options = options_, nsp = nsp_] {
      std::vector<remote_socket> found;
      for (auto* s : st.select(i, options)) {
        found.push_back(remote_socket{s->id(), s->handshake(), s->rooms(), s->data(), nsp, i});
      }
      boost::asio::post(core.context(home), [g, found = std::move(found), shards = core.shards()]() mutable {
        for (auto& s : found) g->sockets.push_back(std::move(s));
        if (++g->reported == shards) g->callback(std::move(g->sockets));
      });
    });
  }
}

namespace {

/// Runs `fn` on every selected socket, on its own shard.
template <class Fn>
void for_each_selected(namespace_& nsp, const broadcast_options& options, Fn fn) {
  auto& st = nsp.state();
  for (unsigned i = 0; i < st.core.shards(); ++i) {
    st.core.run_on(i, [&st, options, i, fn] {
      std::vector<std::shared_ptr<socket>> selected;
      for (auto* s : st.select(i, options)) selected.push_back(s->shared_from_this());
      for (const auto& s : selected) fn(*s);
    });
  }
}

/// Runs `fn` on the socket `id` of shard `shard`, if it is still there.
template <class Fn>
void with_socket(namespace_* nsp, unsigned shard, const std::string& id, Fn fn) {
  auto& st = nsp->state();
  st.core.run_on(shard, [&st, shard, id, fn] {
    const auto it = st.shards[shard].sockets.find(id);
    if (it != st.shards[shard].sockets.end()) fn(*it->second);
  });
}

}  // namespace

void broadcast_operator::sockets_join(const std::vector<room>& rooms) const {
  for_each_selected(*nsp_, options_, [rooms](socket& s) { s.join(rooms); });
}

void broadcast_operator::sockets_leave(const std::vector<room>& rooms) const {
  for_each_selected(*nsp_, options_, [rooms](socket& s) {
    for (const auto& r : rooms) s.leave(r);
  });
}

void broadcast_operator::disconnect_sockets(bool close) const {
  for_each_selected(*nsp_, options_, [close](socket& s) { s.disconnect(close); });
}

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
