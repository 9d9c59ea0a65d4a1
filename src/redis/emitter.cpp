#include "sockio/redis/emitter.hpp"

#include "sockio/codec/msgpack.hpp"

namespace sockio::redis {

namespace {

/// The node id the adapters know as "the emitter" (never a peer that answers).
constexpr std::string_view emitter_uid = "emitter";

using ojson = nlohmann::ordered_json;

}  // namespace

emitter::emitter(std::shared_ptr<redis::connection> connection, std::string key)
    : connection_(std::move(connection)), key_(std::move(key)) {}

emitter emitter::of(std::string nsp) const {
  auto e = *this;
  if (nsp.empty() || nsp.front() != '/') nsp.insert(nsp.begin(), '/');
  e.nsp_ = std::move(nsp);
  return e;
}

emitter emitter::to(const std::string& room) const {
  auto e = *this;
  e.rooms_.insert(room);
  return e;
}

emitter emitter::to(const std::vector<std::string>& rooms) const {
  auto e = *this;
  e.rooms_.insert(rooms.begin(), rooms.end());
  return e;
}

emitter emitter::except(const std::string& room) const {
  auto e = *this;
  e.except_.insert(room);
  return e;
}

emitter emitter::except(const std::vector<std::string>& rooms) const {
  auto e = *this;
  e.except_.insert(rooms.begin(), rooms.end());
  return e;
}

emitter emitter::volatile_() const {
  auto e = *this;
  e.volatile_flag_ = true;
  return e;
}

emitter emitter::compress(bool value) const {
  auto e = *this;
  e.compress_ = value;
  return e;
}

void emitter::publish(std::string channel, std::string payload) const {
  connection_->command({"PUBLISH", std::move(channel), std::move(payload)});
}

void emitter::emit_args(std::string_view event, json args) const {
  auto [channel, payload] = broadcast_message(event, std::move(args));
  publish(std::move(channel), std::move(payload));
}

std::pair<std::string, std::string> emitter::broadcast_message(std::string_view event, json args) const {
  json data = sio::event_data(event, std::move(args));
  // [uid, packet, opts], with the emitter's key order: rooms, flags, except.
  codec::msgpack_writer w;
  w.array(3).string(emitter_uid);
  w.map(3).string("type").value(2).string("data").value(data).string("nsp").string(nsp_);
  w.map(3).string("rooms").value(json(rooms_));
  const std::size_t flags = (volatile_flag_ ? 1 : 0) + (compress_ ? 1 : 0);
  w.string("flags").map(flags);
  if (volatile_flag_) w.string("volatile").value(true);
  if (compress_) w.string("compress").value(*compress_);
  w.string("except").value(json(except_));
  auto channel = key_ + "#" + nsp_ + "#";
  if (rooms_.size() == 1) channel += *rooms_.begin() + "#";
  return {std::move(channel), w.take()};
}

std::string emitter::request(int type, const char* extra_key, const json& extra) const {
  ojson opts{{"rooms", rooms_}, {"except", except_}};
  return ojson{{"type", type}, {"opts", std::move(opts)}, {extra_key, ojson(extra)}}.dump(
      -1, ' ', false, ojson::error_handler_t::replace);
}

void emitter::sockets_join(const std::vector<std::string>& rooms) const {
  publish(key_ + "-request#" + nsp_ + "#", request(2, "rooms", json(rooms)));
}

void emitter::sockets_leave(const std::vector<std::string>& rooms) const {
  publish(key_ + "-request#" + nsp_ + "#", request(3, "rooms", json(rooms)));
}

void emitter::disconnect_sockets(bool close) const {
  publish(key_ + "-request#" + nsp_ + "#", request(4, "close", json(close)));
}

void emitter::server_side_emit(std::string_view event, json args) const {
  const json data = codec::javascript_json(sio::event_data(event, std::move(args)));
  publish(key_ + "-request#" + nsp_ + "#", ojson{{"uid", emitter_uid}, {"type", 6}, {"data", ojson(data)}}.dump(
                                               -1, ' ', false, ojson::error_handler_t::replace));
}

}  // namespace sockio::redis
