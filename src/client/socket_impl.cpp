#include "detail/socket_impl.hpp"

#include <boost/asio/post.hpp>

#include "detail/manager_impl.hpp"
#include "sockio/client/error.hpp"

namespace sockio::client::detail {

namespace asio = boost::asio;

socket_impl::socket_impl(std::weak_ptr<manager_impl> manager, asio::any_io_executor executor,
                         std::shared_ptr<loop_guard> guard, std::string nsp, socket_options opts)
    : manager_(std::move(manager)),
      executor_(std::move(executor)),
      guard_(std::move(guard)),
      nsp_(std::move(nsp)),
      opts_(std::move(opts)) {}

void socket_impl::connect() {
  auto m = manager_.lock();
  if (!m || m->shut_down() || connected_) return;
  // Active and not connected: a CONNECT is under way (or goes out when the manager opens).
  const bool was_active = active_;
  active_ = true;
  snapshot();
  if (!m->reconnecting()) m->open();
  if (m->is_open() && !was_active) send_connect();
}

void socket_impl::disconnect() {
  const bool was_connected = connected_;
  if (was_connected) send_packet(sio::packet::disconnect(nsp_));
  destroy();
  if (was_connected) close("io client disconnect", "");
}

void socket_impl::destroy() {
  if (!active_) return;
  active_ = false;
  receive_buffer_.clear();
  snapshot();
  if (auto m = manager_.lock()) m->socket_destroyed();
}

void socket_impl::on_manager_open() {
  if (active_ && !connected_) send_connect();
}

void socket_impl::on_manager_error(std::error_code ec, const std::string& message) {
  if (!active_ || connected_) return;
  if (on_connect_error) on_connect_error(connect_error{message, nullptr, ec});
}

void socket_impl::on_manager_close(const std::string& reason, const std::string& description) {
  // A socket that left (its own disconnect, the server's) hears only its own reason.
  if (active_ && connected_) close(reason, description);
}

void socket_impl::send_connect() {
  json auth = opts_.auth_fn ? opts_.auth_fn() : opts_.auth;
  if (pid_) {
    // Connection state recovery: the session and the last offset seen, then the auth keys.
    json data = json::object();
    data["pid"] = *pid_;
    if (last_offset_) data["offset"] = *last_offset_;
    if (auth.is_object()) {
      for (auto& [k, v] : auth.items()) data[k] = v;
    }
    auth = std::move(data);
  }
  if (auth.is_discarded() || auth.is_null()) {
    send_packet(sio::packet::connect(nsp_));
  } else {
    send_packet(sio::packet::connect(nsp_, std::move(auth)));
  }
}

void socket_impl::on_packet(sio::packet p) {
  // A socket that left hears nothing more (the JS client unsubscribes it).
  if (!active_) return;
  switch (p.type) {
    case sio::packet_type::connect: return on_connect_packet(p.data);
    case sio::packet_type::event:
    case sio::packet_type::binary_event: return on_event(std::move(p));
    case sio::packet_type::ack:
    case sio::packet_type::binary_ack: return on_ack(std::move(p));
    case sio::packet_type::disconnect: destroy(); return close("io server disconnect", "");
    case sio::packet_type::connect_error: {
      destroy();
      connect_error err;
      err.code = make_error_code(errc::server_refused);
      if (p.data.is_object()) {
        if (auto it = p.data.find("message"); it != p.data.end() && it->is_string()) err.message = *it;
        if (auto it = p.data.find("data"); it != p.data.end()) err.data = *it;
      } else if (p.data.is_string()) {
        err.message = p.data.get<std::string>();
      }
      if (on_connect_error) on_connect_error(err);
      return;
    }
  }
}

void socket_impl::on_connect_packet(const json& data) {
  if (!data.is_object() || !data.contains("sid") || !data["sid"].is_string()) {
    // A v2 server answers CONNECT without a sid.
    if (on_connect_error) {
      on_connect_error(connect_error{
          "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible "
          "(more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)",
          nullptr, make_error_code(errc::bad_handshake)});
    }
    return;
  }
  sid_ = data["sid"].get<std::string>();
  std::optional<std::string> pid;
  if (auto it = data.find("pid"); it != data.end() && it->is_string()) pid = it->get<std::string>();
  recovered_ = pid && pid_ && *pid == *pid_;
  pid_ = std::move(pid);
  connected_ = true;
  snapshot();
  emit_buffered();
  drain_queue(true);
  snapshot();
  if (on_connect) on_connect();
}

void socket_impl::on_event(sio::packet p) {
  if (!p.data.is_array() || p.data.empty()) return;
  // Connection state recovery: a broadcast's last argument is its offset (kept, and still
  // passed to the listeners, as the JS client does).
  if (pid_ && !p.id && p.data.size() > 1 && p.data.back().is_string()) {
    last_offset_ = p.data.back().get<std::string>();
  }
  if (!connected_) {
    receive_buffer_.push_back(std::move(p));
    return;
  }
  dispatch_event(p);
}

void socket_impl::dispatch_event(const sio::packet& p) {
  const auto& name = p.data[0];
  if (!name.is_string()) return;
  const auto event = name.get<std::string>();
  json args = json::array();
  for (std::size_t i = 1; i < p.data.size(); ++i) args.push_back(p.data[i]);
  ack_sender ack;
  if (p.id) {
    std::weak_ptr<socket_impl> weak = shared_from_this();
    ack = ack_sender([weak, id = *p.id, guard = guard_, ex = executor_](json reply) {
      guard->post(ex, [weak, id, reply = std::move(reply)]() mutable {
        auto self = weak.lock();
        if (!self || !self->connected_) return;
        if (!reply.is_array()) reply = json::array({std::move(reply)});
        self->send_packet(sio::packet::ack(self->nsp_, std::move(reply), id));
      });
    });
  }
  auto self = shared_from_this();
  if (on_any) on_any(event, args);
  auto it = listeners_.find(event);
  if (it == listeners_.end()) return;
  auto current = it->second;  // a listener may add or remove listeners
  std::erase_if(it->second, [](const listener& l) { return l.once; });
  if (it->second.empty()) listeners_.erase(it);
  for (auto& l : current) {
    if (shut_down_) return;  // the manager went from inside a listener
    l.handler(args, ack);
  }
}

void socket_impl::on_ack(sio::packet p) {
  if (!p.id) return;
  auto entry = take_ack(*p.id);
  if (!entry) return;
  entry->handler({}, p.data.is_array() ? std::move(p.data) : json::array());
}

void socket_impl::add_listener(std::string event, socket::event_handler h, bool once) {
  listeners_[std::move(event)].push_back(listener{std::move(h), once});
}

void socket_impl::emit(std::string event, json args, const emit_flags& flags, socket::ack_handler ack) {
  auto m = manager_.lock();
  if (!m || m->shut_down()) {
    if (ack) ack(make_error_code(errc::closed), json::array());
    return;
  }
  if (!args.is_array()) args = json::array({std::move(args)});
  if (opts_.retries && !flags.volatile_) return add_to_queue(std::move(event), std::move(args), flags, std::move(ack));
  emit_now(std::move(event), std::move(args), flags, std::move(ack));
}

void socket_impl::emit_now(std::string event, json args, const emit_flags& flags, socket::ack_handler ack) {
  // As the JS client: a volatile packet is dropped when the transport cannot take it now
  // (and buffered like any other when only the namespace is not connected yet).
  auto m = manager_.lock();
  if (flags.volatile_ && !(m && m->writable())) {
    if (ack) ack(make_error_code(errc::dropped), json::array());
    return;
  }
  std::optional<std::uint64_t> id;
  if (ack) {
    id = next_ack_id_++;
    register_ack(*id, flags.timeout ? flags.timeout : opts_.ack_timeout, std::move(ack));
  }
  json data = json::array({std::move(event)});
  for (auto& a : args) data.push_back(std::move(a));
  auto packet = sio::packet::event(nsp_, std::move(data), id);
  if (connected_) return send_event(packet);
  if (send_buffer_.size() >= opts_.max_buffered_packets) {
    // The oldest packet goes; its ack learns it will never be answered.
    auto dropped = std::move(send_buffer_.front());
    send_buffer_.pop_front();
    if (dropped.id) {
      if (auto entry = take_ack(*dropped.id)) entry->handler(make_error_code(errc::disconnected), json::array());
    }
  }
  send_buffer_.push_back(std::move(packet));
  snapshot();
}

void socket_impl::register_ack(std::uint64_t id, std::optional<std::chrono::milliseconds> timeout,
                               socket::ack_handler ack) {
  pending_ack entry{std::move(ack), nullptr};
  if (timeout) {
    // As the JS client, the timer starts at emit time, even while the packet is buffered.
    entry.timer = std::make_shared<asio::steady_timer>(executor_, *timeout);
    std::weak_ptr<socket_impl> weak = shared_from_this();
    entry.timer->async_wait([weak, id](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->on_ack_timeout(id);
    });
  }
  acks_.emplace(id, std::move(entry));
}

std::optional<socket_impl::pending_ack> socket_impl::take_ack(std::uint64_t id) {
  auto it = acks_.find(id);
  if (it == acks_.end()) return std::nullopt;
  auto entry = std::move(it->second);
  acks_.erase(it);
  if (entry.timer) entry.timer->cancel();
  return entry;
}

void socket_impl::on_ack_timeout(std::uint64_t id) {
  auto entry = take_ack(id);
  if (!entry) return;
  std::erase_if(send_buffer_, [id](const sio::packet& p) { return p.id == id; });
  snapshot();
  entry->handler(make_error_code(errc::timeout), json::array());
}

void socket_impl::add_to_queue(std::string event, json args, const emit_flags& flags, socket::ack_handler ack) {
  queue_.push_back(queued_emit{next_queue_id_++, 0, false, std::move(event), std::move(args), flags, std::move(ack)});
  snapshot();
  drain_queue(false);
}

void socket_impl::drain_queue(bool force) {
  if (!connected_ || queue_.empty()) return;
  auto& head = queue_.front();
  if (head.pending && !force) return;
  head.pending = true;
  ++head.tries;
  std::weak_ptr<socket_impl> weak = shared_from_this();
  emit_now(head.event, head.args, head.flags, [weak, qid = head.id](std::error_code ec, json reply) {
    auto self = weak.lock();
    if (!self || self->queue_.empty() || self->queue_.front().id != qid) return;
    auto& head = self->queue_.front();
    if (!ec || head.tries > *self->opts_.retries) {
      auto done = std::move(head.ack);
      self->queue_.pop_front();
      self->snapshot();
      if (done) done(ec, std::move(reply));
    } else {
      head.pending = false;
    }
    self->drain_queue(false);
  });
}

void socket_impl::send_event(const sio::packet& p) {
  // onAnyOutgoing sees packets as they leave, not as they are buffered.
  if (on_any_outgoing && p.data.is_array() && !p.data.empty() && p.data[0].is_string()) {
    on_any_outgoing(p.data[0].get<std::string>(), json(p.data.begin() + 1, p.data.end()));
  }
  send_packet(p);
}

void socket_impl::send_packet(const sio::packet& p) {
  if (auto m = manager_.lock()) m->send(p);
}

void socket_impl::emit_buffered() {
  auto self = shared_from_this();
  while (!receive_buffer_.empty() && connected_) {
    auto p = std::move(receive_buffer_.front());
    receive_buffer_.pop_front();
    dispatch_event(p);
  }
  while (!send_buffer_.empty() && connected_) {
    auto p = std::move(send_buffer_.front());
    send_buffer_.pop_front();
    send_event(p);
  }
}

void socket_impl::clear_acks() {
  // Acks whose packet still waits in the send buffer survive (they leave on reconnect).
  std::vector<socket::ack_handler> failed;
  for (auto it = acks_.begin(); it != acks_.end();) {
    const auto id = it->first;
    const bool buffered =
        std::any_of(send_buffer_.begin(), send_buffer_.end(), [id](const sio::packet& p) { return p.id == id; });
    if (buffered) {
      ++it;
      continue;
    }
    if (it->second.timer) it->second.timer->cancel();
    failed.push_back(std::move(it->second.handler));
    it = acks_.erase(it);
  }
  for (auto& h : failed) h(make_error_code(errc::disconnected), json::array());
}

void socket_impl::close(const std::string& reason, const std::string& description) {
  connected_ = false;
  sid_.clear();
  snapshot();
  auto self = shared_from_this();
  if (on_disconnect) on_disconnect(reason, description);
  clear_acks();
}

void socket_impl::shutdown() {
  shut_down_ = true;
  on_connect = nullptr;
  on_connect_error = nullptr;
  on_disconnect = nullptr;
  on_any = nullptr;
  on_any_outgoing = nullptr;
  listeners_.clear();
  connected_ = false;
  active_ = false;
  send_buffer_.clear();
  receive_buffer_.clear();
  auto acks = std::move(acks_);
  acks_.clear();
  for (auto& [id, a] : acks) {
    if (a.timer) a.timer->cancel();
    a.handler(make_error_code(errc::closed), json::array());
  }
  auto queue = std::move(queue_);
  queue_.clear();
  for (auto& q : queue) {
    if (q.ack) q.ack(make_error_code(errc::closed), json::array());
  }
  snapshot();
}

void socket_impl::snapshot() {
  std::lock_guard lock(mutex_);
  connected_snapshot_ = connected_;
  active_snapshot_ = active_;
  recovered_snapshot_ = recovered_;
  id_snapshot_ = connected_ ? sid_ : std::string();
  buffered_snapshot_ = send_buffer_.size() + queue_.size();
}

bool socket_impl::connected() const {
  std::lock_guard lock(mutex_);
  return connected_snapshot_;
}
bool socket_impl::active() const {
  std::lock_guard lock(mutex_);
  return active_snapshot_;
}
bool socket_impl::recovered() const {
  std::lock_guard lock(mutex_);
  return recovered_snapshot_;
}
std::string socket_impl::id() const {
  std::lock_guard lock(mutex_);
  return id_snapshot_;
}
std::size_t socket_impl::buffered() const {
  std::lock_guard lock(mutex_);
  return buffered_snapshot_;
}

}  // namespace sockio::client::detail
