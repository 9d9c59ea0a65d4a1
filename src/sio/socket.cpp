#include <algorithm>

#include "detail/core.hpp"
#include "sockio/codec/json_text.hpp"

namespace sockio::sio {
socket::socket(namespace_& nsp, std::shared_ptr<detail::client> client, std::string id, sio::handshake hs)
    : nsp_(&nsp), client_(std::move(client)), id_(std::move(id)), handshake_(std::move(hs)) {}

socket::~socket() = default;

detail::socket_state& socket::state() {
  if (!state_) state_ = std::make_unique<detail::socket_state>();
  return *state_;
}

unsigned socket::shard() const noexcept {
  return client_->shard();
}
boost::asio::io_context& socket::context() noexcept {
  return client_->session().context();
}
engine::session& socket::conn() noexcept {
  return client_->session();
}
std::string_view socket::transport() const noexcept {
  return engine::to_string(client_->session().transport());
}

void socket::on(const std::string& event, event_handler handler) {
  handlers_.set(event, std::move(handler));
}
void socket::off(const std::string& event) {
  handlers_.erase(event);
}
void socket::on_any(any_handler handler) {
  state().any_handlers.push_back(std::move(handler));
}
void socket::on_any_outgoing(any_handler handler) {
  state().any_outgoing_handlers.push_back(std::move(handler));
}
void socket::on_disconnecting(disconnect_handler handler) {
  state().disconnecting_handlers.push_back(std::move(handler));
}
void socket::on_disconnect(disconnect_handler handler) {
  state().disconnect_handlers.push_back(std::move(handler));
}
void socket::on_error(error_handler handler) {
  state().error_handlers.push_back(std::move(handler));
}
void socket::use(packet_middleware middleware) {
  state().middlewares.push_back(std::move(middleware));
}

void socket::notify_outgoing(const json& data) {
  if (!state_ || state_->any_outgoing_handlers.empty()) return;
  const auto event = data[0].is_string() ? data[0].get<std::string>() : data[0].dump();
  const json args(data.begin() + 1, data.end());
  const auto handlers = state_->any_outgoing_handlers;  // a handler may add or clear listeners
  for (const auto& h : handlers) h(event, args);
}

void socket::send_event(json data, std::optional<std::uint64_t> ack_id, bool volatile_) {
  client_->send(detail::make_frames(packet::event(nsp_->name(), std::move(data), ack_id)), volatile_);
}

void socket::emit_args(std::string_view event, json args) {
  if (!connected_) return;
  json data = event_data(event, std::move(args));
  notify_outgoing(data);
  auto& st = nsp_->state();
  if (st.recovery_enabled()) {
    // As socket.io: with recovery on, it goes through the adapter like a broadcast to the
    // socket's own room, so that it gets an offset and is kept for a later recovery.
    st.adapter->broadcast(packet::event(nsp_->name(), std::move(data)), broadcast_options{{id_}, {}, {}});
    return;
  }
  send_event(std::move(data), std::nullopt);
}

void socket::emit_with_ack(std::string_view event, json args, ack_callback callback,
                           std::optional<std::chrono::milliseconds> timeout) {
  if (!connected_) {
    if (callback) callback(make_error_code(errc::disconnected), json::array());
    return;
  }
  json data = event_data(event, std::move(args));
  const auto id = nsp_->state().next_ack_id++;
  auto& pending = state().acks[id];
  pending.callback = std::move(callback);
  if (timeout) {
    pending.timer = std::make_unique<boost::asio::steady_timer>(context(), *timeout);
    pending.timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->state_) return;
      const auto it = self->state_->acks.find(id);
      if (it == self->state_->acks.end()) return;
      auto cb = std::move(it->second.callback);
      self->state_->acks.erase(it);
      if (cb) cb(make_error_code(errc::timeout), json::array());
    });
  }
  notify_outgoing(data);
  send_event(std::move(data), id);
}

std::future<json> socket::emit_with_ack(std::string_view event, json args,
                                        std::optional<std::chrono::milliseconds> timeout) {
  auto [callback, future] = detail::future_ack();
  emit_with_ack(event, std::move(args), std::move(callback), timeout);
  return std::move(future);
}

void socket::on_ack(std::uint64_t id, json args) {
  if (!state_) return;  // never asked for one
  const auto it = state_->acks.find(id);
  if (it == state_->acks.end()) return;  // unknown or already timed out
  auto cb = std::move(it->second.callback);
  if (it->second.timer) it->second.timer->cancel();
  state_->acks.erase(it);
  if (cb) cb({}, std::move(args));
}

void socket::on_packet(json data, std::optional<std::uint64_t> ack_id) {
  if (!connected_) return;
  if (!state_ || state_->middlewares.empty()) return dispatch(std::move(data), ack_id);
  run_packet_middlewares(0, std::make_shared<json>(std::move(data)), ack_id);
}

void socket::run_packet_middlewares(std::size_t index, std::shared_ptr<json> packet,
                                    std::optional<std::uint64_t> ack_id) {
  if (!connected_) return;
  if (index >= state_->middlewares.size()) return dispatch(std::move(*packet), ack_id);
  auto self = shared_from_this();
  state_->middlewares[index](*packet, [self, index, packet, ack_id](std::optional<connect_error> err) {
    if (err) {
      if (!self->state_) return;  // disconnected meanwhile: its listeners are gone
      const auto handlers = self->state_->error_handlers;
      for (const auto& h : handlers) h(*err);
      return;
    }
    self->run_packet_middlewares(index + 1, packet, ack_id);
  });
}

