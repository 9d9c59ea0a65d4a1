// Fuzz target: what the Redis adapters decode from their channels (the classic
// protocol's broadcasts in msgpack, requests and responses in JSON or msgpack; the
// ClusterMessage envelope of the sharded and streams adapters). It must never crash, a
// value msgpack gives back must encode and decode to itself, and a ClusterMessage read
// must encode to one that reads back with the same type.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sockio/codec/msgpack.hpp"
#include "sockio/redis/cluster_wire.hpp"
#include "sockio/redis/wire.hpp"

namespace wire = sockio::redis::wire;
namespace cluster_wire = sockio::redis::cluster_wire;
namespace codec = sockio::codec;

namespace {

/// NaN is the one value not equal to itself.
bool has_nan(const codec::json& v) {
  if (v.is_number_float()) return v.get<double>() != v.get<double>();
  if (v.is_array() || v.is_object()) {
    for (const auto& e : v) {
      if (has_nan(e)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto m = wire::decode_broadcast(input, error)) {
    if (wire::encode_broadcast(m->uid, m->packet, m->options).empty()) std::abort();
  }
  if (auto j = wire::decode_envelope(input, error); j && j->is_object()) {
    if (const auto opts = j->find("opts"); opts != j->end()) (void)wire::decode_options(*opts);
    if (const auto p = j->find("packet"); p != j->end()) (void)wire::decode_event_packet(*p, "/");
    if (const auto sockets = j->find("sockets"); sockets != j->end() && sockets->is_array()) {
      for (const auto& s : *sockets) (void)wire::decode_socket(s, nullptr);
    }
  }
  if (auto m = cluster_wire::decode(input, error)) {
    const auto bytes = cluster_wire::encode(m->type, wire::ojson(m->data), m->uid, m->nsp);
    std::string again_error;
    const auto again = cluster_wire::decode(bytes, again_error);
    // (Texts that are not UTF-8 come back with U+FFFD in JSON, as from Node: not compared.)
    if (!again || again->type != m->type) std::abort();
  }
  if (auto v = codec::from_msgpack(input).value) {
    const auto again = codec::from_msgpack(codec::to_msgpack(*v));
    if (!again.value || (*again.value != *v && !has_nan(*v))) std::abort();
  }
  return 0;
}
