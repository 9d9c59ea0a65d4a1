#include "sockio/sio/handler_table.hpp"

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>

namespace sockio::sio {

/// The header of the table's allocation; the listeners follow it, then the names.
struct handler_table::block {
  std::uint32_t count;
  std::uint32_t names_size;

  event_handler* handlers() noexcept { return std::launder(reinterpret_cast<event_handler*>(this + 1)); }
  std::string_view names() noexcept { return {reinterpret_cast<const char*>(handlers() + count), names_size}; }
};

namespace {

/// `length` in 7-bit groups, low bits first, the high bit set on all but the last.
void append_length(std::string& out, std::size_t length) {
  for (;; length >>= 7) {
    const auto low = static_cast<char>(length & 0x7F);
    if (length < 0x80) return void(out += low);
    out += static_cast<char>(low | 0x80);
  }
}

}  // namespace

handler_table& handler_table::operator=(handler_table&& other) noexcept {
  if (this != &other) {
    clear();
    block_ = std::exchange(other.block_, nullptr);
  }
  return *this;
}

std::size_t handler_table::size() const noexcept {
  return block_ ? block_->count : 0;
}

handler_table::position handler_table::locate(std::string_view event) const noexcept {
  const std::string_view names = block_ ? block_->names() : std::string_view();
  std::size_t pos = 0;
  std::size_t index = 0;
  while (pos < names.size()) {
    const std::size_t begin = pos;
    std::size_t length = 0;
    for (unsigned shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(names[pos++]);
      length |= static_cast<std::size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
    }
    const std::string_view name = names.substr(pos, length);
    pos += length;
    if (name == event) return {index, begin, pos};
    ++index;
  }
  return {index, pos, pos};
}

const event_handler* handler_table::find(std::string_view event) const noexcept {
  const auto at = locate(event);
  return at.index < size() ? &block_->handlers()[at.index] : nullptr;
}

template <class Keep>
void handler_table::rebuild(std::size_t count, std::string_view names, Keep keep, event_handler* added) {
  static_assert(sizeof(block) % alignof(event_handler) == 0 &&
                alignof(event_handler) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  block* next = nullptr;
  if (count > 0) {
    void* raw = ::operator new(sizeof(block) + count * sizeof(event_handler) + names.size());
    next = ::new (raw) block{static_cast<std::uint32_t>(count), static_cast<std::uint32_t>(names.size())};
    event_handler* out = next->handlers();
    // std::function's move is noexcept: nothing below throws.
    for (std::size_t i = 0, old = size(); i < old; ++i) {
      if (keep(i)) ::new (out++) event_handler(std::move(block_->handlers()[i]));
    }
    if (added) ::new (out++) event_handler(std::move(*added));
    std::memcpy(reinterpret_cast<char*>(out), names.data(), names.size());
  }
  clear();
  block_ = next;
}

void handler_table::set(std::string_view event, event_handler handler) {
  const auto at = locate(event);
  if (at.index < size()) return void(block_->handlers()[at.index] = std::move(handler));
  std::string names(block_ ? block_->names() : std::string_view());
  append_length(names, event.size());
  names += event;
  rebuild(
      size() + 1, names, [](std::size_t) { return true; }, &handler);
}

void handler_table::erase(std::string_view event) {
  const auto at = locate(event);
  if (at.index == size()) return;
  std::string names(block_->names());
  names.erase(at.begin, at.end - at.begin);
  rebuild(
      size() - 1, names, [&](std::size_t i) { return i != at.index; }, nullptr);
}

void handler_table::clear() noexcept {
  if (!block_) return;
  event_handler* handlers = block_->handlers();
  std::destroy(handlers, handlers + block_->count);
  block_->~block();
  ::operator delete(static_cast<void*>(block_));
  block_ = nullptr;
}

}  // namespace sockio::sio