/// The answer to one of the client's events: the ack packet, if the socket is still
/// connected when the handler answers.
class socket::ack_answer final : public ack_fn::sender {
 public:
  ack_answer(std::weak_ptr<socket> socket, std::uint64_t id) : socket_(std::move(socket)), id_(id) {}

  void send(json args) override {
    const auto self = socket_.lock();
    if (!self || !self->connected_) return;
    auto p = packet::ack(self->nsp_->name(), std::move(args), id_);
    self->client_->send_packet(p);
    codec::clear_json(p.data);
  }

 private:
  std::weak_ptr<socket> socket_;
  std::uint64_t id_;
};

void socket::dispatch(json data, std::optional<std::uint64_t> ack_id) {
  if (!data.is_array() || data.empty()) return;
  const auto event = data[0].is_string() ? data[0].get<std::string>() : data[0].dump();
  data.erase(data.begin());  // the arguments remain: moved on, not copied
  json args = std::move(data);
  ack_fn ack;
  if (ack_id) ack = ack_fn(std::make_shared<ack_answer>(weak_from_this(), *ack_id));
  auto self = shared_from_this();  // a handler may disconnect us
  if (state_ && !state_->any_handlers.empty()) {
    const auto any = state_->any_handlers;  // a listener may disconnect us, which clears the lists
    for (const auto& h : any) h(event, args);
  }
  if (const auto* found = handlers_.find(event); found && connected_) {
    auto handler = *found;  // the handler may replace itself
    handler(std::move(args), std::move(ack));
  }
}

std::set<room> socket::rooms() const {
  std::set<room> all(rooms_.begin(), rooms_.end());
  if (in_own_room_) all.insert(id_);
  return all;
}

bool socket::insert_room(const room& r) {
  const auto at = std::lower_bound(rooms_.begin(), rooms_.end(), r);
  if (at != rooms_.end() && *at == r) return false;
  rooms_.insert(at, r);
  return true;
}

bool socket::erase_room(const room& r) {
  const auto at = std::lower_bound(rooms_.begin(), rooms_.end(), r);
  if (at == rooms_.end() || *at != r) return false;
  rooms_.erase(at);
  return true;
}

const std::string& socket::pid() const noexcept {
  static const std::string none;
  return pid_ ? *pid_ : none;
}

void socket::join(const room& r) {
  if (!connected_) {
    insert_room(r);  // registered when the connection completes
    return;
  }
  nsp_->state().adapter->add_all(*this, {r});
  session_changed();
}

void socket::join(const std::vector<room>& rooms) {
  if (!connected_) {
    for (const auto& r : rooms) insert_room(r);
    return;
  }
  for (const auto& r : rooms) nsp_->state().adapter->add_all(*this, {r});
  session_changed();
}

void socket::leave(const room& r) {
  if (!connected_) {
    erase_room(r);
    return;
  }
  nsp_->state().adapter->del(*this, r);
  session_changed();
}

void socket::session_changed() {
  auto& st = nsp_->state();
  if (connected_ && st.recovery_enabled() && st.adapter->keeps_connected_sessions()) {
    st.adapter->keep_session({id_, pid(), rooms(), data()});
  }
}

broadcast_operator socket::to(const room& r) const {
  return broadcast().to(r);
}
broadcast_operator socket::to(const std::vector<room>& rooms) const {
  return broadcast().to(rooms);
}
broadcast_operator socket::except(const room& r) const {
  return broadcast().except(r);
}
broadcast_operator socket::broadcast() const {
  return broadcast_operator(*nsp_, broadcast_options{{}, {id_}, {}});
}
broadcast_operator socket::volatile_() const {
  return broadcast().volatile_();
}
broadcast_operator socket::local() const {
  return broadcast().local();
}

void socket::disconnect(bool close) {
  if (!connected_) return;
  if (close) return client_->disconnect_all();
  client_->send_packet(packet::disconnect(nsp_->name()));
  on_close("server namespace disconnect");
}

void socket::on_close(std::string_view reason) {
  if (!connected_ || closing_) return;
  closing_ = true;  // a disconnecting listener calling disconnect() must not re-enter
  auto self = shared_from_this();
  if (state_) {
    const auto disconnecting = state_->disconnecting_handlers;
    for (const auto& h : disconnecting) h(reason);
  }
  auto& st = nsp_->state();
  if (st.recovery_enabled() && detail::recoverable(reason)) {
    st.adapter->persist_session({id_, pid(), rooms(), data()});
  } else if (st.recovery_enabled() && st.adapter->keeps_connected_sessions()) {
    st.adapter->forget_session(pid());
  }
  st.adapter->del_all(*this);
  st.remove(*this);
  client_->remove_socket(nsp_->name());
  connected_ = false;
  if (state_) {
    auto acks = std::move(state_->acks);
    state_->acks.clear();
    for (auto& [id, pending] : acks) {
      if (pending.timer) pending.timer->cancel();
      if (pending.callback) pending.callback(make_error_code(errc::disconnected), json::array());
    }
    const auto disconnected = state_->disconnect_handlers;
    for (const auto& h : disconnected) h(reason);
  }
  // Listeners often capture the socket: drop them to break the cycle.
  handlers_.clear();
  state_.reset();
}

}  // namespace sockio::sio
