#include "streams_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "sockio/sio/namespace.hpp"
#include "streams_state.hpp"

namespace sockio::redis::detail {

using cluster_wire::message_type;
using cluster_wire::ojson;
using wire::json;

namespace {

/// As Node's isEphemeral: what goes through pub/sub rather than the stream.
bool ephemeral(message_type type, const ojson& data) {
  return (type == message_type::broadcast && data.contains("requestId")) || type == message_type::fetch_sockets ||
         type == message_type::server_side_emit;
}

/// A stream entry id, `<milliseconds>-<sequence>`.
bool is_entry_id(const std::string& id) {
  const auto dash = id.find('-');
  const auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return dash != std::string::npos && digits(std::string_view(id).substr(0, dash)) &&
         digits(std::string_view(id).substr(dash + 1));
}

/// Whether entry id `a` comes before `b` (both entry ids).
bool id_before(const std::string& a, const std::string& b) {
  const auto parts = [](const std::string& id) {
    const auto dash = id.find('-');
    return std::pair(std::stoull(id.substr(0, dash)), std::stoull(id.substr(dash + 1)));
  };
  return parts(a) < parts(b);
}

/// XRANGE calls of one restore at most (Node's RESTORE_SESSION_MAX_XRANGE_CALLS).
constexpr int max_xrange_calls = 100;

/// The broadcasts kept for restores in progress (a few seconds of traffic).
constexpr std::size_t recent_capacity = 4096;

/// The id just after `id` (XRANGE's exclusive start, as Node writes it for Redis < 6.2).
std::string next_id(const std::string& id) {
  const auto dash = id.find('-');
  return id.substr(0, dash + 1) + std::to_string(std::stoull(id.substr(dash + 1)) + 1);
}

/// As Node's shouldIncludePacket: a broadcast to no room or to one of the session's, and to
/// none of them excepted.
bool reaches(const std::set<sio::room>& rooms, const sio::broadcast_options& o) {
  const auto in_session = [&](const sio::room& r) { return rooms.contains(r); };
  const bool included = o.rooms.empty() || std::any_of(o.rooms.begin(), o.rooms.end(), in_session);
  return included && std::none_of(o.except.begin(), o.except.end(), in_session);
}

}  // namespace

streams_adapter::streams_adapter(sio::namespace_& nsp, std::shared_ptr<streams_state> node)
    : cluster_adapter(nsp, node, node->options.requests_timeout),
      node_(std::move(node)),
      stream_(cluster_wire::stream_name(node_->options.stream_name, node_->options.stream_count, nsp.name())),
      main_(node_->options.channel_prefix + "#" + nsp.name() + "#"),
      response_(main_ + node_->uid + "#") {
  node_->add(*this, {main_, response_});
}

streams_adapter::~streams_adapter() {
  node_->remove(*this, {main_, response_});
  close();
}

std::function<void()> streams_adapter::publisher(message_type type, const ojson& data, const sio::broadcast_options*) {
  if (ephemeral(type, data)) {
    return [node = node_, channel = main_, payload = cluster_wire::encode_msgpack(type, data, node_->uid, nsp_name())] {
      node->publish(channel, payload);
    };
  }
  return [node = node_, stream = stream_,
          fields = cluster_wire::stream_fields(type, data, node_->uid, nsp_name(), node_->options.only_plaintext)] {
    node->append(stream, fields);
  };
}

std::function<void(message_type, const ojson&)> streams_adapter::responder(const std::string& requester) {
  return [node = node_, channel = main_ + requester + "#", nsp = nsp_name()](message_type type, const ojson& data) {
    node->publish(channel, cluster_wire::encode_msgpack(type, data, node->uid, nsp));
  };
}

void streams_adapter::count_nodes(std::function<void(std::error_code, std::size_t)> done) {
  node_->count_nodes(main_, std::move(done));
}

void streams_adapter::on_channel_message(std::string_view channel, std::string_view payload) {
  std::string error;
  auto m = cluster_wire::decode(payload, error);
  if (!m) return drop(channel, error);
  on_message(*m, channel);
}

bool streams_adapter::takes_offset(const sio::packet& p, const sio::broadcast_options& options) const {
  return sockets_.recovery_enabled() && p.type == sio::packet_type::event && !p.id && !options.flags.volatile_;
}

void streams_adapter::append_then(message_type type, const ojson& data, std::function<void(std::string)> local) {
  auto fields = cluster_wire::stream_fields(type, data, node_->uid, nsp_name(), node_->options.only_plaintext);
  sockets_.post(sockets_.home_shard(),
                [this, alive = alive(), fields = std::move(fields), local = std::move(local)]() mutable {
                  node_->append(stream_, std::move(fields), [alive, local = std::move(local)](std::string id) {
                    if (alive.lock()) local(std::move(id));
                  });
                });
}

void streams_adapter::broadcast(sio::packet p, const sio::broadcast_options& options) {
  if (options.flags.local) return deliver(std::move(p), options);
  const auto data = cluster_wire::broadcast_data(p, options);
  if (!sockets_.recovery_enabled()) {
    // This node's sockets first, the entry queued behind their writes.
    deliver(std::move(p), options);
    return publish_in_order(message_type::broadcast, data, &options);
  }
  // The event's offset is the id Redis gives its entry: this node's sockets get it once
  // that is known, as Node's (which awaits the XADD). Refused: delivered without one.
  append_then(message_type::broadcast, data, [this, p = std::move(p), options](std::string id) mutable {
    if (!id.empty()) remember(id, p, options);
    if (!id.empty() && takes_offset(p, options)) p.data.push_back(std::move(id));
    deliver(std::move(p), options);
  });
}

// With recovery on, broadcasts wait for their XADD; so do these, so that this node applies
// them in call order too (Node awaits every XADD).
void streams_adapter::add_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (options.flags.local || !sockets_.recovery_enabled()) return cluster_adapter::add_sockets(options, rooms);
  append_then(message_type::sockets_join, cluster_wire::rooms_data(options, rooms),
              [this, options, rooms](std::string) { in_memory_adapter::add_sockets(options, rooms); });
}

