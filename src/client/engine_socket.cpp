#include "detail/engine_socket.hpp"

#include <algorithm>

#include "sockio/client/error.hpp"

namespace sockio::client::detail {

namespace {

std::shared_ptr<transport> make_transport(const std::string& name, std::shared_ptr<connection_context> ctx) {
  if (name == "websocket") return make_websocket_transport(std::move(ctx));
  return make_polling_transport(std::move(ctx));
}

bool has(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

engine_socket::engine_socket(std::shared_ptr<connection_context> ctx, engine_events events)
    : ctx_(std::move(ctx)), events_(std::move(events)), ping_timer_(ctx_->executor) {
  for (const auto& t : ctx_->opts.transports) {
    if ((t == "polling" || t == "websocket") && !has(transports_, t)) transports_.push_back(t);
  }
}

void engine_socket::open() {
  if (transports_.empty()) {
    state_ = state::closed;
    if (auto on_error = std::move(events_.on_error)) on_error(make_error_code(errc::bad_handshake), "no transport");
    return;
  }
  // With remember_upgrade, a manager whose last connection ended on WebSocket starts there.
  const bool remembered = ctx_->opts.remember_upgrade && ctx_->prior_websocket_success && has(transports_, "websocket");
  open_transport(remembered ? "websocket" : transports_.front());
}

void engine_socket::open_transport(const std::string& name) {
  transport_ = make_transport(name, ctx_);
  transport_->set_events(main_events());
  transport_->open({});
}

transport_events engine_socket::main_events() {
  std::weak_ptr<engine_socket> weak = shared_from_this();
  transport_events e;
  e.on_packet = [weak](engine::packet p) {
    if (auto self = weak.lock()) self->on_packet(std::move(p));
  };
  e.on_error = [weak](std::error_code ec, std::string description) {
    if (auto self = weak.lock()) self->on_transport_error(ec, std::move(description));
  };
  e.on_close = [weak](std::string description) {
    if (auto self = weak.lock()) self->finish("transport close", std::move(description));
  };
  e.on_drain = [weak] {
    if (auto self = weak.lock()) self->flush();
  };
  return e;
}

void engine_socket::on_packet(engine::packet p) {
  if (state_ == state::closed) return;
  if (events_.on_packet) events_.on_packet('<', p);
  if (state_ == state::opening) {
    if (p.type != engine::packet_type::open)
      return on_transport_error(make_error_code(errc::bad_handshake), "no open packet");
    return on_handshake(p.data);
  }
  switch (p.type) {
    case engine::packet_type::ping:
      send(engine::packet{engine::packet_type::pong, std::move(p.data), false});
      reset_ping_timeout();
      if (events_.on_ping) events_.on_ping();
      break;
    case engine::packet_type::message:
      if (events_.on_message) events_.on_message(std::move(p.data), p.binary);
      break;
    case engine::packet_type::close: finish("transport close", "transport closed by the server"); break;
    default: break;
  }
}

void engine_socket::on_handshake(const std::string& data) {
  auto handshake = engine::decode_open_packet(data);
  if (!handshake) return on_transport_error(make_error_code(errc::bad_handshake), "bad open packet");
  handshake_ = std::move(*handshake);
  state_ = state::open;
  transport_->set_sid(handshake_.sid);
  transport_->set_max_payload(handshake_.max_payload);
  if (std::string_view(transport_->name()) == "websocket") ctx_->prior_websocket_success = true;
  reset_ping_timeout();
  auto self = shared_from_this();
  if (events_.on_open) events_.on_open();
  if (state_ != state::open) return;
  flush();
  if (ctx_->opts.upgrade && std::string_view(transport_->name()) == "polling") {
    for (const auto& u : handshake_.upgrades) {
      if (u == "websocket" && has(transports_, u)) {
        probe(u);
        break;
      }
    }
  }
}

void engine_socket::on_transport_error(std::error_code ec, std::string description) {
  if (state_ == state::closed) return;
  if (state_ == state::opening) {
    ctx_->prior_websocket_success = false;
    // tryAllTransports: the next transport gets its turn while the connection opens.
    if (ctx_->opts.try_all_transports) {
      const std::string failed = transport_->name();
      std::erase(transports_, failed);
      if (!transports_.empty()) {
        transport_->abort();
        return open_transport(transports_.front());
      }
    }
    state_ = state::closed;
    transport_->abort();
    if (probe_) probe_->abort();
    if (auto on_error = std::move(events_.on_error)) on_error(ec, std::move(description));
    events_ = {};
    return;
  }
  finish(ec == errc::parse_error ? "parse error" : "transport error", std::move(description));
}

void engine_socket::finish(std::string reason, std::string description) {
  if (state_ == state::closed) return;
  const bool was_open = state_ == state::open;
  state_ = state::closed;
  ping_timer_.cancel();
  if (transport_) transport_->abort();
  if (probe_) probe_->abort();
  write_buffer_.clear();
  auto events = std::move(events_);
  events_ = {};
  if (was_open) {
    if (events.on_close) events.on_close(std::move(reason), std::move(description));
  } else if (events.on_error) {
    events.on_error(make_error_code(errc::websocket_error), std::move(description));
  }
}

void engine_socket::reset_ping_timeout() {
  // The server's figures, bounded (a day each) so that no sum overflows.
  constexpr std::chrono::milliseconds day = std::chrono::hours(24);
  ping_timer_.expires_after(std::clamp(handshake_.ping_interval, std::chrono::milliseconds(0), day) +
                            std::clamp(handshake_.ping_timeout, std::chrono::milliseconds(0), day));
  std::weak_ptr<engine_socket> weak = shared_from_this();
  ping_timer_.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->finish("ping timeout", "no ping from the server in pingInterval + pingTimeout");
  });
}

void engine_socket::send(engine::packet p) {
  if (state_ == state::closed) return;
  write_buffer_.push_back(std::move(p));
  flush();
}

bool engine_socket::writable() const noexcept {
  return state_ == state::open && !upgrading_ && transport_ && transport_->writable();
}

void engine_socket::flush() {
  if (state_ != state::open || upgrading_ || write_buffer_.empty() || !transport_->writable()) return;
  if (events_.on_packet) {
    for (const auto& p : write_buffer_) events_.on_packet('>', p);
  }
  auto packets = std::move(write_buffer_);
  write_buffer_.clear();
  transport_->send(std::move(packets));
}

void engine_socket::close() {
  if (state_ == state::closed) return;
  const bool was_open = state_ == state::open;
  state_ = state::closed;
  ping_timer_.cancel();
  events_ = {};
  if (probe_) probe_->abort();
  if (!transport_) return;
  if (was_open && !upgrading_) {
    // What is still queued leaves before the transport's close.
    if (!write_buffer_.empty()) transport_->send(std::move(write_buffer_));
    transport_->close();
  } else {
    transport_->abort();
  }
  write_buffer_.clear();
}

void engine_socket::abort() {
  state_ = state::closed;
  ping_timer_.cancel();
  events_ = {};
  if (transport_) transport_->abort();
  if (probe_) probe_->abort();
}

void engine_socket::probe(const std::string& name) {
  probe_ = make_transport(name, ctx_);
  std::weak_ptr<engine_socket> weak = shared_from_this();
  transport_events e;
  e.on_open = [weak] {
    auto self = weak.lock();
    if (!self || !self->probe_) return;
    self->probe_->send({engine::packet{engine::packet_type::ping, "probe", false}});
  };
  e.on_packet = [weak](engine::packet p) {
    auto self = weak.lock();
    if (!self || !self->probe_ || self->state_ != state::open) return;
    if (p.type != engine::packet_type::pong || p.data != "probe") return self->probe_failed("probe error: bad answer");
    // The probe answered: pause polling (the GET and POST in flight end), then switch.
    self->upgrading_ = true;
    self->transport_->pause([weak] {
      auto self = weak.lock();
      if (!self || !self->probe_ || self->state_ != state::open) return;
      self->transport_->abort();
      self->transport_ = std::move(self->probe_);
      self->probe_.reset();
      self->transport_->set_events(self->main_events());
      self->transport_->send({engine::packet{engine::packet_type::upgrade, {}, false}});
      self->ctx_->prior_websocket_success = true;
      self->upgrading_ = false;
      if (self->events_.on_upgrade) self->events_.on_upgrade(self->transport_->name());
      self->flush();
    });
  };
  e.on_error = [weak](std::error_code ec, std::string description) {
    if (auto self = weak.lock()) self->probe_failed("probe error: " + ec.message() + ": " + description);
  };
  e.on_close = [weak](std::string description) {
    if (auto self = weak.lock()) self->probe_failed("probe error: transport closed: " + description);
  };
  probe_->set_events(std::move(e));
  probe_->open(handshake_.sid);
}

void engine_socket::probe_failed(const std::string& why) {
  // The session stays on polling (no retry until the next connection), as the JS client.
  if (probe_) probe_->abort();
  probe_.reset();
  ctx_->prior_websocket_success = false;
  if (upgrading_) {
    // The probe failed while polling was paused for the switch: poll again (the JS client
    // leaves it paused, and the session then ends in a ping timeout).
    upgrading_ = false;
    if (transport_) transport_->resume();
    flush();
  }
  if (events_.on_upgrade_error) events_.on_upgrade_error(why);
}

}  // namespace sockio::client::detail
