#include "sockio/codec/msgpack.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace sockio::codec {

// --- writing --------------------------------------------------------------------------

void msgpack_writer::big_endian(std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void msgpack_writer::header(std::uint8_t fix, std::uint8_t fix_max, std::uint8_t b16, std::uint8_t b32, std::size_t n) {
  if (n <= fix_max) {
    out_.push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    out_.push_back(static_cast<char>(b16));
    big_endian(n, 2);
  } else {
    out_.push_back(static_cast<char>(b32));
    big_endian(n, 4);
  }
}

msgpack_writer& msgpack_writer::array(std::size_t size) {
  header(0x90, 15, 0xdc, 0xdd, size);
  return *this;
}

msgpack_writer& msgpack_writer::map(std::size_t size) {
  header(0x80, 15, 0xde, 0xdf, size);
  return *this;
}

msgpack_writer& msgpack_writer::string(std::string_view s) {
  if (s.size() <= 31) {
    out_.push_back(static_cast<char>(0xa0 | s.size()));
  } else if (s.size() <= 0xff) {
    out_.push_back(static_cast<char>(0xd9));
    big_endian(s.size(), 1);
  } else if (s.size() <= 0xffff) {
    out_.push_back(static_cast<char>(0xda));
    big_endian(s.size(), 2);
  } else {
    out_.push_back(static_cast<char>(0xdb));
    big_endian(s.size(), 4);
  }
  out_.append(s);
  return *this;
}

void msgpack_writer::unsigned_integer(std::uint64_t v) {
  if (v < 0x80) {
    out_.push_back(static_cast<char>(v));
  } else if (v <= 0xff) {
    out_.push_back(static_cast<char>(0xcc));
    big_endian(v, 1);
  } else if (v <= 0xffff) {
    out_.push_back(static_cast<char>(0xcd));
    big_endian(v, 2);
  } else if (v <= 0xffffffffu) {
    out_.push_back(static_cast<char>(0xce));
    big_endian(v, 4);
  } else {
    out_.push_back(static_cast<char>(0xcf));
    big_endian(v, 8);
  }
}

void msgpack_writer::integer(std::int64_t v) {
  if (v >= 0) return unsigned_integer(static_cast<std::uint64_t>(v));
  const auto u = static_cast<std::uint64_t>(v);
  if (v >= -32) {
    out_.push_back(static_cast<char>(v));
  } else if (v >= -128) {
    out_.push_back(static_cast<char>(0xd0));
    big_endian(u, 1);
  } else if (v >= -32768) {
    out_.push_back(static_cast<char>(0xd1));
    big_endian(u, 2);
  } else if (v >= std::numeric_limits<std::int32_t>::min()) {
    out_.push_back(static_cast<char>(0xd2));
    big_endian(u, 4);
  } else {
    out_.push_back(static_cast<char>(0xd3));
    big_endian(u, 8);
  }
}

msgpack_writer& msgpack_writer::value(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded: out_.push_back(static_cast<char>(0xc0)); break;
    case json::value_t::boolean: out_.push_back(static_cast<char>(v.get<bool>() ? 0xc3 : 0xc2)); break;
    case json::value_t::number_unsigned: unsigned_integer(v.get<std::uint64_t>()); break;
    case json::value_t::number_integer: integer(v.get<std::int64_t>()); break;
    case json::value_t::number_float: {
      const double d = v.get<double>();
      // JavaScript has one number type: an integral value is an integer to notepack.
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9007199254740992.0) {
        integer(static_cast<std::int64_t>(d));
      } else {
        std::uint64_t bits;
        static_assert(sizeof bits == sizeof d);
        std::memcpy(&bits, &d, sizeof d);
        out_.push_back(static_cast<char>(0xcb));
        big_endian(bits, 8);
      }
      break;
    }
    case json::value_t::string: string(v.get_ref<const std::string&>()); break;
    case json::value_t::binary: {
      const auto& b = v.get_binary();
      const auto n = b.size();
      if (b.has_subtype()) {
        const bool fixed = n == 1 || n == 2 || n == 4 || n == 8 || n == 16;
        if (fixed) {
          static constexpr unsigned char fix[17] = {0, 0xd4, 0xd5, 0, 0xd6, 0, 0, 0, 0xd7, 0, 0, 0, 0, 0, 0, 0, 0xd8};
          out_.push_back(static_cast<char>(fix[n]));
        } else {
          if (n <= 0xff) {
            out_.push_back(static_cast<char>(0xc7));
            big_endian(n, 1);
          } else if (n <= 0xffff) {
            out_.push_back(static_cast<char>(0xc8));
            big_endian(n, 2);
          } else {
            out_.push_back(static_cast<char>(0xc9));
            big_endian(n, 4);
          }
        }
        out_.push_back(static_cast<char>(b.subtype() & 0xff));
      } else if (n <= 0xff) {
        out_.push_back(static_cast<char>(0xc4));
        big_endian(n, 1);
      } else if (n <= 0xffff) {
        out_.push_back(static_cast<char>(0xc5));
        big_endian(n, 2);
      } else {
        out_.push_back(static_cast<char>(0xc6));
        big_endian(n, 4);
      }
      out_.append(reinterpret_cast<const char*>(b.data()), n);
      break;
    }
    case json::value_t::array:
      array(v.size());
      for (const auto& e : v) value(e);
      break;
    case json::value_t::object:
      map(v.size());
      for (const auto& [key, e] : v.items()) {
        string(key);
        value(e);
      }
      break;
  }
  return *this;
}

