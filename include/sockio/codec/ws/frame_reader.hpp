// Reading WebSocket frames (RFC 6455) into messages and control frames, for either role.
// Pure code, no I/O (library sockio::codec); fuzzed (tests/fuzz/ws_frame_fuzz.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sockio/codec/ws/frame.hpp"
#include "sockio/codec/ws/utf8.hpp"

namespace sockio::ws {

/// What the reader found: a data message, or a control frame.
struct event {
  opcode op;               ///< text, binary, close, ping or pong
  std::string_view data;   ///< payload (for close: after the 2-byte code)
  std::uint16_t code = 0;  ///< close code (1005 when the close frame has none)
};

/// Turns the bytes a peer sends into messages and control frames: a `role::server`
/// reader takes masked frames (from a client), a `role::client` reader unmasked ones
/// (from a server); anything else is a protocol error. Holds memory only while a frame
/// or a fragmented message is incomplete: idle connections cost nothing here.
///
/// @code
/// ws::frame_reader reader(ws::role::server, 1 << 20);
/// bool ok = reader.feed(data, size, [](const ws::event& e) { ...; return true; });
/// if (!ok) send_close(reader.error());
/// @endcode
class frame_reader {
 public:
  /// `role`: the reading end's; `max_message`: the largest message (after reassembly).
  frame_reader(role r, std::size_t max_message) : max_message_(max_message), role_(r) {}

  /// Consumes `bytes` (unmasked in place, hence mutable) and calls `on_event(const event&)`
  /// for each complete message or control frame, in order. `on_event` returns false to
  /// stop reading (the connection is going away). Returns false on a protocol error;
  /// `error()` then gives the close code.
  template <class OnEvent>
  bool feed(char* bytes, std::size_t size, OnEvent&& on_event);

  std::uint16_t error() const noexcept { return error_; }
  /// Bytes held for an incomplete frame or message.
  std::size_t held() const noexcept { return held_ ? held_->partial.size() + held_->message.size() : 0; }

 private:
  struct frame {
    bool fin;
    opcode op;
    std::size_t header_size;
    std::uint64_t length;
    bool masked;
    mask_key mask;
  };
  enum class parse { ok, need_more, error };

  parse parse_header(const char* data, std::size_t size, frame& f);
  /// Handles one complete frame whose payload is unmasked; false to stop.
  template <class OnEvent>
  bool on_frame(const frame& f, char* payload, OnEvent& on_event, bool& stop);
  /// Parses complete frames from `data`; returns the bytes consumed, or -1 on error.
  template <class OnEvent>
  std::ptrdiff_t consume(char* data, std::size_t size, OnEvent& on_event, bool& stop);

  /// What is kept between reads; allocated only while there is something to keep.
  struct held_bytes {
    std::string partial;  // an incomplete frame
    std::string message;  // fragments of a message in progress
  };
  held_bytes& hold() {
    if (!held_) held_ = std::make_unique<held_bytes>();
    return *held_;
  }
  /// Idle again: hold nothing (called once no frame is being parsed from `held_`).
  void release_if_idle() noexcept {
    if (held_ && held_->partial.empty() && held_->message.empty()) held_.reset();
  }

  std::size_t max_message_;
  role role_;
  std::unique_ptr<held_bytes> held_;
  opcode message_op_ = opcode::text;
  bool in_message_ = false;
  std::uint16_t error_ = 0;
};

template <class OnEvent>
bool frame_reader::on_frame(const frame& f, char* payload, OnEvent& on_event, bool& stop) {
  const auto length = static_cast<std::size_t>(f.length);
  if (f.masked) apply_mask(payload, length, f.mask);
  const std::string_view data(payload, length);
  switch (f.op) {
    case opcode::ping:
    case opcode::pong: stop = !on_event(event{f.op, data}); return true;
    case opcode::close: {
      if (length == 1) return error_ = protocol_error, false;
      std::uint16_t code = 1005;
      if (length >= 2) {
        code =
            static_cast<std::uint16_t>((static_cast<std::uint8_t>(data[0]) << 8) | static_cast<std::uint8_t>(data[1]));
        const bool valid =
            (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
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
      hold().message.assign(data);
      return true;
    case opcode::continuation:
      if (!in_message_) return error_ = protocol_error, false;
      if (hold().message.size() + length > max_message_) return error_ = message_too_big, false;
      held_->message.append(data);
      if (f.fin) {
        in_message_ = false;
        std::string whole;
        whole.swap(held_->message);  // released once delivered
        if (message_op_ == opcode::text && !valid_utf8(whole)) return error_ = invalid_payload, false;
        stop = !on_event(event{message_op_, whole});
      }
      return true;
  }
  return error_ = protocol_error, false;
}

template <class OnEvent>
std::ptrdiff_t frame_reader::consume(char* data, std::size_t size, OnEvent& on_event, bool& stop) {
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
bool frame_reader::feed(char* bytes, std::size_t size, OnEvent&& on_event) {
  if (error_) return false;
  bool stop = false;
  if (!held_ || held_->partial.empty()) {
    // The common case: whole frames straight from the read buffer, no copy.
    const auto used = consume(bytes, size, on_event, stop);
    if (used < 0) return false;
    if (!stop && static_cast<std::size_t>(used) < size) {
      hold().partial.assign(bytes + used, size - static_cast<std::size_t>(used));
    }
    release_if_idle();
    return true;
  }
  auto& partial = held_->partial;
  partial.append(bytes, size);
  const auto used = consume(partial.data(), partial.size(), on_event, stop);
  if (used < 0) return false;
  if (stop || static_cast<std::size_t>(used) == partial.size()) {
    std::string().swap(partial);
  } else {
    partial.erase(0, static_cast<std::size_t>(used));
  }
  release_if_idle();
  return true;
}

}  // namespace sockio::ws
