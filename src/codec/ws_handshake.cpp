#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "sockio/codec/base64.hpp"
#include "sockio/codec/ws/handshake.hpp"

namespace sockio::ws {

std::string accept_key(std::string_view client_key) {
  constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string text(client_key);
  text += guid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return codec::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string make_client_key() {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("RAND_bytes failed");
  return codec::base64_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
}

upgrade_check check_upgrade(std::string_view version, std::string_view key, bool is_get, bool http_1_1) noexcept {
  if (version != "13") return upgrade_check::unsupported_version;
  // A key is 16 bytes in base64: 24 characters.
  if (!is_get || !http_1_1 || key.size() != 24) return upgrade_check::bad_handshake;
  return upgrade_check::ok;
}

}  // namespace sockio::ws