std::string to_msgpack(const json& v) {
  return msgpack_writer{}.value(v).take();
}

json javascript_json(json v) {
  if (v.is_binary()) {
    const auto& b = v.get_binary();
    return json{{"type", "Buffer"}, {"data", std::vector<int>(b.begin(), b.end())}};
  }
  if (v.is_array() || v.is_object()) {
    for (auto& e : v) e = javascript_json(std::move(e));
  }
  return v;
}

// --- reading --------------------------------------------------------------------------

std::string iso_date(std::int64_t ms) {
  // Civil date from days since the epoch (H. Hinnant's algorithm), valid for any int64.
  std::int64_t days = ms / 86'400'000;
  std::int64_t rest = ms % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char year_text[16];
  if (year >= 0 && year <= 9999) {
    std::snprintf(year_text, sizeof year_text, "%04lld", static_cast<long long>(year));
  } else {  // JavaScript's expanded years: ±YYYYYY
    std::snprintf(year_text, sizeof year_text, "%c%06lld", year < 0 ? '-' : '+',
                  static_cast<long long>(year < 0 ? -year : year));
  }
  char out[96];
  std::snprintf(out, sizeof out, "%s-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", year_text,
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(rest / 3'600'000),
                static_cast<long long>(rest / 60'000 % 60), static_cast<long long>(rest / 1000 % 60),
                static_cast<long long>(rest % 1000));
  return out;
}

namespace {

class reader {
 public:
  reader(std::string_view in, unsigned max_depth) : in_(in), max_depth_(max_depth) {}

  msgpack_result run() {
    msgpack_result r;
    json v;
    if (!read(v, 0)) {
      r.error = error_;
      return r;
    }
    if (pos_ != in_.size()) {
      r.error = std::to_string(in_.size() - pos_) + " trailing bytes";
      return r;
    }
    r.value = std::move(v);
    return r;
  }

 private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  bool take(std::size_t n, std::string_view& out) {
    if (in_.size() - pos_ < n) return fail("truncated input");
    out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool number(int bytes, std::uint64_t& out) {
    std::string_view b;
    if (!take(static_cast<std::size_t>(bytes), b)) return false;
    out = 0;
    for (const char c : b) out = (out << 8) | static_cast<unsigned char>(c);
    return true;
  }
  static std::int64_t sign_extend(std::uint64_t v, int bytes) {
    const int shift = 64 - 8 * bytes;
    return static_cast<std::int64_t>(v << shift) >> shift;
  }

  bool string(std::size_t n, json& out) {
    std::string_view s;
    if (!take(n, s)) return false;
    out = std::string(s);
    return true;
  }
  bool binary(std::size_t n, json& out) {
    std::string_view s;
    if (!take(n, s)) return false;
    out = json::binary(std::vector<std::uint8_t>(s.begin(), s.end()));
    return true;
  }
  bool array(std::size_t n, json& out, unsigned depth) {
    if (depth >= max_depth_) return fail("nested too deep");
    if (n > in_.size() - pos_) return fail("truncated input");  // each element is a byte at least
    out = json::array();
    auto& a = out.get_ref<json::array_t&>();
    a.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      a.emplace_back();
      if (!read(a.back(), depth + 1)) return false;
    }
    return true;
  }
  bool map(std::size_t n, json& out, unsigned depth) {
    if (depth >= max_depth_) return fail("nested too deep");
    if (n > (in_.size() - pos_) / 2) return fail("truncated input");
    out = json::object();
    for (std::size_t i = 0; i < n; ++i) {
      json key;
      if (!read(key, depth + 1)) return false;
      // JavaScript object keys are strings: a number key reads as its decimal text.
      std::string name = key.is_string() ? key.get<std::string>() : key.dump();
      json value;
      if (!read(value, depth + 1)) return false;
      out[std::move(name)] = std::move(value);
    }
    return true;
  }
  bool ext(std::size_t n, json& out) {
    std::string_view t;
    if (!take(1, t)) return false;
    const auto type = static_cast<std::int8_t>(t[0]);
    std::string_view body;
    if (!take(n, body)) return false;
    const auto be = [&](std::size_t from, std::size_t len) {
      std::uint64_t v = 0;
      for (std::size_t i = from; i < from + len; ++i) v = (v << 8) | static_cast<unsigned char>(body[i]);
      return v;
    };
    if (type == -1) {  // timestamp
      std::int64_t sec = 0;
      std::uint64_t ns = 0;
      if (n == 4) {
        sec = static_cast<std::int64_t>(be(0, 4));
      } else if (n == 8) {
        const auto v = be(0, 8);
        ns = v >> 34;
        sec = static_cast<std::int64_t>(v & 0x3ffffffffULL);
      } else if (n == 12) {
        ns = be(0, 4);
        sec = static_cast<std::int64_t>(be(4, 8));
      } else {
        return fail("bad timestamp length");
      }
      if (ns > 999'999'999 || sec > 8'640'000'000'000 || sec < -8'640'000'000'000) {
        return fail("timestamp out of range");  // beyond what a JavaScript Date holds
      }
      out = iso_date(sec * 1000 + static_cast<std::int64_t>(ns / 1'000'000));
      return true;
    }
    auto bytes = json::binary(std::vector<std::uint8_t>(body.begin(), body.end()));
    if (type == 0) {
      if (n == 1 && body[0] == 0) {
        out = nullptr;  // notepack's `undefined`
      } else {
        out = std::move(bytes);  // notepack's ArrayBuffer
      }
      return true;
    }
    out = json::array({type, std::move(bytes)});
    return true;
  }

  bool read(json& out, unsigned depth) {
    std::string_view b;
    if (!take(1, b)) return false;
    const auto c = static_cast<unsigned char>(b[0]);
    std::uint64_t n = 0;
    if (c <= 0x7f) {
      out = static_cast<std::uint64_t>(c);
      return true;
    }
    if (c >= 0xe0) {
      out = static_cast<std::int64_t>(static_cast<std::int8_t>(c));
      return true;
    }
    if ((c & 0xf0) == 0x80) return map(c & 0x0f, out, depth);
    if ((c & 0xf0) == 0x90) return array(c & 0x0f, out, depth);
    if ((c & 0xe0) == 0xa0) return string(c & 0x1f, out);
    switch (c) {
      case 0xc0: out = nullptr; return true;
      case 0xc2: out = false; return true;
      case 0xc3: out = true; return true;
      case 0xc4:
      case 0xc5:
      case 0xc6: return number(1 << (c - 0xc4), n) && binary(n, out);
      case 0xc7:
      case 0xc8:
      case 0xc9: return number(1 << (c - 0xc7), n) && ext(n, out);
      case 0xca: {
        if (!number(4, n)) return false;
        float f;
        const auto bits = static_cast<std::uint32_t>(n);
        std::memcpy(&f, &bits, sizeof f);
        out = static_cast<double>(f);
        return true;
      }
      case 0xcb: {
        if (!number(8, n)) return false;
        double d;
        std::memcpy(&d, &n, sizeof d);
        out = d;
        return true;
      }
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        if (!number(1 << (c - 0xcc), n)) return false;
        out = n;
        return true;
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        const int bytes = 1 << (c - 0xd0);
        if (!number(bytes, n)) return false;
        out = sign_extend(n, bytes);
        return true;
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8: return ext(std::size_t{1} << (c - 0xd4), out);
      case 0xd9:
      case 0xda:
      case 0xdb: return number(1 << (c - 0xd9), n) && string(n, out);
      case 0xdc:
      case 0xdd: return number(c == 0xdc ? 2 : 4, n) && array(n, out, depth);
      case 0xde:
      case 0xdf: return number(c == 0xde ? 2 : 4, n) && map(n, out, depth);
      default: return fail("invalid byte 0xc1");
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  unsigned max_depth_;
  std::string error_;
};

}  // namespace

msgpack_result from_msgpack(std::string_view bytes, unsigned max_depth) {
  try {
    return reader(bytes, max_depth).run();
  } catch (const std::exception& e) {  // allocation failure: the input is refused, not fatal
    return {std::nullopt, e.what()};
  }
}

}  // namespace sockio::codec
