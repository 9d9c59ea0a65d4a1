#include "sockio/adapter/local_sockets.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "detail/core.hpp"

namespace sockio::sio {

frames make_frames(const packet& p) {
  auto encoded = encode(p);
  frames f;
  f.text = std::make_shared<const std::string>(std::move(encoded.text));
  f.attachments.reserve(encoded.attachments.size());
  for (auto& a : encoded.attachments) f.attachments.push_back(std::make_shared<const std::string>(std::move(a)));
  return f;
}

const std::string& local_sockets::name() const noexcept {
  return nsp_.name();
}
unsigned local_sockets::shards() const noexcept {
  return nsp_.state().core.shards();
}
unsigned local_sockets::home_shard() const {
  return nsp_.state().core.home_shard();
}
boost::asio::io_context& local_sockets::context(unsigned shard) {
  return nsp_.state().core.context(shard);
}

void local_sockets::run_on(unsigned shard, std::function<void()> fn) {
  nsp_.state().core.run_on(shard, std::move(fn));
}

void local_sockets::post(unsigned shard, std::function<void()> fn) {
  boost::asio::post(context(shard), std::move(fn));
}

void local_sockets::run_on_all(const std::function<void(unsigned)>& fn) {
  nsp_.state().core.run_on_all(fn);
}

const local_sockets::socket_map& local_sockets::of_shard(unsigned shard) const {
  return nsp_.state().sockets[shard];
}

void local_sockets::deliver(socket& s, const frames& f, bool volatile_) {
  s.client_->send(f, volatile_);
}

void local_sockets::expect_ack(socket& s, std::uint64_t id, ack_callback callback) {
  s.state().acks[id] = {std::move(callback), nullptr};
}

std::uint64_t local_sockets::next_ack_id() {
  return nsp_.state().next_ack_id++;
}

bool local_sockets::add_room(socket& s, const room& r) {
  if (r == s.id_) return !std::exchange(s.in_own_room_, true);
  return s.insert_room(r);
}
bool local_sockets::remove_room(socket& s, const room& r) {
  if (r == s.id_) return std::exchange(s.in_own_room_, false);
  return s.erase_room(r);
}

void local_sockets::emit_room_event(room_event e, const room& r, const std::string& sid) {
  nsp_.state().emit_room_event(e, r, sid);
}

void local_sockets::server_side_event(json data, std::function<void(json)> ack) {
  if (!data.is_array() || data.empty() || !data[0].is_string()) return;
  run_on(0, [nsp = &nsp_, data = std::move(data), ack = std::move(ack)]() mutable {
    const auto& handlers = nsp->state().server_side_handlers;
    const auto it = handlers.find(data[0].get_ref<const std::string&>());
    if (it == handlers.end()) return;
    data.erase(data.begin());
    it->second(std::move(data), ack ? ack_fn(std::move(ack)) : ack_fn());
  });
}

bool local_sockets::recovery_enabled() const noexcept {
  return nsp_.state().recovery_enabled();
}

std::chrono::milliseconds local_sockets::max_disconnection_duration() const noexcept {
  const auto& recovery = nsp_.state().core.options.connection_state_recovery;
  return recovery ? recovery->max_disconnection_duration : std::chrono::milliseconds(0);
}

}  // namespace sockio::sio
