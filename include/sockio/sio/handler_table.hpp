// A socket's event listeners, one per event name, in as little memory as they can take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockio/sio/handlers.hpp"

namespace sockio::sio {

/// The event listeners of one socket: one per event name, in registration order.
///
/// A socket has a few listeners for its whole life, and every idle connection holds its
/// table, so the table is one pointer to one allocation: the listeners, then the names,
/// each after its length. Adding or removing a listener rebuilds that block, which is
/// cheap for the few listeners a socket has.
class handler_table {
 public:
  handler_table() noexcept = default;
  handler_table(handler_table&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  handler_table& operator=(handler_table&& other) noexcept;
  handler_table(const handler_table&) = delete;
  handler_table& operator=(const handler_table&) = delete;
  ~handler_table() { clear(); }

  /// The listener of `event`, or null. Valid until the table next changes.
  const event_handler* find(std::string_view event) const noexcept;
  /// Sets the listener of `event`, replacing the one it had.
  void set(std::string_view event, event_handler handler);
  /// Removes the listener of `event` (nothing if it has none).
  void erase(std::string_view event);
  void clear() noexcept;
  std::size_t size() const noexcept;

 private:
  struct block;
  struct position {
    std::size_t index;  // of the listener
    std::size_t begin;  // of the entry (its length) in the names
    std::size_t end;    // one past its name
  };
  /// Where `event`'s entry is; index == size() when there is none.
  position locate(std::string_view event) const noexcept;
  /// Replaces the block by one of `count` listeners and `names`: the listeners `keep(i)`
  /// accepts are moved over in order, then `added`, if any.
  template <class Keep>
  void rebuild(std::size_t count, std::string_view names, Keep keep, event_handler* added);

  block* block_ = nullptr;
};

}  // namespace sockio::sio
