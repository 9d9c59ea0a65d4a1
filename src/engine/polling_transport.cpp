#include "detail/polling_transport.hpp"

namespace sockio::engine::detail {

void polling_transport::push(outgoing p) {
  queued_bytes_ += p.size();
  queue_.push_back(std::move(p));
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
  if (!poll_ || queue_.empty()) return false;
  std::vector<packet_view> views;
  views.reserve(queue_.size());
  for (const auto& p : queue_) views.push_back({p.type, p.view(), p.binary});
  std::string payload;
  payload.reserve(queued_bytes_ + queue_.size() * 2);
  encode_payload(views, payload);
  queue_.clear();
  queued_bytes_ = 0;
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
  std::vector<outgoing> out;
  out.swap(queue_);
  queued_bytes_ = 0;
  return out;
}

void polling_transport::clear() {
  queue_.clear();
  queued_bytes_ = 0;
}

}  // namespace sockio::engine::detail
