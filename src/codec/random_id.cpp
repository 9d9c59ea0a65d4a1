#include "sockio/codec/random_id.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace sockio::codec {

std::string random_id(std::size_t length) {
  // Random bytes in stack-sized chunks: ids are made per connection, with no allocation
  // beyond the id itself.
  std::string id(length, '\0');
  unsigned char random[32];
  for (std::size_t done = 0; done < length; done += sizeof random) {
    const auto n = std::min(sizeof random, length - done);
    if (RAND_bytes(random, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
    for (std::size_t i = 0; i < n; ++i) id[done + i] = id_alphabet[random[i] & 63];
  }
  return id;
}

std::string random_hex(std::size_t bytes) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string hex(2 * bytes, '\0');
  unsigned char random[32];
  for (std::size_t done = 0; done < bytes; done += sizeof random) {
    const auto n = std::min(sizeof random, bytes - done);
    if (RAND_bytes(random, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
    for (std::size_t i = 0; i < n; ++i) {
      hex[2 * (done + i)] = digits[random[i] >> 4];
      hex[2 * (done + i) + 1] = digits[random[i] & 15];
    }
  }
  return hex;
}

bool is_random_id(std::string_view text) noexcept {
  return text.size() == id_length && text.find_first_not_of(id_alphabet) == std::string_view::npos;
}

}  // namespace sockio::codec