void streams_adapter::del_sockets(const sio::broadcast_options& options, const std::vector<sio::room>& rooms) {
  if (options.flags.local || !sockets_.recovery_enabled()) return cluster_adapter::del_sockets(options, rooms);
  append_then(message_type::sockets_leave, cluster_wire::rooms_data(options, rooms),
              [this, options, rooms](std::string) { in_memory_adapter::del_sockets(options, rooms); });
}

void streams_adapter::disconnect_sockets(const sio::broadcast_options& options, bool close) {
  if (options.flags.local || !sockets_.recovery_enabled()) return cluster_adapter::disconnect_sockets(options, close);
  append_then(message_type::disconnect_sockets, cluster_wire::disconnect_data(options, close),
              [this, options, close](std::string) { in_memory_adapter::disconnect_sockets(options, close); });
}

void streams_adapter::on_remote_broadcast(sio::packet p, const sio::broadcast_options& options,
                                          const std::string& offset) {
  if (!offset.empty()) remember(offset, p, options);
  if (!offset.empty() && takes_offset(p, options)) p.data.push_back(offset);
  deliver(std::move(p), options);
}

// --- connection state recovery, in Redis ---------------------------------------------------

void streams_adapter::persist_session(sio::session_snapshot session) {
  const auto ms = std::to_string(sockets_.max_disconnection_duration().count());
  // Sent at once (not behind the adapter's guard): a stopping server's sessions must reach
  // Redis after its namespaces are gone.
  node_->pub.command(
      {"SET", node_->options.session_key_prefix + session.pid, cluster_wire::encode_session(session), "PX", ms});
  if (keeps_connected_sessions()) on_node([this, pid = std::move(session.pid)] { kept_.erase(pid); });
}

