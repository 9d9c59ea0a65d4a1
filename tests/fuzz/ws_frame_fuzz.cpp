// Fuzz target: WebSocket client frames. Any bytes, in any chunking, must give the same
// events or the same error, never a crash; text events are valid UTF-8 and no message
// exceeds the limit.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sockio/codec/ws/frame_reader.hpp"

namespace {

using namespace sockio::ws;

struct outcome {
  std::vector<std::pair<int, std::string>> events;
  bool ok = true;
  std::uint16_t error = 0;
  bool operator==(const outcome&) const = default;
};

outcome run(const std::uint8_t* data, std::size_t size, std::size_t chunk) {
  constexpr std::size_t max_message = 4096;
  frame_reader r(role::server, max_message);
  outcome out;
  for (std::size_t i = 0; i < size && out.ok; i += chunk) {
    std::string part(reinterpret_cast<const char*>(data) + i, std::min(chunk, size - i));
    out.ok = r.feed(part.data(), part.size(), [&](const event& e) {
      if (e.data.size() > max_message) std::abort();
      if (e.op == opcode::text && !valid_utf8(e.data)) std::abort();
      out.events.emplace_back(static_cast<int>(e.op), std::string(e.data));
      return true;
    });
  }
  if (!out.ok) out.error = r.error();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto whole = run(data, size, size ? size : 1);
  const auto bytewise = run(data, size, 1);
  if (!(whole == bytewise)) std::abort();
  return 0;
}
