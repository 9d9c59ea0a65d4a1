// Intrusive FIFO of deadlines that all share one delay, hence stay sorted.
#pragma once

#include <chrono>

namespace sockio::engine::detail {

using clock = std::chrono::steady_clock;

/// A node embedded in its owner; `deadline_list` links it without allocating.
struct deadline_node {
  deadline_node* prev = nullptr;
  deadline_node* next = nullptr;
  clock::time_point deadline{};
  void* list = nullptr;

  bool linked() const noexcept { return list != nullptr; }
};

/// Every deadline pushed is `now + delay` for one constant delay, so appending keeps the
/// list sorted: the front is always the earliest. Push, pop and remove are O(1) and
/// allocation-free, which keeps the heartbeat path cheap for many idle sessions.
class deadline_list {
 public:
  deadline_list() = default;
  deadline_list(const deadline_list&) = delete;
  deadline_list& operator=(const deadline_list&) = delete;

  void push_back(deadline_node& n, clock::time_point deadline) noexcept {
    remove(n);
    n.deadline = deadline;
    n.prev = tail_;
    n.next = nullptr;
    n.list = this;
    (tail_ ? tail_->next : head_) = &n;
    tail_ = &n;
  }

  void remove(deadline_node& n) noexcept {
    if (n.list == nullptr) return;
    auto* owner = static_cast<deadline_list*>(n.list);
    (n.prev ? n.prev->next : owner->head_) = n.next;
    (n.next ? n.next->prev : owner->tail_) = n.prev;
    n.prev = n.next = nullptr;
    n.list = nullptr;
  }

  deadline_node* front() const noexcept { return head_; }
  bool empty() const noexcept { return head_ == nullptr; }

 private:
  deadline_node* head_ = nullptr;
  deadline_node* tail_ = nullptr;
};

}  // namespace sockio::engine::detail
