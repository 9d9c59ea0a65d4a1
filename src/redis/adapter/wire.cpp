#include "sockio/redis/wire.hpp"

#include <algorithm>

#include "sockio/codec/msgpack.hpp"

namespace sockio::redis::wire {

namespace {

void write_rooms(codec::msgpack_writer& w, const std::set<sio::room>& rooms) {
  w.array(rooms.size());
  for (const auto& r : rooms) w.string(r);
}

/// The flags socket.io puts on the wire: only those set (its default is `{}`), in the
/// order its broadcast operator sets them.
ojson encode_flags(const sio::broadcast_flags& f) {
  ojson j = ojson::object();
  if (f.volatile_) j["volatile"] = true;
  if (!f.compress) j["compress"] = false;
  if (f.local) j["local"] = true;
  if (f.timeout) j["timeout"] = f.timeout->count();
  return j;
}

void write_flags(codec::msgpack_writer& w, const sio::broadcast_flags& f) {
  const auto flags = encode_flags(f);
  w.map(flags.size());
  for (const auto& [key, value] : flags.items()) w.string(key).value(json(value));
}

/// A room name from the wire: JavaScript rooms may be numbers, which are rooms by their
/// decimal text.
std::optional<sio::room> as_room(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return j.dump();
  return std::nullopt;
}

bool read_rooms(const json& j, std::set<sio::room>& out) {
  if (j.is_null()) return true;
  if (!j.is_array()) return false;
  for (const auto& e : j) {
    auto r = as_room(e);
    if (!r) return false;
    out.insert(std::move(*r));
  }
  return true;
}

}  // namespace

channels::channels(const std::string& key, const std::string& nsp, const std::string& uid)
    : broadcast(key + "#" + nsp + "#"),
      pattern(broadcast + "*"),
      request(key + "-request#" + nsp + "#"),
      response(key + "-response#" + nsp + "#"),
      specific_response(response + uid + "#") {}

std::string channels::broadcast_for(const sio::broadcast_options& options) const {
  if (options.rooms.size() == 1) return broadcast + *options.rooms.begin() + "#";
  return broadcast;
}

std::string channels::response_for(const std::string& requester, bool specific) const {
  return specific ? response + requester + "#" : response;
}

namespace {

/// `{type: 2, data, nsp}`: socket.io's event packet, EVENT even with binary data.
void write_event_packet(codec::msgpack_writer& w, const sio::packet& p) {
  w.map(3).string("type").value(2).string("data").value(p.data).string("nsp").string(p.nsp);
}

/// `{rooms, except, flags}`.
void write_options(codec::msgpack_writer& w, const sio::broadcast_options& options) {
  w.map(3).string("rooms");
  write_rooms(w, options.rooms);
  w.string("except");
  write_rooms(w, options.except);
  w.string("flags");
  write_flags(w, options.flags);
}

}  // namespace

std::string encode_broadcast(const std::string& uid, const sio::packet& p, const sio::broadcast_options& options) {
  codec::msgpack_writer w;
  w.array(3).string(uid);
  write_event_packet(w, p);
  write_options(w, options);
  return w.take();
}

std::string encode_broadcast_with_ack(const std::string& uid, const std::string& request_id, const sio::packet& p,
                                      const sio::broadcast_options& options) {
  codec::msgpack_writer w;
  w.map(5).string("uid").string(uid).string("requestId").string(request_id).string("type").value(7);
  w.string("packet");
  write_event_packet(w, p);
  w.string("opts");
  write_options(w, options);
  return w.take();
}

std::string all_rooms_request(const std::string& uid, const std::string& request_id) {
  return ojson{{"uid", uid}, {"requestId", request_id}, {"type", 1}}.dump(-1, ' ', false,
                                                                          ojson::error_handler_t::replace);
}

std::string fetch_sockets_request(const std::string& uid, const std::string& request_id,
                                  const sio::broadcast_options& options) {
  return ojson{{"uid", uid}, {"requestId", request_id}, {"type", 5}, {"opts", encode_options(options, false)}}.dump(
      -1, ' ', false, ojson::error_handler_t::replace);
}

std::string rooms_request(request_type type, const std::string& uid, const sio::broadcast_options& options,
                          const std::vector<sio::room>& rooms) {
  return ojson{
      {"uid", uid}, {"type", static_cast<int>(type)}, {"opts", encode_options(options, false)}, {"rooms", rooms}}
      .dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string disconnect_request(const std::string& uid, const sio::broadcast_options& options, bool close) {
  return ojson{{"uid", uid}, {"type", 4}, {"opts", encode_options(options, false)}, {"close", close}}.dump(
      -1, ' ', false, ojson::error_handler_t::replace);
}

std::string server_side_emit_request(const std::string& uid, const std::string& request_id, const json& data) {
  ojson request{{"uid", uid}};
  if (!request_id.empty()) request["requestId"] = request_id;
  request["type"] = 6;
  request["data"] = ojson(codec::javascript_json(data));
  return request.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string all_rooms_response(const std::string& request_id, const std::set<sio::room>& rooms) {
  return ojson{{"requestId", request_id}, {"rooms", std::vector<std::string>(rooms.begin(), rooms.end())}}.dump(
      -1, ' ', false, ojson::error_handler_t::replace);
}

std::string fetch_sockets_response(const std::string& request_id, const std::vector<sio::remote_socket>& sockets) {
  ojson found = ojson::array();
  for (const auto& s : sockets) found.push_back(ojson(encode_socket(s)));
  return ojson{{"requestId", request_id}, {"sockets", std::move(found)}}.dump(-1, ' ', false,
                                                                              ojson::error_handler_t::replace);
}

std::string sockets_response(const std::string& request_id, const std::vector<sio::remote_socket>& sockets) {
  std::vector<std::string> ids;
  for (const auto& s : sockets) ids.push_back(s.id);
  return ojson{{"requestId", request_id}, {"sockets", ids}}.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string server_side_emit_response(const std::string& request_id, const json& args) {
  ojson answer{{"type", 6}, {"requestId", request_id}};
  // JSON.stringify leaves out an undefined `data`: an acknowledgement without arguments.
  if (args.is_array() && !args.empty()) answer["data"] = ojson(codec::javascript_json(args[0]));
  return answer.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string client_count_response(const std::string& request_id, std::size_t clients) {
  return ojson{{"type", 8}, {"requestId", request_id}, {"clientCount", clients}}.dump(-1, ' ', false,
                                                                                      ojson::error_handler_t::replace);
}

std::string broadcast_ack_response(const std::string& request_id, const json& args) {
  codec::msgpack_writer w;
  w.map(3).string("type").value(9).string("requestId").string(request_id).string("packet");
  w.value(args.is_array() && !args.empty() ? args[0] : json());
  return w.take();
}

std::optional<sio::packet> decode_event_packet(const json& j, const std::string& nsp) {
  if (!j.is_object()) return std::nullopt;
  const auto type = j.find("type");
  const auto data = j.find("data");
  // Type 2 (EVENT) as socket.io publishes it; 5 (BINARY_EVENT) taken as the same.
  if (type == j.end() || !type->is_number_integer() || (*type != 2 && *type != 5)) return std::nullopt;
  if (data == j.end() || !data->is_array() || data->empty() || !(*data)[0].is_string()) return std::nullopt;
  return sio::packet::event(nsp, *data);
}

std::optional<broadcast_message> decode_broadcast(std::string_view bytes, std::string& error) {
  auto decoded = codec::from_msgpack(bytes);
  if (!decoded.value) {
    error = "msgpack: " + decoded.error;
    return std::nullopt;
  }
  auto& v = *decoded.value;
  if (!v.is_array() || v.size() < 2 || !v[0].is_string() || !v[1].is_object()) {
    error = "not [uid, packet, opts]";
    return std::nullopt;
  }
  broadcast_message m;
  m.uid = v[0].get<std::string>();
  const auto nsp = v[1].find("nsp");
  const std::string name = nsp != v[1].end() && nsp->is_string() ? nsp->get<std::string>() : "/";
  auto p = decode_event_packet(v[1], name);
  if (!p) {
    error = "the packet is not an event";
    return std::nullopt;
  }
  m.packet = std::move(*p);
  auto options = decode_options(v.size() > 2 ? v[2] : json::object());
  if (!options) {
    error = "bad broadcast options";
    return std::nullopt;
  }
  m.options = std::move(*options);
  return m;
}

namespace {

/// As the msgpack decoder's limit.
constexpr std::size_t max_depth = 64;

}  // namespace

std::optional<json> decode_envelope(std::string_view bytes, std::string& error) {
  if (!bytes.empty() && bytes.front() == '{') {
    if (sio::json_depth(bytes) > max_depth) {
      error = "nested too deep";
      return std::nullopt;
    }
    auto j = json::parse(bytes, nullptr, false);
    if (j.is_discarded()) {
      error = "invalid JSON";
      return std::nullopt;
    }
    return j;
  }
  auto decoded = codec::from_msgpack(bytes, max_depth);
  if (!decoded.value) {
    error = "msgpack: " + decoded.error;
    return std::nullopt;
  }
  return std::move(decoded.value);
}

ojson encode_options(const sio::broadcast_options& options, bool with_flags) {
  ojson j = ojson::object();
  j["rooms"] = std::vector<std::string>(options.rooms.begin(), options.rooms.end());
  j["except"] = std::vector<std::string>(options.except.begin(), options.except.end());
  if (with_flags) j["flags"] = encode_flags(options.flags);
  return j;
}

std::optional<sio::broadcast_options> decode_options(const json& j) {
  sio::broadcast_options o;
  if (j.is_null()) return o;
  if (!j.is_object()) return std::nullopt;
  if (const auto it = j.find("rooms"); it != j.end() && !read_rooms(*it, o.rooms)) return std::nullopt;
  if (const auto it = j.find("except"); it != j.end() && !read_rooms(*it, o.except)) return std::nullopt;
  if (const auto it = j.find("flags"); it != j.end() && it->is_object()) {
    const auto flag = [&](const char* name) {
      const auto f = it->find(name);
      return f != it->end() && f->is_boolean() ? std::optional<bool>(f->get<bool>()) : std::nullopt;
    };
    o.flags.volatile_ = flag("volatile").value_or(false);
    o.flags.compress = flag("compress").value_or(true);
    if (const auto t = it->find("timeout"); t != it->end() && t->is_number() && *t >= 0) {
      o.flags.timeout = std::chrono::milliseconds(t->get<std::int64_t>());
    }
  }
  return o;
}

json encode_socket(const sio::remote_socket& s) {
  return json{{"id", s.id},
              {"handshake", sio::to_json(s.handshake)},
              {"rooms", std::vector<std::string>(s.rooms.begin(), s.rooms.end())},
              {"data", codec::javascript_json(s.data)}};
}

std::optional<sio::remote_socket> decode_socket(const json& j, sio::namespace_* nsp) {
  if (!j.is_object()) return std::nullopt;
  const auto id = j.find("id");
  if (id == j.end() || !id->is_string()) return std::nullopt;
  sio::remote_socket s;
  s.id = id->get<std::string>();
  if (const auto hs = j.find("handshake"); hs != j.end()) s.handshake = sio::handshake_from_json(*hs);
  if (const auto rooms = j.find("rooms"); rooms != j.end() && !read_rooms(*rooms, s.rooms)) return std::nullopt;
  if (const auto data = j.find("data"); data != j.end()) s.data = *data;
  s.nsp = nsp;
  s.remote = true;
  return s;
}

}  // namespace sockio::redis::wire