bool streams_adapter::keeps_connected_sessions() const {
  return node_->options.persist_connected_sessions && sockets_.recovery_enabled();
}

void streams_adapter::keep_session(sio::session_snapshot session) {
  on_node([this, pid = session.pid, encoded = cluster_wire::encode_session(session)]() mutable {
    node_->pub.command({"SET", node_->options.session_key_prefix + pid, encoded, "PX",
                        std::to_string(sockets_.max_disconnection_duration().count())});
    kept_[std::move(pid)] = std::move(encoded);
  });
}

void streams_adapter::forget_session(const std::string& pid) {
  on_node([this, pid] {
    kept_.erase(pid);
    node_->pub.command({"DEL", node_->options.session_key_prefix + pid});
  });
}

void streams_adapter::refresh_sessions() {
  const auto ttl = sockets_.max_disconnection_duration();
  const auto now = std::chrono::steady_clock::now();
  if (kept_.empty() || now - refreshed_at_ < ttl / 2) return;
  refreshed_at_ = now;
  for (const auto& [pid, encoded] : kept_) {
    node_->pub.command({"SET", node_->options.session_key_prefix + pid, encoded, "PX", std::to_string(ttl.count())});
  }
}

void streams_adapter::restore_session(std::string pid, std::string offset,
                                      std::function<void(std::optional<sio::restored_session>)> callback) {
  // As Node: an offset that is no entry id is refused (the client gets a new session).
  if (!is_entry_id(offset)) return callback(std::nullopt);
  on_node([this, pid = std::move(pid), offset = std::move(offset), callback = std::move(callback)]() mutable {
    struct lookup {
      std::optional<std::string> session;
      bool offset_known = false;
      int answers = 0;
    };
    auto l = std::make_shared<lookup>();
    auto both = [this, l, offset, callback]() mutable {
      if (++l->answers < 2) return;
      if (!l->session || !l->offset_known) return callback(std::nullopt);  // expired, or trimmed away
      std::string error;
      auto session = cluster_wire::decode_session(*l->session, error);
      if (!session) {
        drop(node_->options.session_key_prefix, error);
        return callback(std::nullopt);
      }
      collect_missed(std::make_shared<sio::restored_session>(sio::restored_session{std::move(*session), {}}), offset, 0,
                     std::move(callback));
    };
    // GETDEL (Redis 6.2) where Node sends MULTI GET DEL EXEC: the same, in one command.
    node_->pub.command({"GETDEL", node_->options.session_key_prefix + pid}, [alive = alive(), l, both](
                                                                                std::error_code ec, reply r) mutable {
      if (!alive.lock()) return;
      if (ec == errc::server_error) {
        spdlog::warn("redis streams adapter: GETDEL refused ({}): recovery needs Redis 6.2", r.text());
      }
      if (!ec && r.type == reply::kind::string) l->session = std::move(r.str);
      both();
    });
    node_->pub.command({"XRANGE", stream_, offset, offset},
                       [alive = alive(), l, both](std::error_code ec, reply r) mutable {
                         if (!alive.lock()) return;
                         l->offset_known = !ec && r.is_array() && !r.elements.empty();
                         both();
                       });
  });
}

