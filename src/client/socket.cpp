// The public socket handle: every call is posted to the manager's loop.
#include "sockio/client/socket.hpp"

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "detail/socket_impl.hpp"

namespace sockio::client {

namespace asio = boost::asio;

ack_sender::ack_sender(std::function<void(json)> send)
    : send_(std::move(send)), sent_(std::make_shared<std::atomic<bool>>(false)) {}

void ack_sender::operator()(json args) const {
  // Any thread, once: the first caller sends.
  if (!send_ || sent_->exchange(true)) return;
  send_(std::move(args));
}

namespace {

template <class F>
bool on_loop(const std::shared_ptr<detail::socket_impl>& impl, F&& f) {
  if (!impl) return false;
  return impl->post([impl, f = std::forward<F>(f)]() mutable { f(*impl); });
}

}  // namespace

void socket::add_listener(std::string event, event_handler h, bool once) const {
  on_loop(impl_, [event = std::move(event), h = std::move(h), once](detail::socket_impl& s) mutable {
    s.add_listener(std::move(event), std::move(h), once);
  });
}
void socket::off(std::string event) const {
  on_loop(impl_, [event = std::move(event)](detail::socket_impl& s) { s.off(event); });
}
void socket::off() const {
  on_loop(impl_, [](detail::socket_impl& s) { s.off_all(); });
}
void socket::on_any(any_handler f) const {
  on_loop(impl_, [f = std::move(f)](detail::socket_impl& s) mutable { s.on_any = std::move(f); });
}
void socket::off_any() const {
  on_loop(impl_, [](detail::socket_impl& s) { s.on_any = nullptr; });
}
void socket::on_any_outgoing(any_handler f) const {
  on_loop(impl_, [f = std::move(f)](detail::socket_impl& s) mutable { s.on_any_outgoing = std::move(f); });
}
void socket::off_any_outgoing() const {
  on_loop(impl_, [](detail::socket_impl& s) { s.on_any_outgoing = nullptr; });
}
void socket::on_connect(std::function<void()> f) const {
  on_loop(impl_, [f = std::move(f)](detail::socket_impl& s) mutable { s.on_connect = std::move(f); });
}
void socket::on_connect_error(std::function<void(const connect_error&)> f) const {
  on_loop(impl_, [f = std::move(f)](detail::socket_impl& s) mutable { s.on_connect_error = std::move(f); });
}
void socket::on_disconnect(std::function<void(const std::string&, const std::string&)> f) const {
  on_loop(impl_, [f = std::move(f)](detail::socket_impl& s) mutable { s.on_disconnect = std::move(f); });
}

void socket::emit(std::string event, json args) const {
  if (sio::is_reserved_event(event)) throw std::invalid_argument("\"" + event + "\" is a reserved event name");
  on_loop(impl_, [event = std::move(event), args = std::move(args), flags = flags_](detail::socket_impl& s) mutable {
    s.emit(std::move(event), std::move(args), flags, nullptr);
  });
}

void socket::start_emit_with_ack(const std::shared_ptr<detail::socket_impl>& impl, const emit_flags& flags,
                                 std::string event, json args, ack_handler done) {
  if (sio::is_reserved_event(event)) throw std::invalid_argument("\"" + event + "\" is a reserved event name");
  if (!impl) return done(make_error_code(errc::closed), json::array());
  // The handler is shared so that it can still fail here when the loop is gone.
  auto shared = std::make_shared<ack_handler>(std::move(done));
  const bool posted =
      on_loop(impl, [event = std::move(event), args = std::move(args), flags, shared](detail::socket_impl& s) mutable {
        s.emit(std::move(event), std::move(args), flags, std::move(*shared));
      });
  if (!posted) (*shared)(make_error_code(errc::closed), json::array());
}

boost::asio::any_io_executor socket::executor_of(const std::shared_ptr<detail::socket_impl>& impl) {
  return impl ? impl->executor() : boost::asio::any_io_executor();
}

socket socket::timeout(std::chrono::milliseconds ms) const {
  socket copy = *this;
  copy.flags_.timeout = ms;
  return copy;
}
socket socket::volatile_() const {
  socket copy = *this;
  copy.flags_.volatile_ = true;
  return copy;
}
socket socket::compress(bool on) const {
  socket copy = *this;
  copy.flags_.compress = on;
  return copy;
}

void socket::connect() const {
  on_loop(impl_, [](detail::socket_impl& s) { s.connect(); });
}
void socket::disconnect() const {
  on_loop(impl_, [](detail::socket_impl& s) { s.disconnect(); });
}
void socket::set_auth(json auth) const {
  on_loop(impl_, [auth = std::move(auth)](detail::socket_impl& s) mutable { s.set_auth(std::move(auth)); });
}

bool socket::connected() const {
  return impl_ && impl_->connected();
}
bool socket::active() const {
  return impl_ && impl_->active();
}
bool socket::recovered() const {
  return impl_ && impl_->recovered();
}
std::string socket::id() const {
  return impl_ ? impl_->id() : std::string();
}
std::string socket::nsp() const {
  return impl_ ? impl_->nsp() : std::string();
}
std::size_t socket::buffered() const {
  return impl_ ? impl_->buffered() : 0;
}

}  // namespace sockio::client
