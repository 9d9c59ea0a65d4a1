// Fuzz target: the Socket.IO decoder, fed a sequence of messages (split at 0x1e; a chunk
// starting with 'B' is a binary attachment, anything else a text message). It must never
// crash; every packet it produces must survive encode -> decode unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sockio/codec/sio/packet.hpp"

namespace {

using namespace sockio::sio;

void check_round_trip(const packet& p) {
  const auto e = encode(p);
  decoder d(decoder_options{e.attachments.size() + 10, 1000});
  std::optional<packet> out;
  if (d.add_text(e.text, out)) std::abort();
  for (const auto& a : e.attachments) {
    if (d.add_binary(a, out)) std::abort();
  }
  if (!out || out->nsp != p.nsp || out->id != p.id || out->data != p.data) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  decoder d;
  while (true) {
    const auto end = input.find('\x1e');
    const auto chunk = input.substr(0, end);
    std::optional<packet> out;
    const auto ec =
        !chunk.empty() && chunk.front() == 'B' ? d.add_binary(chunk.substr(1), out) : d.add_text(chunk, out);
    if (ec) return 0;  // the connection would be closed here
    if (out) check_round_trip(*out);
    if (end == std::string_view::npos) return 0;
    input.remove_prefix(end + 1);
  }
}
