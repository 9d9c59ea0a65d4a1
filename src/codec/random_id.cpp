#include "sockio/codec/random_id.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace sockio::codec {

std::string random_id(std::size_t length) {
  std::vector<unsigned char> random(length);
  if (length > 0 && RAND_bytes(random.data(), static_cast<int>(length)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string id(length, '\0');
  for (std::size_t i = 0; i < length; ++i) id[i] = id_alphabet[random[i] & 63];
  return id;
}

bool is_random_id(std::string_view text) noexcept {
  return text.size() == id_length && text.find_first_not_of(id_alphabet) == std::string_view::npos;
}

}  // namespace sockio::codec
