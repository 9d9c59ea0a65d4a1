#include "sockio/sio/handler_table.hpp"

namespace sockio::sio {

handler_table::position handler_table::locate(std::string_view event) const noexcept {
  std::size_t pos = 0;
  std::size_t index = 0;
  while (pos < names_.size()) {
    const std::size_t begin = pos;
    std::size_t length = 0;
    for (unsigned shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(names_[pos++]);
      length |= static_cast<std::size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
    }
    const std::string_view name(names_.data() + pos, length);
    pos += length;
    if (name == event) return {index, begin, pos};
    ++index;
  }
  return {index, pos, pos};
}

const event_handler* handler_table::find(std::string_view event) const noexcept {
  const auto at = locate(event);
  return at.index < handlers_.size() ? &handlers_[at.index] : nullptr;
}

void handler_table::set(std::string_view event, event_handler handler) {
  const auto at = locate(event);
  if (at.index < handlers_.size()) return void(handlers_[at.index] = std::move(handler));
  // The table grows one entry at a time while small: doubling would leave a quarter of
  // it unused in every idle socket.
  if (handlers_.size() == handlers_.capacity()) {
    handlers_.reserve(handlers_.size() < 8 ? handlers_.size() + 1 : 2 * handlers_.size());
  }
  handlers_.push_back(std::move(handler));
  for (std::size_t length = event.size();; length >>= 7) {
    const auto low = static_cast<char>(length & 0x7F);
    if (length < 0x80) {
      names_ += low;
      break;
    }
    names_ += static_cast<char>(low | 0x80);
  }
  names_ += event;
}

void handler_table::erase(std::string_view event) {
  const auto at = locate(event);
  if (at.index == handlers_.size()) return;
  handlers_.erase(handlers_.begin() + static_cast<std::ptrdiff_t>(at.index));
  names_.erase(at.begin, at.end - at.begin);
}

void handler_table::clear() noexcept {
  handlers_.clear();
  names_.clear();
}

}  // namespace sockio::sio
