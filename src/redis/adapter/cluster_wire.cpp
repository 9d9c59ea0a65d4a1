#include "sockio/redis/cluster_wire.hpp"

#include <algorithm>

#include "sockio/codec/base64.hpp"
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

/// A message type written as decimal text ("3"), or 0.
int type_of_text(std::string_view text) {
  if (text.empty() || text.size() > 2 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::stoi(std::string(text));
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

std::string encode_msgpack(message_type type, const ojson& data, const std::string& uid, const std::string& nsp) {
  codec::msgpack_writer w;
  w.map(data.is_null() ? 3 : 4).string("type").value(static_cast<int>(type));
  if (!data.is_null()) {
    w.string("data");
    write_ordered(w, data);
  }
  w.string("uid").string(uid).string("nsp").string(nsp);
  return w.take();
}

std::string encode(message_type type, const ojson& data, const std::string& uid, const std::string& nsp) {
  if (may_carry_binary(type) && has_binary(json(data))) return encode_msgpack(type, data, uid, nsp);
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
    t = type_of_text(type->get_ref<const std::string&>());
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

std::vector<std::string> stream_fields(message_type type, const ojson& data, const std::string& uid,
                                       const std::string& nsp, bool only_plaintext) {
  std::vector<std::string> out{"uid", uid, "nsp", nsp, "type", std::to_string(static_cast<int>(type))};
  if (data.is_null()) return out;
  out.emplace_back("data");
  if (!only_plaintext && may_carry_binary(type) && has_binary(json(data))) {
    codec::msgpack_writer w;
    write_ordered(w, data);
    out.push_back(codec::base64_encode(w.bytes()));
  } else {
    out.push_back(data.dump(-1, ' ', false, ojson::error_handler_t::replace));
  }
  return out;
}

std::optional<message> decode_stream_entry(const std::vector<std::string>& fields, std::string& error) {
  const auto field = [&](std::string_view name) -> const std::string* {
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i] == name) return &fields[i + 1];
    }
    return nullptr;
  };
  const auto* uid = field("uid");
  const auto* nsp = field("nsp");
  const auto* type = field("type");
  if (!uid || !nsp || !type) {
    error = "an entry without uid, nsp or type";
    return std::nullopt;
  }
  const int t = type_of_text(*type);
  if (t < 1 || t > 13) {
    error = "no message type";
    return std::nullopt;
  }
  message m{static_cast<message_type>(t), nullptr, *uid, *nsp};
  if (const auto* data = field("data"); data && !data->empty()) {
    // As Node: JSON when it starts with '{', base64 msgpack otherwise.
    std::optional<std::string> bytes;
    if ((*data)[0] != '{') bytes = codec::base64_decode(*data);
    if ((*data)[0] != '{' && (!bytes || bytes->empty() || (*bytes)[0] == '{')) {
      error = "data that is neither JSON nor base64 msgpack";
      return std::nullopt;
    }
    auto decoded = wire::decode_envelope(bytes ? *bytes : *data, error);
    if (!decoded) return std::nullopt;
    m.data = std::move(*decoded);
  }
  return m;
}

std::string stream_name(const std::string& name, unsigned count, const std::string& nsp) {
  if (count <= 1) return name;
  // JavaScript's `h = h * 31 + c; h |= 0` over the UTF-16 code units of the name.
  std::uint32_t h = 0;
  const auto add = [&h](std::uint32_t unit) { h = h * 31u + unit; };
  for (std::size_t i = 0; i < nsp.size();) {
    const auto c = static_cast<unsigned char>(nsp[i]);
    const int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    std::uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k <= extra && i + k < nsp.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(nsp[i + k]) & 0x3F);
    i += 1 + extra;
    if (cp >= 0x10000) {
      add(0xD800 + ((cp - 0x10000) >> 10));
      add(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      add(cp);
    }
  }
  const auto i = static_cast<std::int32_t>(h) % static_cast<std::int32_t>(count);  // the sign kept, as JS's %
  return name + "-" + std::to_string(i);
}

std::string encode_session(const sio::session_snapshot& session) {
  codec::msgpack_writer w;
  w.map(4).string("sid").string(session.sid).string("pid").string(session.pid).string("rooms");
  w.array(session.rooms.size());
  for (const auto& r : session.rooms) w.string(r);
  w.string("data").value(session.data);
  return codec::base64_encode(w.bytes());
}

std::optional<sio::session_snapshot> decode_session(std::string_view text, std::string& error) {
  const auto bytes = codec::base64_decode(text);
  if (!bytes || bytes->empty() || (*bytes)[0] == '{') {
    error = "a session that is not base64 msgpack";
    return std::nullopt;
  }
  auto v = wire::decode_envelope(*bytes, error);
  if (!v) return std::nullopt;
  const auto sid = v->find("sid");
  const auto pid = v->find("pid");
  const auto rooms = v->find("rooms");
  if (!v->is_object() || sid == v->end() || !sid->is_string() || pid == v->end() || !pid->is_string() ||
      rooms == v->end() || !rooms->is_array()) {
    error = "a session without sid, pid or rooms";
    return std::nullopt;
  }
  sio::session_snapshot s{sid->get<std::string>(), pid->get<std::string>(), {}, nullptr};
  for (const auto& r : *rooms) {
    if (r.is_string()) s.rooms.insert(r.get<std::string>());
  }
  if (const auto data = v->find("data"); data != v->end()) s.data = *data;
  return s;
}

}  // namespace sockio::redis::cluster_wire
