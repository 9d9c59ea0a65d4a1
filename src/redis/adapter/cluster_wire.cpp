#include "sockio/redis/cluster_wire.hpp"

#include <algorithm>

#include "sockio/codec/msgpack.hpp"

namespace sockio::redis::cluster_wire {

namespace {

bool has_binary(const json& v) {
  if (v.is_binary()) return true;
  if (v.is_array() || v.is_object()) {
    for (const auto& e : v) {
      if (has_binary(e)) return true;
    }
  }
  return false;
}

/// msgpack of `v` with its objects' keys in their order (the writer's `value` takes a
/// std::map-ordered json).
void write_ordered(codec::msgpack_writer& w, const ojson& v) {
  if (v.is_object()) {
    w.map(v.size());
    for (const auto& [key, item] : v.items()) {
      w.string(key);
      write_ordered(w, item);
    }
  } else if (v.is_array()) {
    w.array(v.size());
    for (const auto& item : v) write_ordered(w, item);
  } else {
    w.value(json(v));
  }
}

bool may_carry_binary(message_type t) {
  return t == message_type::broadcast || t == message_type::broadcast_ack ||
         t == message_type::fetch_sockets_response || t == message_type::server_side_emit ||
         t == message_type::server_side_emit_response;
}

/// A socket id of socket.io is 20 characters; the sharded adapter tells them by length.
bool looks_like_a_socket_id(const std::string& room) {
  return room.size() == 20;
}

}  // namespace

sharded_channels::sharded_channels(const std::string& prefix, const std::string& nsp, const std::string& uid)
    : main(prefix + "#" + nsp + "#"), response(main + uid + "#") {}

std::string sharded_channels::broadcast_channel(subscription_mode mode, const sio::broadcast_options& options,
                                                bool with_ack) const {
  if (with_ack || options.rooms.size() != 1) return main;
  const auto& only = *options.rooms.begin();
  const bool dynamic = (mode == subscription_mode::dynamic && !looks_like_a_socket_id(only)) ||
                       mode == subscription_mode::dynamic_private;
  return dynamic ? room(only) : main;
}

bool subscribes_to_room(subscription_mode mode, bool is_socket_id) {
  return mode == subscription_mode::dynamic_private || (mode == subscription_mode::dynamic && !is_socket_id);
}

std::string encode(message_type type, const ojson& data, const std::string& uid, const std::string& nsp) {
  if (may_carry_binary(type) && has_binary(json(data))) {
    codec::msgpack_writer w;
    w.map(4).string("type").value(static_cast<int>(type)).string("data");
    write_ordered(w, data);
    w.string("uid").string(uid).string("nsp").string(nsp);
    return w.take();
  }
  ojson envelope{{"type", static_cast<int>(type)}};
  if (!data.is_null()) envelope["data"] = data;
  envelope["uid"] = uid;
  envelope["nsp"] = nsp;
  return envelope.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

ojson broadcast_data(const sio::packet& p, const sio::broadcast_options& options, const std::string& request_id) {
  ojson d{{"packet", ojson{{"type", 2}, {"data", ojson(p.data)}}}};
  if (!request_id.empty()) d["requestId"] = request_id;
  d["opts"] = wire::encode_options(options, true);
  return d;
}

ojson rooms_data(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  return ojson{{"opts", wire::encode_options(options, true)}, {"rooms", rooms}};
}

ojson disconnect_data(const sio::broadcast_options& options, bool close) {
  return ojson{{"opts", wire::encode_options(options, true)}, {"close", close}};
}

ojson fetch_sockets_data(const sio::broadcast_options& options, const std::string& request_id) {
  return ojson{{"opts", wire::encode_options(options, true)}, {"requestId", request_id}};
}

ojson fetch_sockets_response_data(const std::string& request_id, const std::vector<sio::remote_socket>& sockets) {
  ojson found = ojson::array();
  for (const auto& s : sockets) {
    // The socket's data as it is (binary stays binary: the message is msgpack then).
    found.push_back(ojson{{"id", s.id},
                          {"handshake", ojson(sio::to_json(s.handshake))},
                          {"rooms", std::vector<std::string>(s.rooms.begin(), s.rooms.end())},
                          {"data", ojson(s.data)}});
  }
  return ojson{{"requestId", request_id}, {"sockets", std::move(found)}};
}

ojson server_side_emit_data(const json& event_and_args, const std::string& request_id) {
  ojson d = ojson::object();
  if (!request_id.empty()) d["requestId"] = request_id;
  d["packet"] = ojson(event_and_args);
  return d;
}

ojson first_argument_data(const std::string& request_id, const json& args) {
  ojson d{{"requestId", request_id}};
  if (args.is_array() && !args.empty()) d["packet"] = ojson(args[0]);
  return d;
}

ojson client_count_data(const std::string& request_id, std::size_t clients) {
  return ojson{{"requestId", request_id}, {"clientCount", clients}};
}

std::optional<message> decode(std::string_view bytes, std::string& error) {
  auto envelope = wire::decode_envelope(bytes, error);
  if (!envelope) return std::nullopt;
  if (!envelope->is_object()) {
    error = "not an object";
    return std::nullopt;
  }
  const auto& e = *envelope;
  const auto type = e.find("type");
  // Node writes the type as a number; a stream entry's field is its decimal text.
  int t = 0;
  if (type != e.end() && type->is_number_integer()) {
    t = type->get<int>();
  } else if (type != e.end() && type->is_string()) {
    const auto& text = type->get_ref<const std::string&>();
    if (!text.empty() && text.size() <= 2 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      t = std::stoi(text);
    }
  }
  if (t < 1 || t > 13) {
    error = "no message type";
    return std::nullopt;
  }
  const auto uid = e.find("uid");
  if (uid == e.end() || !uid->is_string()) {
    error = "no uid";
    return std::nullopt;
  }
  message m{static_cast<message_type>(t), nullptr, uid->get<std::string>(), ""};
  if (const auto nsp = e.find("nsp"); nsp != e.end() && nsp->is_string()) m.nsp = nsp->get<std::string>();
  if (const auto data = e.find("data"); data != e.end()) m.data = *data;
  return m;
}

}  // namespace sockio::redis::cluster_wire
