// Random identifiers: Engine.IO session ids, Socket.IO socket ids and private session ids.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sockio::codec {

/// The 64 URL-safe characters ids are made of; a character's index is its value.
inline constexpr std::string_view id_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Length of every id sockio makes (socket.io's socket ids are 20 characters too, and
/// Node's sharded Redis adapter tells socket-id rooms by that length).
inline constexpr std::size_t id_length = 20;

/// `length` random characters of `id_alphabet`, from OpenSSL's CSPRNG. Throws
/// `std::runtime_error` if the generator fails.
std::string random_id(std::size_t length = id_length);

/// `bytes` random bytes in lowercase hexadecimal (Node's `randomBytes(n).toString("hex")`:
/// the node and request ids of socket.io's ClusterAdapter), from OpenSSL's CSPRNG.
std::string random_hex(std::size_t bytes);

/// True when `text` has the form of an id made by `random_id()`: `id_length` characters
/// of `id_alphabet`. (The gateway refuses such room names: they are sockets' own rooms.)
bool is_random_id(std::string_view text) noexcept;

}  // namespace sockio::codec
