// Fuzz target: Engine.IO long-polling payloads and packets. Any input must decode to a
// defined result (never crash), and what decodes must survive encode -> decode unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "sockio/codec/engine/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockio::engine;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<packet> packets;
  if (decode_payload(input, packets)) return 0;
  std::vector<packet_view> views;
  for (const auto& p : packets) views.push_back({p.type, p.data, p.binary});
  std::string encoded;
  encode_payload(views, encoded);
  std::vector<packet> again;
  if (decode_payload(encoded, again) || again != packets) std::abort();
  return 0;
}
