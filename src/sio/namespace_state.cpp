// A namespace's internal state: its sockets per shard, the CONNECT path (middlewares,
// recovery), room events.
#include <boost/asio/post.hpp>

#include "detail/core.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::sio {
namespace detail {

bool recoverable(std::string_view reason) noexcept {
  return reason == "transport error" || reason == "transport close" || reason == "forced close" ||
         reason == "ping timeout" || reason == "server shutting down" || reason == "forced server close";
}

namespace {

sio::handshake make_handshake(const engine::session& session, json auth) {
  sio::handshake hs;
  hs.request = session.shared_request();
  hs.set_auth(std::move(auth));
  const auto now = std::chrono::system_clock::now();
  hs.issued = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return hs;
}

}  // namespace

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
      adapter->restore_session(
          pid->get<std::string>(), offset->get<std::string>(),
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
    s->pid_ = std::make_unique<std::string>(previous->session.pid);
    s->data_ = previous->session.data;
    s->recovered_ = true;
  } else if (recovery_enabled()) {
    s->pid_ = std::make_unique<std::string>(codec::random_id());
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
  std::set<room> rooms(s->rooms_.begin(), s->rooms_.end());
  s->rooms_.clear();
  rooms.insert(s->id());
  if (previous) rooms.insert(previous->session.rooms.begin(), previous->session.rooms.end());
  adapter->add_all(*s, rooms);
  json data{{"sid", s->id()}};
  if (recovery_enabled()) data["pid"] = s->pid();
  c.send_packet(packet::connect(name, std::move(data)));
  if (previous) {
    for (auto& missed : previous->missed) s->send_event(std::move(missed), std::nullopt);
  }
  for (const auto& handler : connection_handlers) {
    if (!s->connected_) break;
    handler(s);
  }
  s->session_changed();  // with what the handlers set
}

void namespace_state::remove(socket& s) {
  sockets[s.shard()].erase(s.id());
}

void namespace_state::emit_room_event(room_event e, const room& r, const std::string& sid) {
  for (const auto& handler : room_handlers) handler(e, r, sid);
}

}  // namespace detail
}  // namespace sockio::sio
