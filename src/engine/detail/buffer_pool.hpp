// Write buffers lent per thread.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "tuning.hpp"

namespace sockio::engine::detail {

/// Empties every buffer_pool of the calling thread (after a storm of connections: what
/// they keep was sized by the peak).
inline void release_thread_pools();

namespace pool_registry {
/// The clear functions of the pools this thread has used.
inline std::vector<void (*)()>& of_thread() {
  thread_local std::vector<void (*)()> clears;
  return clears;
}
}  // namespace pool_registry

/// Containers lent to connections for one write and given back, one pool per thread
/// (so per shard): writes allocate nothing once warm, and idle connections hold no buffer.
template <class Container>
class buffer_pool {
 public:
  static void lend(Container& into) {
    auto& pool = free_list();
    if (into.capacity() != 0 || pool.empty()) return;
    into = std::move(pool.back());
    pool.pop_back();
  }
  static void give_back(Container& from) {
    auto& pool = free_list();
    from.clear();
    if (from.capacity() != 0 && from.capacity() <= tuning::pool_max_capacity && pool.size() < tuning::pool_max_kept) {
      pool.push_back(std::move(from));
    }
    Container().swap(from);
  }

 private:
  static std::vector<Container>& free_list() {
    thread_local std::vector<Container> pool = [] {
      pool_registry::of_thread().push_back([] { std::vector<Container>().swap(free_list()); });
      return std::vector<Container>();
    }();
    return pool;
  }
};

/// Objects lent as a whole for one operation and given back, one pool per thread: what a
/// connection needs only while it writes costs it one pointer while idle. `T::clear()`
/// empties an object and says whether it is worth keeping (not grown past the pool's
/// limit).
template <class T>
class object_pool {
 public:
  static std::unique_ptr<T> lend() {
    auto& pool = free_list();
    if (pool.empty()) return std::make_unique<T>();
    auto object = std::move(pool.back());
    pool.pop_back();
    return object;
  }
  static void give_back(std::unique_ptr<T>& object) {
    auto& pool = free_list();
    if (object && object->clear() && pool.size() < tuning::pool_max_kept) pool.push_back(std::move(object));
    object.reset();
  }

 private:
  static std::vector<std::unique_ptr<T>>& free_list() {
    thread_local std::vector<std::unique_ptr<T>> pool = [] {
      pool_registry::of_thread().push_back([] { std::vector<std::unique_ptr<T>>().swap(free_list()); });
      return std::vector<std::unique_ptr<T>>();
    }();
    return pool;
  }
};

inline void release_thread_pools() {
  for (auto clear : pool_registry::of_thread()) clear();
}

}  // namespace sockio::engine::detail
