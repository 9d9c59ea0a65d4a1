// WebSocket frames (RFC 6455): opcodes, close codes, frame headers for both roles,
// masking. Pure, no I/O (library sockio::codec).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sockio::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Which end of the connection a piece of code plays: a server reads masked frames and
/// writes unmasked ones, a client the reverse (RFC 6455 section 5.1).
enum class role { server, client };

/// Close codes sockio sends.
enum close_code : std::uint16_t {
  normal = 1000,
  protocol_error = 1002,
  invalid_payload = 1007,  ///< text that is not UTF-8
  message_too_big = 1009,
};

/// The 4-byte masking key of a client frame.
using mask_key = std::array<std::uint8_t, 4>;

/// Largest frame header: 2 bytes, an 8-byte length, a 4-byte masking key.
constexpr std::size_t max_header_size = 14;

/// Writes the header of an unmasked, final frame carrying `length` bytes (a server's)
/// into `out` (at least `max_header_size` bytes); returns its size.
std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t length) noexcept;

/// Writes the header of a masked, final frame (a client's) with masking key `key`;
/// the payload that follows must be masked with the same key (`apply_mask`).
std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t length, const mask_key& key) noexcept;

/// XORs `size` bytes with `key`, the first byte being at position `offset` of the frame's
/// payload (so a payload can be masked in pieces). Masking twice unmasks.
void apply_mask(char* data, std::size_t size, const mask_key& key, std::size_t offset = 0) noexcept;

/// A fresh masking key from OpenSSL's CSPRNG (RFC 6455 section 5.3 asks for an
/// unpredictable key per frame). Throws `std::runtime_error` if the generator fails.
mask_key make_mask_key();

}  // namespace sockio::ws
