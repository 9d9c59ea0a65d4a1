// One Engine.IO session bridged to its namespace sockets (socket.io's client.ts).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "detail/core.hpp"

namespace sockio::sio {
namespace detail {

client::client(server_core& core, std::shared_ptr<engine::session> session)
    : core_(core),
      session_(std::move(session)),
      decoder_(core.options.parser),
      connect_timer_(std::make_unique<boost::asio::steady_timer>(session_->context())) {}

client::~client() {
  if (linked()) core_.clients[shard()].erase(*this);  // unlinked, it may outlive its server
}

void client::start() {
  core_.clients[shard()].push_back(*this);
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
  const auto it = find_socket(p.nsp);
  const bool joined = it != sockets_.end();
  const bool pending = connecting_ && std::find(connecting_->begin(), connecting_->end(), p.nsp) != connecting_->end();
  if (p.type == packet_type::connect && !joined && !pending) {
    return on_connect(p.nsp, p.has_data() ? std::move(p.data) : json());  // none: null, read as {}
  }
  if (!joined || p.type == packet_type::connect || p.type == packet_type::connect_error) {
    // As socket.io's client: a packet for a namespace not joined (yet), a second CONNECT,
    // or a CONNECT_ERROR from the client is an invalid state that ends the connection.
    spdlog::debug("sio: invalid state from {} (packet type {})", session_->id(), static_cast<int>(p.type));
    close_sockets("parse error");
    close();
    return;
  }
  auto s = *it;
  switch (p.type) {
    case packet_type::event:
    case packet_type::binary_event: s->on_packet(std::move(p.data), p.id); break;
    case packet_type::ack:
    case packet_type::binary_ack: s->on_ack(*p.id, std::move(p.data)); break;
    case packet_type::disconnect: s->on_close("client namespace disconnect"); break;
    default: break;
  }
}

void client::on_connect(const std::string& nsp, json auth) {
  auto* ns = core_.resolve(nsp, auth);
  if (!ns) {
    auto error = packet::connect_error(nsp, json{{"message", "Invalid namespace"}});
    send_packet(error);
    return;
  }
  if (!connecting_) connecting_ = std::make_unique<std::vector<std::string>>();
  connecting_->push_back(nsp);  // until it connects or is refused (middlewares may take time)
  ns->state().add(shared_from_this(), std::move(auth));
}

void client::end_connecting(const std::string& nsp) {
  if (!connecting_) return;
  std::erase(*connecting_, nsp);
  if (connecting_->empty()) connecting_.reset();
}

void client::connect_refused(const std::string& nsp) {
  end_connecting(nsp);
}

void client::add_socket(const std::shared_ptr<socket>& s) {
  end_connecting(s->nsp().name());
  if (const auto it = find_socket(s->nsp().name()); it != sockets_.end())
    *it = s;
  else
    sockets_.push_back(s);
  connect_timer_.reset();  // cancels it; a connected client keeps no timer
}

void client::remove_socket(const std::string& nsp) {
  if (const auto it = find_socket(nsp); it != sockets_.end()) sockets_.erase(it);
}

std::vector<std::shared_ptr<socket>>::iterator client::find_socket(std::string_view nsp) {
  return std::find_if(sockets_.begin(), sockets_.end(), [nsp](const auto& s) { return s->nsp().name() == nsp; });
}

void client::send(const frames& f, bool volatile_) {
  if (!open_) return;
  if (volatile_ && !session_->writable()) return;
  session_->send(f.text, false);
  for (const auto& a : f.attachments) session_->send(a, true);
}

void client::close_sockets(std::string_view reason) {
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& s : sockets) s->on_close(reason);
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
  for (auto& s : sockets) s->disconnect(false);
  close();
}

void client::on_close(engine::session&, std::string_view reason) {
  open_ = false;
  connect_timer_.reset();
  close_sockets(reason);
  core_.clients[shard()].erase(*this);
}

}  // namespace detail
}  // namespace sockio::sio
