#include "detail/manager_impl.hpp"

#include "detail/socket_impl.hpp"
#include "sockio/client/error.hpp"

namespace sockio::client::detail {

namespace asio = boost::asio;

manager_impl::manager_impl(asio::any_io_executor executor, const std::string& url, options opts)
    : ctx_(std::make_shared<connection_context>(std::move(executor), url, std::move(opts))),
      decoder_(sio::decoder_options{}),
      backoff_(ctx_->opts.reconnection_delay, ctx_->opts.reconnection_delay_max, ctx_->opts.randomization_factor),
      open_timer_(ctx_->executor) {
  skip_reconnect_ = !ctx_->opts.reconnection;
}

std::shared_ptr<socket_impl> manager_impl::socket(std::string nsp, socket_options opts) {
  if (nsp.empty()) nsp = ctx_->url.nsp;
  if (nsp.front() != '/') nsp.insert(nsp.begin(), '/');
  std::lock_guard lock(mutex_);
  auto& s = nsps_[nsp];
  if (!s) s = std::make_shared<socket_impl>(weak_from_this(), ctx_->executor, guard_, nsp, std::move(opts));
  return s;
}

std::vector<std::shared_ptr<socket_impl>> manager_impl::sockets() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<socket_impl>> out;
  for (const auto& [nsp, s] : nsps_) out.push_back(s);
  return out;
}

void manager_impl::open(std::function<void(std::error_code, std::string)> done) {
  if (!done && reconnecting_ && ready_ == ready::closed) {
    // Opened by hand during a reconnection delay: this attempt replaces the timer's.
    if (reconnect_timer_) reconnect_timer_->cancel();
    reconnecting_ = false;
  }
  if (shut_down_ || ready_ != ready::closed) return;
  skip_reconnect_ = !ctx_->opts.reconnection;
  ready_ = ready::opening;
  open_done_ = std::move(done);
  decoder_ = sio::decoder(sio::decoder_options{});
  std::weak_ptr<manager_impl> weak = shared_from_this();
  engine_events e;
  e.on_open = [weak] {
    if (auto self = weak.lock()) self->on_engine_open();
  };
  e.on_error = [weak](std::error_code ec, std::string description) {
    if (auto self = weak.lock()) self->on_engine_error(ec, std::move(description));
  };
  e.on_close = [weak](std::string reason, std::string description) {
    if (auto self = weak.lock()) self->on_engine_close(std::move(reason), std::move(description));
  };
  e.on_message = [weak](std::string data, bool binary) {
    if (auto self = weak.lock()) self->on_message(std::move(data), binary);
  };
  e.on_ping = [weak] {
    auto self = weak.lock();
    if (self) self->fire(&manager_events::on_ping);
  };
  e.on_upgrade = [weak](const std::string& name) {
    auto self = weak.lock();
    if (!self) return;
    self->snapshot();
    self->fire(&manager_events::on_upgrade, name);
  };
  e.on_upgrade_error = [weak](const std::string& message) {
    auto self = weak.lock();
    if (self) self->fire(&manager_events::on_upgrade_error, message);
  };
  e.on_packet = [weak](char direction, const engine::packet& p) {
    auto self = weak.lock();
    if (!self || !self->events_ || !self->events_->on_packet) return;
    std::string text;
    engine::encode_packet({p.type, p.data, p.binary}, text);
    self->fire(&manager_events::on_packet, direction, text);
  };
  engine_ = std::make_shared<engine_socket>(ctx_, std::move(e));
  if (ctx_->opts.timeout.count() > 0) {
    open_timer_.expires_after(ctx_->opts.timeout);
    open_timer_.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || self->ready_ != ready::opening) return;
      self->engine_->abort();
      self->on_engine_error(make_error_code(errc::connect_timeout), "timeout");
    });
  }
  engine_->open();
}

void manager_impl::on_engine_open() {
  open_timer_.cancel();
  ready_ = ready::open;
  snapshot();
  fire(&manager_events::on_open);
  if (auto done = std::move(open_done_)) done({}, {});
  for (auto& s : sockets()) {
    if (ready_ != ready::open) return;
    s->on_manager_open();
  }
}

void manager_impl::on_engine_error(std::error_code ec, std::string description) {
  open_timer_.cancel();
  ready_ = ready::closed;
  release_engine();
  snapshot();
  const auto message = ec == errc::connect_timeout ? std::string("timeout") : ec.message() + ": " + description;
  fire(&manager_events::on_error, ec, message);
  for (auto& s : sockets()) s->on_manager_error(ec, message);
  if (auto done = std::move(open_done_)) return done(ec, message);
  maybe_reconnect_on_open();
}

