#include "reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace sockio::redis::detail {

namespace {

reply to_reply(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      // hiredis refuses arrays nested deeper than 7, so this recursion is bounded.
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(to_reply(*r.element[i]));
      break;
    default: out.type = reply::kind::nil;
  }
  return out;
}

}  // namespace

reply_reader::~reply_reader() {
  if (reader_) redisReaderFree(reader_);
}

bool reply_reader::reset() {
  if (reader_) redisReaderFree(reader_);
  reader_ = redisReaderCreate();
  return reader_ != nullptr;
}

bool reply_reader::feed(const char* data, std::size_t n) {
  return redisReaderFeed(reader_, data, n) == REDIS_OK;
}

bool reply_reader::next(std::optional<reply>& out) {
  out.reset();
  void* raw = nullptr;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK) return false;
  if (!raw) return true;
  auto* r = static_cast<redisReply*>(raw);
  out = to_reply(*r);
  freeReplyObject(r);
  return true;
}

const char* reply_reader::error() const noexcept {
  return reader_->errstr;
}

std::size_t reply_reader::buffered() const noexcept {
  return reader_->len - reader_->pos;
}

std::string format_command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* target = nullptr;
  const int n = redisFormatCommandArgv(&target, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (n < 0 || !target) throw std::bad_alloc();
  std::string out(target, static_cast<std::size_t>(n));
  redisFreeCommand(target);
  return out;
}

}  // namespace sockio::redis::detail
