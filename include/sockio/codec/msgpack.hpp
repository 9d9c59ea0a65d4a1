// MessagePack as the Node peers write and read it (notepack.io 3): the Redis adapters'
// wire format. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sockio/codec/sio/packet.hpp"

namespace sockio::codec {

using json = nlohmann::json;

/// Writes MessagePack the way notepack.io 3 does: the smallest integer form, integral
/// numbers as integers (JavaScript has one number type), other numbers as float64,
/// binary as `bin` (or `ext` when it has a subtype). Containers are written by the
/// caller, so that keys keep the order the peers write them in.
///
/// @code
/// msgpack_writer w;
/// w.array(3);
/// w.string(uid);
/// w.map(2).string("type").value(2).string("data").value(args);
/// @endcode
class msgpack_writer {
 public:
  msgpack_writer& array(std::size_t size);
  msgpack_writer& map(std::size_t size);
  msgpack_writer& string(std::string_view s);
  /// Any JSON value, containers included (object keys in the value's order).
  msgpack_writer& value(const json& v);

  const std::string& bytes() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  void header(std::uint8_t fix, std::uint8_t fix_max, std::uint8_t b16, std::uint8_t b32, std::size_t n);
  void integer(std::int64_t v);
  void unsigned_integer(std::uint64_t v);
  void big_endian(std::uint64_t v, int bytes);

  std::string out_;
};

/// Encodes one value (`msgpack_writer{}.value(v)`).
std::string to_msgpack(const json& v);

/// What `from_msgpack` made of its input.
struct msgpack_result {
  std::optional<json> value;  ///< set on success
  std::string error;          ///< why not, otherwise
};

/// Decodes exactly one value, as notepack.io 3 does: `bin` and ext 0 become binary, the
/// timestamp extension (-1) becomes the ISO 8601 text JavaScript's `Date.toJSON()`
/// writes (`2023-11-14T22:13:20.123Z`), `undefined` (`d4 00 00`) becomes null, other
/// extensions become `[type, binary]`. Refuses trailing bytes, truncated input, and
/// nesting deeper than `max_depth`; never throws.
msgpack_result from_msgpack(std::string_view bytes, unsigned max_depth = 64);

/// A JSON value as JavaScript's `JSON.stringify` writes it: binary becomes the form of a
/// Node Buffer, `{"type":"Buffer","data":[…]}` (the peers' JSON messages carry it so).
json javascript_json(json v);

/// `ms` since the epoch as JavaScript's `Date.prototype.toISOString()` writes it.
std::string iso_date(std::int64_t ms);

}  // namespace sockio::codec
