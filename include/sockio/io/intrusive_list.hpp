// A doubly linked list threaded through its elements: registries of live objects
// (connections, Socket.IO clients) that cost two pointers per object and no allocation.
// Header-only (target sockio::io), shared by the engine and the Socket.IO layer.
#pragma once

#include <cstddef>

namespace sockio::io {

/// The links an element of an `intrusive_list` carries (derive from it). An element is
/// in at most one list at a time; copying or moving an element does not copy its links.
class list_hook {
 public:
  list_hook() = default;
  list_hook(const list_hook&) noexcept {}
  list_hook& operator=(const list_hook&) noexcept { return *this; }
  ~list_hook() = default;

  /// Whether the element is in a list.
  bool linked() const noexcept { return next_ != nullptr; }

 private:
  template <class T>
  friend class intrusive_list;
  list_hook* prev_ = nullptr;
  list_hook* next_ = nullptr;
};

/// Elements of type `T` (derived from `list_hook`), in insertion order, not owned. An
/// element must leave the list (`erase`) before it is destroyed. Not thread-safe: guard
/// it as the owner of the registry would guard any container.
template <class T>
class intrusive_list {
 public:
  intrusive_list() noexcept { head_.prev_ = head_.next_ = &head_; }
  intrusive_list(const intrusive_list&) = delete;
  intrusive_list& operator=(const intrusive_list&) = delete;
  ~intrusive_list() {
    while (head_.next_ != &head_) unlink(*head_.next_);
  }

  /// Appends `item`; it must not be in a list.
  void push_back(T& item) noexcept {
    list_hook& h = item;
    h.prev_ = head_.prev_;
    h.next_ = &head_;
    head_.prev_->next_ = &h;
    head_.prev_ = &h;
    ++size_;
  }

  /// Removes `item` if it is in this list (a no-op when it is in none).
  void erase(T& item) noexcept {
    list_hook& h = item;
    if (!h.linked()) return;
    unlink(h);
    --size_;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// Calls `fn(T&)` for each element, in order; `fn` must not erase elements.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (auto* h = head_.next_; h != &head_; h = h->next_) fn(static_cast<T&>(*h));
  }

 private:
  static void unlink(list_hook& h) noexcept {
    h.prev_->next_ = h.next_;
    h.next_->prev_ = h.prev_;
    h.prev_ = h.next_ = nullptr;
  }

  list_hook head_;
  std::size_t size_ = 0;
};

}  // namespace sockio::io
