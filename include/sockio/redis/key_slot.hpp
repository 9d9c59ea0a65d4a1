// The hash slot of a key in a Redis Cluster.
#pragma once

#include <cstdint>
#include <string_view>

namespace sockio::redis {

/// The number of hash slots of a Redis Cluster.
inline constexpr std::uint16_t cluster_slot_count = 16384;

/// The slot (0-16383) of `key`, as Redis Cluster computes it: CRC16 (XMODEM) modulo
/// 16384 of the key's hash tag when it has one — the text between its first `{` and the
/// first `}` after it, when not empty — and of the whole key otherwise. Keys (and
/// sharded pub/sub channels) with the same tag live on the same node.
std::uint16_t key_slot(std::string_view key) noexcept;

/// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum behind `key_slot`.
std::uint16_t crc16(std::string_view data) noexcept;

}  // namespace sockio::redis
