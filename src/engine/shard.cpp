#include "detail/shard.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "detail/buffer_pool.hpp"
#include "detail/session_impl.hpp"

namespace sockio::engine::detail {

shard::shard(unsigned index, const std::array<clock::duration, 4>& delays, boost::asio::io_context* external)
    : index_(index),
      owned_(external ? nullptr : std::make_unique<shard_context>(1)),
      context_(external ? external : owned_.get()),
      work_(boost::asio::make_work_guard(*context_)),
      timer_(*context_),
      delays_(delays),
      trim_timer_(*context_) {}

shard::~shard() {
  sessions_.clear();
}

std::vector<std::shared_ptr<session_impl>> shard::session_list() const {
  std::vector<std::shared_ptr<session_impl>> out;
  out.reserve(sessions_.size());
  for (const auto& [sid, session] : sessions_) out.push_back(session);
  return out;
}

std::shared_ptr<session_impl> shard::find(const std::string& sid) const {
  auto it = sessions_.find(sid);
  return it == sessions_.end() ? nullptr : it->second;
}

void shard::session_added() {
  peak_sessions_ = std::max(peak_sessions_, sessions_.size());
}

void shard::session_removed() {
  if (trim_armed_ || stopped_ || peak_sessions_ < tuning::trim_min_peak || sessions_.size() * 2 > peak_sessions_)
    return;
  trim_armed_ = true;
  trim_timer_.expires_after(tuning::trim_delay);
  trim_timer_.async_wait([this](const boost::system::error_code& ec) {
    trim_armed_ = false;
    if (!ec) trim();
  });
}

void shard::trim() {
  peak_sessions_ = sessions_.size();
  release_thread_pools();
  std::vector<char>().swap(scratch_);  // taken again by the next read
#if defined(__GLIBC__)
  malloc_trim(0);  // every arena: the sessions' memory may have been freed on other shards' threads
#endif
}

void shard::poll_handover_begin(const std::string& sid) {
  std::lock_guard lock(handover_mutex_);
  polls_in_handover_.insert(sid);
}

void shard::poll_handover_end(const std::string& sid) {
  std::lock_guard lock(handover_mutex_);
  if (const auto it = polls_in_handover_.find(sid); it != polls_in_handover_.end()) polls_in_handover_.erase(it);
}

void shard::remember_client_close(const std::string& sid) {
  {
    std::lock_guard lock(handover_mutex_);
    if (!polls_in_handover_.contains(sid)) return;
  }
  const auto now = clock::now();
  std::erase_if(client_closes_, [&](const client_close& c) { return c.at + tuning::client_close_grace < now; });
  client_closes_.push_back({sid, now});
}

bool shard::take_client_close(const std::string& sid) {
  const auto now = clock::now();
  const auto it = std::find_if(client_closes_.begin(), client_closes_.end(), [&](const client_close& c) {
    return c.sid == sid && c.at + tuning::client_close_grace >= now;
  });
  if (it == client_closes_.end()) return false;
  client_closes_.erase(it);
  return true;
}

void shard::add_connection(connection& c) {
  std::lock_guard lock(connections_mutex_);
  connections_.push_back(c);
}

void shard::remove_connection(connection& c) {
  std::lock_guard lock(connections_mutex_);
  connections_.erase(c);
}

std::size_t shard::connection_count() {
  std::lock_guard lock(connections_mutex_);
  return connections_.size();
}

std::vector<std::shared_ptr<connection>> shard::connections() {
  std::lock_guard lock(connections_mutex_);
  std::vector<std::shared_ptr<connection>> out;
  out.reserve(connections_.size());
  connections_.for_each([&out](connection& c) {
    if (auto p = c.lock()) out.push_back(std::move(p));
  });
  return out;
}

void shard::schedule(session_timer& t, timer_kind kind) {
  const auto k = static_cast<unsigned>(kind);
  const auto at = clock::now() + delays_[k];
  lists_[k].push_back(t, at);
  if (at < armed_at_) arm(at);
}

void shard::cancel(session_timer& t) noexcept {
  if (t.linked()) static_cast<deadline_list*>(t.list)->remove(t);
}

void shard::release_work() {
  stopped_ = true;
  boost::asio::post(*context_, [this] {
    timer_.cancel();
    trim_timer_.cancel();
  });
  work_.reset();
}

void shard::arm(clock::time_point at) {
  if (stopped_) return;
  armed_at_ = at;
  timer_.expires_at(at);
  timer_.async_wait([this, at](const boost::system::error_code& ec) {
    if (ec || at != armed_at_) return;  // re-armed for an earlier deadline meanwhile
    on_timer();
  });
}

void shard::on_timer() {
  armed_at_ = clock::time_point::max();
  const auto now = clock::now();
  for (unsigned k = 0; k < lists_.size(); ++k) {
    while (auto* node = lists_[k].front()) {
      if (node->deadline > now) break;
      lists_[k].remove(*node);
      // The session may end here; it unlinks its own nodes, keeping the list valid.
      auto* owner = static_cast<session_timer*>(node)->owner;
      auto keep = owner->shared_from_this();
      owner->on_timer(static_cast<timer_kind>(k));
    }
  }
  auto next = clock::time_point::max();
  for (auto& list : lists_) {
    if (auto* node = list.front()) next = std::min(next, node->deadline);
  }
  if (next != clock::time_point::max() && next < armed_at_) arm(next);
}

}  // namespace sockio::engine::detail
