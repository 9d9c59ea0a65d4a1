#include "streams_state.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "sockio/codec/random_id.hpp"
#include "sockio/redis/cluster_wire.hpp"
#include "streams_adapter.hpp"

namespace sockio::redis::detail {

namespace {

connection_options named(connection_options o, const char* role) {
  o.name = role;
  return o;
}

/// Every stream a namespace can be written to. Node's hash keeps its sign, so with several
/// streams a namespace may land on `<name>--<i>`, which Node's readers never read; sockio's
/// read those too.
std::vector<std::string> streams_of(const streams_adapter_options& o) {
  if (o.stream_count <= 1) return {o.stream_name};
  std::vector<std::string> out;
  for (unsigned i = 0; i < o.stream_count; ++i) out.push_back(o.stream_name + "-" + std::to_string(i));
  for (unsigned i = 1; i < o.stream_count; ++i) out.push_back(o.stream_name + "--" + std::to_string(i));
  return out;
}

}  // namespace

streams_state::streams_state(streams_adapter_options o)
    : node_core(codec::random_hex(8)),
      options(std::move(o)),
      pub(io.get_executor(), named(options.connection, "streams pub")),
      sub(io.get_executor(), named(options.connection, "streams sub")),
      reader(io.get_executor(), named(options.connection, "streams reader")),
      streams_(streams_of(options)),
      last_ids_(streams_.size(), "$"),
      retry_(io) {}

streams_state::~streams_state() {
  shutdown();
}

void streams_state::start() {
  node_core::start([this] {
    sub.on_message([this](const pubsub_message& m) { on_message(m); });
    // As Node, reading starts at "$" (what is appended from now on) once the reader is up,
    // and goes on from the last entry seen after a reconnection.
    reader.on_state([this](bool up) {
      if (up) read();
    });
    pub.start();
    sub.start();
    reader.start();
  });
}

void streams_state::shutdown() {
  // What the server wrote while it stopped (the sessions of the sockets it disconnected,
  // for their recovery on another node) reaches Redis first: commands go in order, so
  // once a PING is answered everything before it was. Bounded: Redis may be away.
  if (running() && pub.connected() && !io.get_executor().running_in_this_thread()) {
    auto flushed = std::make_shared<std::promise<void>>();
    auto done = flushed->get_future();
    pub.command({"PING"}, [flushed](std::error_code, reply) { flushed->set_value(); });
    done.wait_for(std::chrono::seconds(2));
  }
  node_core::shutdown([this] {
    retry_.cancel();
    pub.stop();
    sub.stop();
    reader.stop();
  });
}

void streams_state::append(std::string stream, std::vector<std::string> fields, std::function<void(std::string)> done) {
  ++publishes;
  std::vector<std::string> args{"XADD", std::move(stream), "MAXLEN", "~", std::to_string(options.max_len), "*"};
  args.insert(args.end(), std::make_move_iterator(fields.begin()), std::make_move_iterator(fields.end()));
  pub.command(std::move(args), [this, done = std::move(done)](std::error_code ec, reply r) {
    if (ec || r.type != reply::kind::string) ++dropped;
    if (done) done(ec || r.type != reply::kind::string ? std::string() : std::move(r.str));
  });
}

void streams_state::publish(std::string channel, std::string payload) {
  ++publishes;
  pub.command({"PUBLISH", std::move(channel), std::move(payload)}, [this](std::error_code ec, reply) {
    if (ec) ++dropped;
  });
}

void streams_state::count_nodes(const std::string& channel, std::function<void(std::error_code, std::size_t)> done) {
  pub.command({"PUBSUB", "NUMSUB", channel},
              [this, done = std::move(done)](std::error_code ec, reply r) { counted(ec, {std::move(r)}, done); });
}

void streams_state::add(streams_adapter& a, std::vector<std::string> channels) {
  {
    std::lock_guard lock(routes_mutex_);
    by_nsp_[a.nsp_name()] = &a;
    for (const auto& c : channels) by_channel_[c] = &a;
  }
  sub.subscribe(std::move(channels));
}

void streams_state::remove(streams_adapter& a, std::vector<std::string> channels) {
  {
    std::lock_guard lock(routes_mutex_);
    if (const auto it = by_nsp_.find(a.nsp_name()); it != by_nsp_.end() && it->second == &a) by_nsp_.erase(it);
    for (const auto& c : channels) by_channel_.erase(c);
  }
  sub.unsubscribe(std::move(channels));
}

void streams_state::read() {
  if (reading_ || !reader.connected()) return;
  reading_ = true;
  std::vector<std::string> args{
      "XREAD",  "COUNT", std::to_string(options.read_count), "BLOCK", std::to_string(options.block_time.count()),
      "STREAMS"};
  args.insert(args.end(), streams_.begin(), streams_.end());
  args.insert(args.end(), last_ids_.begin(), last_ids_.end());
  reader.command(std::move(args), [this](std::error_code ec, reply r) {
    reading_ = false;
    if (!ec) {
      on_entries(r);
      {
        std::lock_guard lock(routes_mutex_);
        for (const auto& [nsp, a] : by_nsp_) a->refresh_sessions();
      }
      return read();
    }
    // Lost: the reader's coming back up reads again. Refused (not a stream...): logged,
    // tried again a moment later, not in a loop.
    if (ec == errc::server_error) {
      spdlog::warn("redis streams adapter: XREAD refused: {}", r.text());
      retry_.expires_after(std::chrono::milliseconds(500));
      retry_.async_wait([this](boost::system::error_code e) {
        if (!e) read();
      });
    }
  });
}

void streams_state::on_entries(const reply& r) {
  // nil on a timeout; else [[stream, [[id, [field, value, ...]], ...]], ...]
  if (!r.is_array()) return;
  for (const auto& s : r.elements) {
    if (!s.is_array() || s.elements.size() != 2 || !s.elements[1].is_array()) continue;
    const auto name = s.elements[0].text();
    const auto at = std::find(streams_.begin(), streams_.end(), name);
    if (at == streams_.end()) continue;
    auto& last = last_ids_[static_cast<std::size_t>(at - streams_.begin())];
    for (const auto& entry : s.elements[1].elements) {
      if (!entry.is_array() || entry.elements.size() != 2) continue;
      last = entry.elements[0].str;
      std::vector<std::string> fields;
      if (entry.elements[1].is_array()) {
        for (const auto& f : entry.elements[1].elements) fields.push_back(f.str);
      }
      std::string error;
      auto m = cluster_wire::decode_stream_entry(fields, error);
      if (!m) {
        drop(name, error);
        continue;
      }
      std::lock_guard lock(routes_mutex_);
      if (const auto it = by_nsp_.find(m->nsp); it != by_nsp_.end()) it->second->on_message(*m, name, last);
    }
    if (last == "$") continue;
    std::lock_guard lock(routes_mutex_);
    for (const auto& [nsp, a] : by_nsp_) {
      if (a->stream() == name) a->on_stream_read(last);
    }
  }
}

void streams_state::on_message(const pubsub_message& m) {
  // The lock keeps an adapter from going away while it handles a message.
  std::lock_guard lock(routes_mutex_);
  const auto it = by_channel_.find(std::string(m.channel));
  if (it != by_channel_.end()) it->second->on_channel_message(m.channel, m.payload);
}

}  // namespace sockio::redis::detail

namespace sockio::redis {

streams_node::streams_node(streams_adapter_options options)
    : state_(std::make_shared<detail::streams_state>(std::move(options))) {}

streams_node::~streams_node() {
  state_->shutdown();
}

sio::adapter_factory streams_node::adapter_factory() {
  return [state = state_](sio::namespace_& nsp) -> std::unique_ptr<sio::adapter> {
    state->start();
    return std::make_unique<detail::streams_adapter>(nsp, state);
  };
}

const std::string& streams_node::uid() const noexcept {
  return state_->uid;
}

cluster_stats streams_node::stats() const {
  return state_->stats(state_->pub.connected() && state_->sub.connected() && state_->reader.connected());
}

}  // namespace sockio::redis
