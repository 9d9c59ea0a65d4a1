// parse_json: one pass over the text into nlohmann values, with the containers under
// construction on an explicit stack (so that nesting needs no call stack) that each
// thread reuses.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "detail/byte_scan.hpp"
#include "sockio/codec/json_text.hpp"
#include "sockio/codec/ws/utf8.hpp"

namespace sockio::codec {
namespace {

class json_parser {
 public:
  json_parser(std::string_view text, std::vector<json*>& stack, std::size_t max_depth)
      : p_(text.data()), end_(text.data() + text.size()), stack_(stack), max_depth_(max_depth) {}

  json_parse_result parse(json& out) {
    if (end_ - p_ >= 1 && static_cast<unsigned char>(*p_) == 0xEF) {
      if (end_ - p_ < 3 || static_cast<unsigned char>(p_[1]) != 0xBB || static_cast<unsigned char>(p_[2]) != 0xBF) {
        return json_parse_result::invalid;
      }
      p_ += 3;
    }
    json* target = &out;
    while (true) {
      skip_whitespace();
      if (p_ == end_) return json_parse_result::invalid;
      // One value into `target`; an opened container continues with its first element.
      switch (*p_) {
        case '[':
          ++p_;
          *target = json::array();
          if (stack_.size() >= max_depth_) return json_parse_result::too_deep;
          target->get_ref<json::array_t&>().reserve(4);  // an event's few arguments: one allocation
          stack_.push_back(target);
          skip_whitespace();
          if (p_ != end_ && *p_ == ']') {
            ++p_;
            stack_.pop_back();
            break;
          }
          target = &target->get_ref<json::array_t&>().emplace_back();
          continue;
        case '{':
          ++p_;
          *target = json::object();
          if (stack_.size() >= max_depth_) return json_parse_result::too_deep;
          stack_.push_back(target);
          skip_whitespace();
          if (p_ != end_ && *p_ == '}') {
            ++p_;
            stack_.pop_back();
            break;
          }
          target = member(*target);
          if (!target) return json_parse_result::invalid;
          continue;
        case '"': {
          std::string s;
          if (!string(s)) return json_parse_result::invalid;
          *target = std::move(s);
          break;
        }
        case 't':
          if (!literal("true")) return json_parse_result::invalid;
          *target = true;
          break;
        case 'f':
          if (!literal("false")) return json_parse_result::invalid;
          *target = false;
          break;
        case 'n':
          if (!literal("null")) return json_parse_result::invalid;
          *target = nullptr;
          break;
        default:
          if (!number(*target)) return json_parse_result::invalid;
          break;
      }
      // A value is complete: close the containers it completes, then find the next slot.
      target = nullptr;
      while (!target) {
        skip_whitespace();
        if (stack_.empty()) return p_ == end_ ? json_parse_result::ok : json_parse_result::invalid;
        if (p_ == end_) return json_parse_result::invalid;
        json& top = *stack_.back();
        const char c = *p_++;
        if (top.is_array()) {
          if (c == ',') {
            target = &top.get_ref<json::array_t&>().emplace_back();
          } else if (c == ']') {
            stack_.pop_back();
          } else {
            return json_parse_result::invalid;
          }
        } else if (c == ',') {
          skip_whitespace();
          target = member(top);
          if (!target) return json_parse_result::invalid;
        } else if (c == '}') {
          stack_.pop_back();
        } else {
          return json_parse_result::invalid;
        }
      }
    }
  }

 private:
  void skip_whitespace() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  /// `"key":` of an object, at the key's quote: the member's value slot (the last of
  /// duplicate keys wins, as nlohmann's parser has it).
  json* member(json& object) {
    std::string key;
    if (p_ == end_ || *p_ != '"' || !string(key)) return nullptr;
    skip_whitespace();
    if (p_ == end_ || *p_ != ':') return nullptr;
    ++p_;
    auto& slot = object.get_ref<json::object_t&>()[std::move(key)];
    slot = nullptr;
    return &slot;
  }

  /// A string at its opening quote.
  bool string(std::string& out) {
    ++p_;
    const char* run = p_;
    bool high = false;
    while (true) {
      p_ = detail::skip_plain_json(p_, end_, high);
      if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
      const std::string_view raw(run, static_cast<std::size_t>(p_ - run));
      if (high && !ws::valid_utf8(raw)) return false;
      out.append(raw);
      if (*p_++ == '"') return true;
      if (!escape(out)) return false;
      run = p_;
      high = false;
    }
  }

  /// After a backslash.
  bool escape(std::string& out) {
    if (p_ == end_) return false;
    switch (*p_++) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return false;
    }
    std::uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate first
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  bool hex4(std::uint32_t& cp) noexcept {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      cp <<= 4;
      if (c >= '0' && c <= '9') {
        cp |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        cp |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        cp |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  /// RFC 8259's number grammar; integers that fit keep nlohmann's integer types.
  bool number(json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      if (!digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      if (p_ + 1 != end_ && (p_[1] == '+' || p_[1] == '-')) ++p_;
      if (!digits()) return false;
    }
    if (integral) {
      if (negative) {
        std::int64_t v = 0;
        if (std::from_chars(start, p_, v).ec == std::errc()) return out = v, true;
      } else {
        std::uint64_t v = 0;
        if (std::from_chars(start, p_, v).ec == std::errc()) return out = v, true;
      }
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(start, p_, v);
    if (ec == std::errc::result_out_of_range) {
      // from_chars reports both ends of the range; strtod tells them apart (an underflow
      // gives a finite value, which nlohmann keeps; an overflow is refused).
      const std::string copy(start, p_);
      v = std::strtod(copy.c_str(), nullptr);
      if (!std::isfinite(v)) return false;
    } else if (ec != std::errc() || end != p_) {
      return false;
    }
    out = v;
    return true;
  }

  /// One or more digits after the current character ('.' or the exponent's).
  bool digits() noexcept {
    ++p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return true;
  }

  const char* p_;
  const char* end_;
  std::vector<json*>& stack_;
  std::size_t max_depth_;
};

}  // namespace

json_parse_result parse_json(std::string_view text, json& out, std::size_t max_depth) {
  thread_local std::vector<json*> stack;
  stack.clear();
  const auto result = json_parser(text, stack, max_depth).parse(out);
  stack.clear();
  return result;
}

}  // namespace sockio::codec
