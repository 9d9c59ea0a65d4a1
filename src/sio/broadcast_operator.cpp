// The immutable broadcast operator: every selector returns a new one; actions go to the
// namespace's adapter.
#include "detail/core.hpp"

namespace sockio::sio {

broadcast_operator broadcast_operator::to(const room& r) const {
  return with([&](broadcast_options& o) { o.rooms.insert(r); });
}

broadcast_operator broadcast_operator::to(const std::vector<room>& rooms) const {
  return with([&](broadcast_options& o) { o.rooms.insert(rooms.begin(), rooms.end()); });
}

broadcast_operator broadcast_operator::except(const room& r) const {
  return with([&](broadcast_options& o) { o.except.insert(r); });
}

broadcast_operator broadcast_operator::except(const std::vector<room>& rooms) const {
  return with([&](broadcast_options& o) { o.except.insert(rooms.begin(), rooms.end()); });
}

broadcast_operator broadcast_operator::volatile_() const {
  return with([](broadcast_options& o) { o.flags.volatile_ = true; });
}

broadcast_operator broadcast_operator::local() const {
  return with([](broadcast_options& o) { o.flags.local = true; });
}

broadcast_operator broadcast_operator::compress(bool value) const {
  return with([&](broadcast_options& o) { o.flags.compress = value; });
}

broadcast_operator broadcast_operator::timeout(std::chrono::milliseconds value) const {
  return with([&](broadcast_options& o) { o.flags.timeout = value; });
}

void broadcast_operator::emit_args(std::string_view event, json args) const {
  json data = event_data(event, std::move(args));
  nsp_->state().adapter->broadcast(packet::event(nsp_->name(), std::move(data)), options_);
}

void broadcast_operator::emit_with_ack(std::string_view event, json args, ack_callback callback) const {
  auto& st = nsp_->state();
  json data = event_data(event, std::move(args));
  st.adapter->broadcast_with_ack(packet::event(nsp_->name(), std::move(data), st.next_ack_id++), options_,
                                 std::move(callback));
}

std::future<json> broadcast_operator::emit_with_ack(std::string_view event, json args) const {
  auto [callback, future] = detail::future_ack();
  emit_with_ack(event, std::move(args), std::move(callback));
  return std::move(future);
}

void broadcast_operator::fetch_sockets(
    std::function<void(std::error_code, std::vector<remote_socket>)> callback) const {
  nsp_->state().adapter->fetch_sockets(options_, std::move(callback));
}

void broadcast_operator::sockets_join(const std::vector<room>& rooms) const {
  nsp_->state().adapter->add_sockets(options_, rooms);
}

void broadcast_operator::sockets_leave(const std::vector<room>& rooms) const {
  nsp_->state().adapter->del_sockets(options_, rooms);
}

void broadcast_operator::disconnect_sockets(bool close) const {
  nsp_->state().adapter->disconnect_sockets(options_, close);
}

}  // namespace sockio::sio
