#include <algorithm>
#include <boost/asio/post.hpp>

#include "detail/core.hpp"
#include "sockio/adapter/ack_collector.hpp"
#include "sockio/codec/random_id.hpp"

namespace sockio::sio {
in_memory_adapter::in_memory_adapter(namespace_& nsp)
    : nsp_(nsp), sockets_(nsp), rooms_(sockets_.shards()), offset_prefix_(codec::random_id(8)) {}

in_memory_adapter::~in_memory_adapter() = default;

void in_memory_adapter::add_all(socket& s, const std::set<room>& rooms) {
  for (const auto& r : rooms) {
    if (!sockets_.add_room(s, r)) continue;
    if (r != s.id()) rooms_[s.shard()][r].insert(&s);
    const bool created = room_size(s.shard(), r) == 1;  // `s` alone
    // Listeners run after the change (they may change rooms too).
    if (created) sockets_.emit_room_event(room_event::create_room, r, {});
    sockets_.emit_room_event(room_event::join_room, r, s.id());
  }
}

void in_memory_adapter::del(socket& s, const room& r) {
  if (!sockets_.remove_room(s, r)) return;
  if (r != s.id()) {
    auto& shard_rooms = rooms_[s.shard()];
    const auto it = shard_rooms.find(r);
    if (it == shard_rooms.end()) return;
    it->second.erase(&s);
    if (it->second.empty()) shard_rooms.erase(it);
  }
  const bool deleted = room_size(s.shard(), r) == 0;
  // Listeners run once the map is consistent: they may join or leave rooms themselves.
  sockets_.emit_room_event(room_event::leave_room, r, s.id());
  if (deleted) sockets_.emit_room_event(room_event::delete_room, r, {});
}

void in_memory_adapter::del_all(socket& s) {
  const auto rooms = s.rooms();  // a copy: del() changes them
  for (const auto& r : rooms) del(s, r);
}

socket* in_memory_adapter::own_room_member(unsigned shard, const room& r) const {
  const auto& sockets = sockets_.of_shard(shard);
  const auto it = sockets.find(r);
  return it != sockets.end() && it->second->in_room(r) ? it->second.get() : nullptr;
}

std::size_t in_memory_adapter::room_size(unsigned shard, const room& r) const {
  const auto it = rooms_[shard].find(r);
  return (it == rooms_[shard].end() ? 0 : it->second.size()) + (own_room_member(shard, r) ? 1 : 0);
}

std::vector<std::shared_ptr<socket>> in_memory_adapter::select_local(unsigned shard,
                                                                     const broadcast_options& options) const {
  std::vector<std::shared_ptr<socket>> out;
  const auto excluded = [&](const socket& s) {
    for (const auto& r : options.except) {
      if (s.in_room(r)) return true;
    }
    return false;
  };
  if (options.rooms.empty()) {
    const auto& sockets = sockets_.of_shard(shard);
    out.reserve(sockets.size());
    for (const auto& [id, s] : sockets) {
      if (!excluded(*s)) out.push_back(s);
    }
    return out;
  }
  // A room's members: the sockets that joined it, and the socket it is named after (kept
  // apart, see own_room_member), never both.
  const auto members = [&](const room& r, auto&& take) {
    if (const auto it = rooms_[shard].find(r); it != rooms_[shard].end()) {
      for (auto* s : it->second) take(s);
    }
    if (auto* s = own_room_member(shard, r)) take(s);
  };
  const auto take = [&](socket* s) {
    if (!excluded(*s)) out.push_back(s->shared_from_this());
  };
  if (options.rooms.size() == 1) {
    const auto& r = *options.rooms.begin();
    if (const auto it = rooms_[shard].find(r); it != rooms_[shard].end()) out.reserve(it->second.size() + 1);
    members(r, take);
    return out;
  }
  // Several rooms: a socket in more than one of them is selected once (sorted and made
  // unique, which allocates nothing once the thread's list has grown).
  thread_local std::vector<socket*> picked;
  picked.clear();
  for (const auto& r : options.rooms) members(r, [](socket* s) { picked.push_back(s); });
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  out.reserve(picked.size());
  for (auto* s : picked) take(s);
  return out;
}

void in_memory_adapter::broadcast(packet p, const broadcast_options& options) {
  if (sockets_.recovery_enabled() && p.type == packet_type::event && !p.id && !options.flags.volatile_) {
    persist_packet(p.data, options);
  }
  deliver(std::move(p), options);
}

void in_memory_adapter::deliver(packet p, const broadcast_options& options) {
  auto f = std::make_shared<const frames>(make_frames(p));  // encoded once
  sockets_.run_on_all([this, f, options](unsigned i) {
    for (const auto& s : select_local(i, options)) sockets_.deliver(*s, *f, options.flags.volatile_);
  });
}

void in_memory_adapter::broadcast_with_ack(packet p, const broadcast_options& options, ack_callback callback) {
  const auto home = sockets_.home_shard();
  auto collector = std::make_shared<ack_collector>(sockets_.context(home), sockets_.shards(), std::move(callback));
  sockets_.run_on(home, [collector, timeout = options.flags.timeout] { collector->arm(timeout); });
  deliver_with_ack(
      std::move(p), options, [collector](std::size_t n) { collector->expect(n); },
      [collector](json args) { collector->respond(std::move(args)); });
}

void in_memory_adapter::deliver_with_ack(packet p, const broadcast_options& options,
                                         std::function<void(std::size_t)> count, std::function<void(json)> each) {
  const auto id = *p.id;
  auto f = std::make_shared<const frames>(make_frames(p));
  sockets_.run_on_all([this, f, id, options, count = std::move(count), each = std::move(each)](unsigned i) {
    const auto recipients = select_local(i, options);
    for (const auto& s : recipients) {
      sockets_.expect_ack(*s, id, [each](std::error_code ec, json args) {
        if (!ec) each(std::move(args));
      });
      sockets_.deliver(*s, *f, options.flags.volatile_);
    }
    count(recipients.size());
  });
}

void in_memory_adapter::fetch_sockets(const broadcast_options& options,
                                      std::function<void(std::error_code, std::vector<remote_socket>)> callback) {
  sockets_.gather<std::vector<remote_socket>>(
      [this, options](unsigned shard) {
        std::vector<remote_socket> found;
        for (const auto& s : select_local(shard, options)) {
          found.push_back(remote_socket{s->id(), s->handshake(), s->rooms(), s->data(), &nsp_, shard, false});
        }
        return found;
      },
      [callback = std::move(callback)](std::vector<std::vector<remote_socket>> per_shard) {
        std::vector<remote_socket> all;
        for (auto& found : per_shard) std::move(found.begin(), found.end(), std::back_inserter(all));
        callback({}, std::move(all));
      });
}

void in_memory_adapter::for_each_selected(const broadcast_options& options, std::function<void(socket&)> fn) {
  sockets_.run_on_all([this, options, fn](unsigned i) {
    for (const auto& s : select_local(i, options)) fn(*s);
  });
}

void in_memory_adapter::add_sockets(const broadcast_options& options, const std::vector<room>& rooms) {
  for_each_selected(options, [rooms](socket& s) { s.join(rooms); });
}

void in_memory_adapter::del_sockets(const broadcast_options& options, const std::vector<room>& rooms) {
  for_each_selected(options, [rooms](socket& s) {
    for (const auto& r : rooms) s.leave(r);
  });
}

void in_memory_adapter::disconnect_sockets(const broadcast_options& options, bool close) {
  for_each_selected(options, [close](socket& s) { s.disconnect(close); });
}

void in_memory_adapter::server_side_emit(json, ack_callback ack) {
  // A single node has no other server to reach.
  if (ack) ack({}, json::array());
}

void in_memory_adapter::all_rooms(std::function<void(std::error_code, std::set<room>)> callback) {
  sockets_.gather<std::set<room>>(
      [this](unsigned shard) {
        std::set<room> found;
        for (const auto& [r, members] : rooms_[shard]) found.insert(r);
        for (const auto& [id, s] : sockets_.of_shard(shard)) {
          if (s->in_room(s->id())) found.insert(s->id());
        }
        return found;
      },
      [callback = std::move(callback)](std::vector<std::set<room>> per_shard) {
        std::set<room> all;
        for (auto& found : per_shard) all.merge(found);
        callback({}, std::move(all));
      });
}

void in_memory_adapter::server_count(std::function<void(std::size_t)> callback) {
  callback(1);  // a single node
}

void in_memory_adapter::persist_packet(json& data, const broadcast_options& options) {
  const auto now = clock::now();
  const auto keep = sockets_.max_disconnection_duration();
  std::lock_guard lock(recovery_mutex_);
  auto offset = offset_prefix_ + "-" + std::to_string(++next_offset_);
  data.push_back(offset);
  packets_.push_back({std::move(offset), options, data, now});
  while (!packets_.empty() && packets_.front().at + keep < now) packets_.pop_front();
}

void in_memory_adapter::persist_session(session_snapshot session) {
  const auto now = clock::now();
  const auto keep = sockets_.max_disconnection_duration();
  std::lock_guard lock(recovery_mutex_);
  std::erase_if(sessions_, [&](const auto& item) { return item.second.disconnected_at + keep < now; });
  auto pid = session.pid;
  sessions_[pid] = stored_session{std::move(session), now};
}

void in_memory_adapter::restore_session(std::string pid, std::string offset,
                                        std::function<void(std::optional<restored_session>)> callback) {
  const auto keep = sockets_.max_disconnection_duration();
  const auto find = [&]() -> std::optional<restored_session> {
    std::lock_guard lock(recovery_mutex_);
    const auto it = sessions_.find(pid);
    if (it == sessions_.end()) return std::nullopt;
    if (it->second.disconnected_at + keep < clock::now()) {
      sessions_.erase(it);
      return std::nullopt;
    }
    const auto from =
        std::find_if(packets_.rbegin(), packets_.rend(), [&](const stored_packet& p) { return p.offset == offset; });
    if (from == packets_.rend()) return std::nullopt;
    restored_session result{std::move(it->second.session), {}};
    sessions_.erase(it);
    const auto in_session = [&](const room& r) { return result.session.rooms.contains(r); };
    for (auto p = from.base(); p != packets_.end(); ++p) {
      const auto& o = p->options;
      const bool targeted = o.rooms.empty() || std::any_of(o.rooms.begin(), o.rooms.end(), in_session);
      const bool excluded = std::any_of(o.except.begin(), o.except.end(), in_session);
      if (targeted && !excluded) result.missed.push_back(p->data);
    }
    return result;
  };
  callback(find());
}

}  // namespace sockio::sio