void manager_impl::on_engine_close(std::string reason, std::string description) {
  open_timer_.cancel();
  ready_ = ready::closed;
  release_engine();
  backoff_.reset();
  snapshot();
  fire(&manager_events::on_close, reason, description);
  for (auto& s : sockets()) s->on_manager_close(reason, description);
  if (!skip_reconnect_ && !shut_down_) reconnect();
}

void manager_impl::on_message(std::string data, bool binary) {
  std::optional<sio::packet> packet;
  const auto ec = binary ? decoder_.add_binary(data, packet) : decoder_.add_text(data, packet);
  // (Sizes were checked where the bytes arrived: the frame reader, the HTTP body limit.)
  if (ec) {
    // A packet that does not decode ends the connection ("parse error"), as the JS client.
    if (engine_) engine_->abort();
    return on_engine_close("parse error", ec.message());
  }
  if (packet) on_decoded(std::move(*packet));
}

void manager_impl::on_decoded(sio::packet p) {
  std::shared_ptr<socket_impl> target;
  {
    std::lock_guard lock(mutex_);
    if (auto it = nsps_.find(p.nsp); it != nsps_.end()) target = it->second;
  }
  if (target) target->on_packet(std::move(p));
}

void manager_impl::send(const sio::packet& p) {
  if (!engine_) return;
  auto encoded = sio::encode(p);
  engine_->send(engine::packet{engine::packet_type::message, std::move(encoded.text), false});
  for (auto& a : encoded.attachments) engine_->send(engine::packet{engine::packet_type::message, std::move(a), true});
}

void manager_impl::reconnect() {
  if (reconnecting_ || skip_reconnect_ || shut_down_) return;
  if (backoff_.attempts() >= ctx_->opts.reconnection_attempts) {
    backoff_.reset();
    reconnecting_ = false;
    fire(&manager_events::on_reconnect_failed);
    return;
  }
  const auto delay = backoff_.duration();
  reconnecting_ = true;
  if (!reconnect_timer_) reconnect_timer_ = std::make_unique<asio::steady_timer>(ctx_->executor);
  reconnect_timer_->expires_after(delay);
  std::weak_ptr<manager_impl> weak = shared_from_this();
  reconnect_timer_->async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->skip_reconnect_ || self->shut_down_) return;
    self->fire(&manager_events::on_reconnect_attempt, self->backoff_.attempts());
    if (self->skip_reconnect_) return;
    self->open([weak](std::error_code ec, std::string message) {
      auto self = weak.lock();
      if (!self) return;
      if (ec) {
        self->reconnecting_ = false;
        self->reconnect();
        self->fire(&manager_events::on_reconnect_error, ec, message);
        return;
      }
      const auto attempts = self->backoff_.attempts();
      self->reconnecting_ = false;
      self->backoff_.reset();
      self->fire(&manager_events::on_reconnect, attempts);
    });
  });
}

void manager_impl::maybe_reconnect_on_open() {
  // The first connection's failure enters the reconnection loop too.
  if (!reconnecting_ && !skip_reconnect_ && backoff_.attempts() == 0) reconnect();
}

void manager_impl::close() {
  skip_reconnect_ = true;
  reconnecting_ = false;
  if (reconnect_timer_) reconnect_timer_->cancel();
  open_timer_.cancel();
  const bool was_open = ready_ == ready::open;
  ready_ = ready::closed;
  if (engine_) engine_->close();
  release_engine();
  snapshot();
  if (was_open) {
    fire(&manager_events::on_close, "forced close", "");
    for (auto& s : sockets()) s->on_manager_close("forced close", "");
  }
}

void manager_impl::drop_connection() {
  if (ready_ != ready::open || !engine_) return;
  // As the JS client's `engine.close()`: the server gets a close packet, so that it keeps
  // the session for recovery at once instead of after its ping timeout.
  engine_->close();
  on_engine_close("forced close", "the connection was dropped");
}

void manager_impl::socket_destroyed() {
  for (auto& s : sockets()) {
    if (s->active_now()) return;
  }
  close();
}

void manager_impl::shutdown() {
  if (shut_down_) return;
  events_.reset();
  for (auto& s : sockets()) s->shutdown();
  close();
  shut_down_ = true;
}

void manager_impl::release_engine() {
  // Often called from inside one of the engine's own callbacks (or a listener it runs):
  // the engine goes once that call has unwound.
  if (engine_) asio::post(ctx_->executor, [engine = std::move(engine_)] {});
}

void manager_impl::snapshot() {
  std::lock_guard lock(mutex_);
  transport_snapshot_ = ready_ == ready::open && engine_ ? engine_->transport_name() : "";
  sid_snapshot_ = ready_ == ready::open && engine_ ? engine_->sid() : "";
}

std::string manager_impl::transport() const {
  std::lock_guard lock(mutex_);
  return transport_snapshot_;
}

std::string manager_impl::engine_id() const {
  std::lock_guard lock(mutex_);
  return sid_snapshot_;
}

}  // namespace sockio::client::detail
