// A socket's event listeners, one per event name, in as little memory as they can take.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sockio/sio/handlers.hpp"

namespace sockio::sio {

/// The event listeners of one socket: one per event name, in registration order.
///
/// A socket has a few listeners for its whole life, and every idle connection holds its
/// table, so the names share one string (each after its length) beside a vector of the
/// listeners: three short names fit in the string itself, and a listener costs its
/// `std::function` alone.
class handler_table {
 public:
  /// The listener of `event`, or null.
  const event_handler* find(std::string_view event) const noexcept;
  /// Sets the listener of `event`, replacing the one it had.
  void set(std::string_view event, event_handler handler);
  /// Removes the listener of `event` (nothing if it has none).
  void erase(std::string_view event);
  void clear() noexcept;
  std::size_t size() const noexcept { return handlers_.size(); }

 private:
  struct position {
    std::size_t index;  // in handlers_
    std::size_t begin;  // of the entry (its length) in names_
    std::size_t end;    // one past its name
  };
  /// Where `event`'s entry is; index == size() when there is none.
  position locate(std::string_view event) const noexcept;

  std::string names_;  // each name preceded by its length (7 bits a byte, low bits first)
  std::vector<event_handler> handlers_;
};

}  // namespace sockio::sio
