#include "detail/polling_transport.hpp"

namespace sockio::engine::detail {

void polling_transport::push(outgoing p) {
  if (!queue_) queue_ = std::make_unique<queued>();
  queue_->bytes += p.size();
  queue_->packets.push_back(std::move(p));
}

void polling_transport::park(std::uint64_t id, reply_fn reply) {
  poll_ = std::make_unique<pending_poll>(pending_poll{id, std::move(reply)});
}

reply_fn polling_transport::take_reply() {
  auto reply = std::move(poll_->reply);
  poll_.reset();
  return reply;
}

bool polling_transport::flush() {
  if (!poll_ || !queue_) return false;
  const auto& packets = queue_->packets;
  std::vector<packet_view> views;
  views.reserve(packets.size());
  for (const auto& p : packets) views.push_back({p.type, p.view(), p.binary});
  std::string payload;
  payload.reserve(queue_->bytes + packets.size() * 2);
  encode_payload(views, payload);
  queue_.reset();
  take_reply()(http_reply::text(200, std::move(payload)));
  return true;
}

void polling_transport::release(packet_type type) {
  if (poll_) take_reply()(single_packet(type));
}

bool polling_transport::abort(std::uint64_t id) {
  if (!poll_ || poll_->id != id) return false;
  poll_.reset();
  return true;
}

std::vector<outgoing> polling_transport::take() {
  if (!queue_) return {};
  auto out = std::move(queue_->packets);
  queue_.reset();
  return out;
}

void polling_transport::clear() {
  queue_.reset();
}

}  // namespace sockio::engine::detail
