#include "sio_client.hpp"

#include <stdexcept>

namespace sockio::test {

sio_client::sio_client(std::uint16_t port, const std::string& query) : decoder_(sio::decoder_options{100, 64}) {
  ws_ = std::make_unique<ws_client>(port, "/socket.io/?EIO=4&transport=websocket" + query);
  auto open = ws_->read();
  if (!open || !open->data.starts_with("0{")) throw std::runtime_error("no open packet");
  sid_ = sid_of(open->data);
}

sio::packet sio_client::connect(const std::string& nsp, sio::json auth) {
  send({sio::packet_type::connect, nsp, std::move(auth), std::nullopt});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    auto p = next();
    if (!p) break;
    if (p->nsp != nsp) continue;
    if (p->type == sio::packet_type::connect) {
      ids_[nsp] = p->data.value("sid", "");
      return *p;
    }
    if (p->type == sio::packet_type::connect_error) return *p;
  }
  throw std::runtime_error("no CONNECT answer for " + nsp);
}

std::string sio_client::id(const std::string& nsp) const {
  const auto it = ids_.find(nsp);
  return it == ids_.end() ? std::string() : it->second;
}

void sio_client::send(const sio::packet& p) {
  auto encoded = sio::encode(p);
  ws_->send_text("4" + encoded.text);
  for (const auto& a : encoded.attachments) ws_->send_binary(a);
}

void sio_client::emit(const std::string& event, sio::json args, const std::string& nsp,
                      std::optional<std::uint64_t> ack_id) {
  sio::json data = sio::json::array({event});
  for (auto& a : args) data.push_back(std::move(a));
  send({sio::packet_type::event, nsp, std::move(data), ack_id});
}

void sio_client::ack(std::uint64_t id, sio::json args, const std::string& nsp) {
  send({sio::packet_type::ack, nsp, std::move(args), id});
}

void sio_client::send_raw(const std::string& text) {
  ws_->send_text(text);
}
void sio_client::send_binary(const std::string& bytes) {
  ws_->send_binary(bytes);
}

std::optional<sio::packet> sio_client::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) return std::nullopt;
    auto m = ws_->read(left);
    if (!m) return std::nullopt;
    std::optional<sio::packet> p;
    if (m->binary) {
      if (decoder_.add_binary(m->data, p)) throw std::runtime_error("bad attachment from server");
    } else if (m->data == "2") {
      if (pong_) ws_->send_text("3");
      continue;
    } else if (m->data.starts_with("4")) {
      if (auto ec = decoder_.add_text(std::string_view(m->data).substr(1), p)) {
        throw std::runtime_error("bad packet from server: " + m->data + ": " + ec.message());
      }
    } else {
      continue;  // other Engine.IO packets
    }
    if (p) return p;
  }
}

std::optional<sio::packet> sio_client::wait_until(const std::function<bool(const sio::packet&)>& match,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto p = next(left);
    if (!p || match(*p)) return p;
  }
}

std::optional<sio::packet> sio_client::wait_event(const std::string& event, const std::string& nsp,
                                                  std::chrono::milliseconds timeout) {
  return wait_until(
      [&](const sio::packet& p) {
        const bool is_event = p.type == sio::packet_type::event || p.type == sio::packet_type::binary_event;
        return is_event && p.nsp == nsp && p.data[0] == event;
      },
      timeout);
}

std::optional<sio::packet> sio_client::wait_ack(std::uint64_t id, const std::string& nsp,
                                                std::chrono::milliseconds timeout) {
  return wait_until(
      [&](const sio::packet& p) {
        const bool is_ack = p.type == sio::packet_type::ack || p.type == sio::packet_type::binary_ack;
        return is_ack && p.nsp == nsp && p.id == id;
      },
      timeout);
}

bool sio_client::wait_disconnect(const std::string& nsp, std::chrono::milliseconds timeout) {
  return wait_until([&](const sio::packet& p) { return p.type == sio::packet_type::disconnect && p.nsp == nsp; },
                    timeout)
      .has_value();
}

bool sio_client::wait_closed(std::chrono::milliseconds timeout) {
  return ws_->wait_closed(timeout);
}

void sio_client::close() {
  ws_->close();
}

}  // namespace sockio::test