void streams_adapter::collect_missed(std::shared_ptr<sio::restored_session> restored, std::string offset, int calls,
                                     std::function<void(std::optional<sio::restored_session>)> callback) {
  if (calls >= max_xrange_calls)
    return finish_restore(std::move(restored), std::move(offset), calls, std::move(callback));
  node_->pub.command({"XRANGE", stream_, next_id(offset), "+", "COUNT", std::to_string(node_->options.read_count)},
                     [this, alive = alive(), restored, offset, calls, callback = std::move(callback)](
                         std::error_code ec, reply r) mutable {
                       if (!alive.lock()) return;
                       if (ec || !r.is_array()) return callback(std::nullopt);
                       if (r.elements.empty()) return finish_restore(restored, offset, calls, std::move(callback));
                       std::string last;
                       for (const auto& entry : r.elements) {
                         if (!entry.is_array() || entry.elements.size() != 2 || !entry.elements[1].is_array()) continue;
                         last = entry.elements[0].str;
                         std::vector<std::string> fields;
                         for (const auto& f : entry.elements[1].elements) fields.push_back(f.str);
                         std::string error;
                         const auto m = cluster_wire::decode_stream_entry(fields, error);
                         if (!m) {
                           drop(stream_, error);
                           continue;
                         }
                         if (m->nsp != nsp_name() || m->type != message_type::broadcast || !m->data.is_object())
                           continue;
                         const auto packet = m->data.find("packet");
                         const auto opts = m->data.find("opts");
                         if (packet == m->data.end() || opts == m->data.end()) continue;
                         auto p = wire::decode_event_packet(*packet, nsp_name());
                         auto o = wire::decode_options(*opts);
                         if (!p || !o || !reaches(restored->session.rooms, *o)) continue;
                         p->data.push_back(last);
                         restored->missed.push_back(std::move(p->data));
                       }
                       if (last.empty()) return finish_restore(restored, offset, calls, std::move(callback));
                       // The end of the stream for now: what comes next is delivered here, kept in `recent_`.
                       if (r.elements.size() < node_->options.read_count)
                         return finish_restore(restored, last, calls, std::move(callback));
                       collect_missed(restored, last, calls + 1, std::move(callback));
                     });
}

void streams_adapter::finish_restore(std::shared_ptr<sio::restored_session> restored, std::string offset, int calls,
                                     std::function<void(std::optional<sio::restored_session>)> callback) {
  // Entries up to `offset` that the reader has not handed over yet would reach the socket
  // a second time once it is back in its rooms: wait for them. ("" before the first
  // entry: everything in the stream was there before the reader started.)
  if (!read_up_to_.empty() && id_before(read_up_to_, offset)) {
    waiting_.push_back({std::move(offset), std::move(restored), calls, std::move(callback)});
    return;
  }
  // Broadcasts delivered here after `offset` reached the rooms without the socket. Kept
  // no longer: read them from the stream again.
  if (!forgotten_up_to_.empty() && id_before(offset, forgotten_up_to_)) {
    if (calls + 1 < max_xrange_calls) {
      return collect_missed(std::move(restored), std::move(offset), calls + 1, std::move(callback));
    }
  }
  for (const auto& d : recent_) {
    if (!id_before(offset, d.id) || !reaches(restored->session.rooms, d.options)) continue;
    auto data = d.packet.data;
    data.push_back(d.id);
    restored->missed.push_back(std::move(data));
  }
  // The socket joins its rooms on its shard after every delivery queued so far.
  callback(std::move(*restored));
}

void streams_adapter::on_stream_read(const std::string& id) {
  read_up_to_ = id;
  auto ready = std::stable_partition(waiting_.begin(), waiting_.end(),
                                     [&](const waiting_restore& w) { return id_before(id, w.offset); });
  std::vector<waiting_restore> done(std::make_move_iterator(ready), std::make_move_iterator(waiting_.end()));
  waiting_.erase(ready, waiting_.end());
  for (auto& w : done) finish_restore(std::move(w.restored), std::move(w.offset), w.calls, std::move(w.callback));
}

void streams_adapter::remember(const std::string& id, const sio::packet& p, const sio::broadcast_options& options) {
  if (!sockets_.recovery_enabled()) return;
  recent_.push_back({id, p, options});
  if (recent_.size() > recent_capacity) {
    if (forgotten_up_to_.empty() || id_before(forgotten_up_to_, recent_.front().id)) {
      forgotten_up_to_ = recent_.front().id;
    }
    recent_.pop_front();
  }
}

}  // namespace sockio::redis::detail
