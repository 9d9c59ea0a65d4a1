// WebSocket framing (RFC 6455) for the server side: reading masked client frames into
// messages, writing unmasked frame headers. Pure code, no I/O; fuzzed with the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sockio::engine::detail::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Close codes the reader reports for bad input.
enum close_code : std::uint16_t {
  normal = 1000,
  protocol_error = 1002,
  invalid_payload = 1007,  ///< text that is not UTF-8
  message_too_big = 1009,
};

/// Largest server frame header: 2 bytes, then an 8-byte length.
constexpr std::size_t max_header_size = 10;

/// Writes the header of an unmasked, final frame carrying `length` bytes into `out`
/// (at least `max_header_size` bytes); returns its size.
std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t length) noexcept;

/// True when `text` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

/// What the reader found: a data message, or a control frame.
struct event {
  opcode op;              ///< text, binary, close, ping or pong
  std::string_view data;  ///< payload (for close: after the 2-byte code)
  std::uint16_t code = 0; ///< close code (1005 when the close frame has none)
};

/// Turns bytes from a client (or, for a client, from a server) into messages and
/// control frames. Holds memory only while
/// a frame or a fragmented message is incomplete: idle connections cost nothing here.
class reader {
 public:
  /// `from_client`: frames must be masked (a server reading); else unmasked (a client).
  explicit reader(std::size_t max_message, bool from_client = true)
      : max_message_(max_message), from_client_(from_client) {}

  /// Consumes `bytes` (unmasked in place, hence mutable) and calls `on_event(const event&)`
  /// for each complete message or control frame, in order. `on_event` returns false to
  /// stop reading (the connection is going away). Returns false on a protocol error;
  /// `error()` then gives the close code.
  template <class OnEvent>
  bool feed(char* bytes, std::size_t size, OnEvent&& on_event);

  std::uint16_t error() const noexcept { return error_; }
  /// Bytes held for an incomplete frame or message.
  std::size_t held() const noexcept { return partial_.size() + message_.size(); }

 private:
  struct frame {
    bool fin;
    opcode op;
    std::size_t header_size;
    std::uint64_t length;
    const std::uint8_t* mask;
  };
  enum class parse { ok, need_more, error };

  parse parse_header(const char* data, std::size_t size, frame& f);
  /// Handles one complete frame whose payload is unmasked; false to stop.
  template <class OnEvent>
  bool on_frame(const frame& f, char* payload, OnEvent& on_event, bool& stop);
  /// Parses complete frames from `data`; returns the bytes consumed, or -1 on error.
  template <class OnEvent>
  std::ptrdiff_t consume(char* data, std::size_t size, OnEvent& on_event, bool& stop);

  std::size_t max_message_;
  bool from_client_;
  std::string partial_;  // an incomplete frame, kept between reads
  std::string message_;  // fragments of a message in progress
  opcode message_op_ = opcode::text;
  bool in_message_ = false;
  std::uint16_t error_ = 0;
};

// ---------------------------------------------------------------------------------------

inline void unmask(char* data, std::size_t size, const std::uint8_t* mask) noexcept {
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(data[i] ^ mask[i & 3]);
}

template <class OnEvent>
bool reader::on_frame(const frame& f, char* payload, OnEvent& on_event, bool& stop) {
  const auto length = static_cast<std::size_t>(f.length);
  if (f.mask) unmask(payload, length, f.mask);
  const std::string_view data(payload, length);
  switch (f.op) {
    case opcode::ping:
    case opcode::pong:
      stop = !on_event(event{f.op, data});
      return true;
    case opcode::close: {
      if (length == 1) return error_ = protocol_error, false;
      std::uint16_t code = 1005;
      if (length >= 2) {
        code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(data[0]) << 8) | static_cast<std::uint8_t>(data[1]));
        const bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                           (code >= 3000 && code <= 4999);
        if (!valid || !valid_utf8(data.substr(2))) return error_ = protocol_error, false;
      }
      stop = !on_event(event{opcode::close, length >= 2 ? data.substr(2) : std::string_view(), code});
      return true;
    }
    case opcode::text:
    case opcode::binary:
      if (in_message_) return error_ = protocol_error, false;
      if (f.fin) {
        if (f.op == opcode::text && !valid_utf8(data)) return error_ = invalid_payload, false;
        stop = !on_event(event{f.op, data});
        return true;
      }
      in_message_ = true;
      message_op_ = f.op;
      message_.assign(data);
      return true;
    case opcode::continuation:
      if (!in_message_) return error_ = protocol_error, false;
      if (message_.size() + length > max_message_) return error_ = message_too_big, false;
      message_.append(data);
      if (f.fin) {
        in_message_ = false;
        std::string whole;
        whole.swap(message_);  // released once delivered
        if (message_op_ == opcode::text && !valid_utf8(whole)) return error_ = invalid_payload, false;
        stop = !on_event(event{message_op_, whole});
      }
      return true;
  }
  return error_ = protocol_error, false;
}

template <class OnEvent>
std::ptrdiff_t reader::consume(char* data, std::size_t size, OnEvent& on_event, bool& stop) {
  std::size_t used = 0;
  while (!stop && used < size) {
    frame f;
    const auto r = parse_header(data + used, size - used, f);
    if (r == parse::error) return -1;
    if (r == parse::need_more || size - used - f.header_size < f.length) break;
    if (!on_frame(f, data + used + f.header_size, on_event, stop)) return -1;
    used += f.header_size + static_cast<std::size_t>(f.length);
  }
  return static_cast<std::ptrdiff_t>(used);
}

template <class OnEvent>
bool reader::feed(char* bytes, std::size_t size, OnEvent&& on_event) {
  if (error_) return false;
  bool stop = false;
  if (partial_.empty()) {
    // The common case: whole frames straight from the read buffer, no copy.
    const auto used = consume(bytes, size, on_event, stop);
    if (used < 0) return false;
    if (!stop) partial_.assign(bytes + used, size - static_cast<std::size_t>(used));
    return true;
  }
  partial_.append(bytes, size);
  const auto used = consume(partial_.data(), partial_.size(), on_event, stop);
  if (used < 0) return false;
  if (stop || static_cast<std::size_t>(used) == partial_.size()) {
    std::string().swap(partial_);  // idle again: hold nothing
  } else {
    partial_.erase(0, static_cast<std::size_t>(used));
  }
  return true;
}

}  // namespace sockio::engine::detail::ws
