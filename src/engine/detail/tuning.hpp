// The engine's tuning constants, each with its reason (figures: docs/performance.md).
#pragma once

#include <chrono>
#include <cstddef>

namespace sockio::engine::detail::tuning {

/// A read buffer above this is released once its message is handled: idle connections
/// must not keep a large message's memory.
inline constexpr std::size_t shrink_above = 16 * 1024;
/// Largest HTTP request header (Node's default is 16 KiB as well); over it: 431.
inline constexpr std::size_t max_header_bytes = 16 * 1024;
/// Packets written in one gathered write at most (bounds one iovec array).
inline constexpr std::size_t max_batch = 4096;
/// Payloads up to this size are copied next to their frame header (one sendmsg for a
/// burst of small packets); larger ones are written from their shared bytes.
inline constexpr std::size_t copy_limit = 1024;
/// The TLS read buffer: TLS keeps its own buffers, so a small one of ours suffices.
inline constexpr std::size_t tls_read_buffer = 4096;
/// A shard's scratch read buffer, shared by its connections within one handler.
inline constexpr std::size_t scratch_buffer = 64 * 1024;
/// How long our close frame waits for the client's answer before the socket closes.
inline constexpr std::chrono::seconds close_linger{5};
/// Beast's WebSocket handshake timeout (permessage-deflate connections).
inline constexpr std::chrono::seconds beast_handshake_timeout{20};
/// Back-off after a failed accept (typically out of file descriptors).
inline constexpr std::chrono::milliseconds accept_retry{50};
/// How often a draining stop checks whether the sessions are gone.
inline constexpr std::chrono::milliseconds drain_poll{10};
/// How long a polling session closed by its client (a POSTed close packet) is remembered,
/// so that a GET sent before the close but still being handed over from another shard
/// gets engine.io's answer to a parked GET (a noop), not "Session ID unknown".
inline constexpr std::chrono::seconds client_close_grace{2};
/// After a storm of connections (a shard's sessions fell to half of a peak of at least
/// this many), the memory freed is given back to the system (`malloc_trim`), once the
/// delay has passed without the count rising again: the heap would otherwise keep the
/// peak's pages for ever.
inline constexpr std::size_t trim_min_peak = 500;
inline constexpr std::chrono::seconds trim_delay{1};
/// Buffers kept per thread by a buffer_pool, and the largest one kept.
inline constexpr std::size_t pool_max_kept = 1024;
inline constexpr std::size_t pool_max_capacity = 64 * 1024;

}  // namespace sockio::engine::detail::tuning
