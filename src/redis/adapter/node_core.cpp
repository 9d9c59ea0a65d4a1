#include "node_core.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <future>

namespace sockio::redis::detail {

namespace asio = boost::asio;

node_core::node_core(std::string node_uid) : uid(std::move(node_uid)), work_(io.get_executor()) {}

node_core::~node_core() {
  shutdown({});
}

void node_core::start(const std::function<void()>& before) {
  std::call_once(started_, [&] {
    if (before) before();
    thread_ = std::thread([this] { io.run(); });
  });
}

void node_core::shutdown(const std::function<void()>& stop_connections) {
  if (!thread_.joinable()) return;
  run_and_wait([&] {
    if (stop_connections) stop_connections();
    for (auto& [id, r] : requests_) {
      if (r.timer) r.timer->cancel();
    }
    requests_.clear();
  });
  work_.reset();
  io.stop();
  // The last owner may let go on the node's own thread (a handler's capture): it cannot
  // join itself, and its loop ends with this handler.
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void node_core::post(std::function<void()> fn) {
  asio::post(io, std::move(fn));
}

void node_core::run_and_wait(const std::function<void()>& fn) {
  if (!thread_.joinable() || thread_.get_id() == std::this_thread::get_id()) return fn();
  std::promise<void> done;
  asio::post(io, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

void node_core::begin_request(const std::string& id, pending_request r, std::chrono::milliseconds timeout) {
  r.timer = std::make_unique<asio::steady_timer>(io, timeout);
  r.timer->async_wait([this, id](boost::system::error_code ec) {
    if (ec) return;
    const auto it = requests_.find(id);
    if (it == requests_.end()) return;
    if (it->second.expected != 0) ++request_timeouts;
    finish(id, make_error_code(std::errc::timed_out));
  });
  requests_[id] = std::move(r);
}

void node_core::answer(const std::string& id, const wire::json& response) {
  const auto it = requests_.find(id);
  if (it == requests_.end()) return;  // another node's request, or one that ended
  ++received;
  auto& r = it->second;
  if (r.on_response) r.on_response(response);
  if (r.expected != 0 && ++r.received >= r.expected) finish(it->first, {});
}

std::pair<std::size_t, std::size_t> node_core::progress(const std::string& id) const {
  const auto it = requests_.find(id);
  return it == requests_.end() ? std::pair<std::size_t, std::size_t>{0, 0}
                               : std::pair{it->second.received, it->second.expected};
}

void node_core::finish(const std::string& id, std::error_code ec) {
  const auto it = requests_.find(id);
  if (it == requests_.end()) return;
  auto r = std::move(it->second);
  requests_.erase(it);
  if (r.timer) r.timer->cancel();
  if (r.on_done) r.on_done(ec);
}

void node_core::forget_requests(const void* owner) {
  std::erase_if(requests_, [owner](auto& item) {
    if (item.second.owner != owner) return false;
    if (item.second.timer) item.second.timer->cancel();
    return true;
  });
}

void node_core::counted(std::error_code ec, const std::vector<reply>& replies,
                        const std::function<void(std::error_code, std::size_t)>& done) {
  if (ec) return done(ec, 0);
  std::int64_t n = 0;
  for (const auto& r : replies) {
    if (!r.is_array() || r.elements.size() != 2 || r.elements[1].type != reply::kind::integer) {
      return done(make_error_code(errc::protocol_error), 0);
    }
    n += std::max<std::int64_t>(r.elements[1].integer, 0);
  }
  peers = std::max<std::int64_t>(n - 1, 0);
  done({}, static_cast<std::size_t>(n));
}

cluster_stats node_core::stats(bool up) const {
  cluster_stats s;
  s.up = up;
  s.peers = peers.load();
  s.publishes = publishes.load();
  s.received = received.load();
  s.request_timeouts = request_timeouts.load();
  s.dropped = dropped.load();
  return s;
}

void node_core::drop(std::string_view channel, std::string_view reason) {
  ++dropped;
  ++drops_since_log_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_drop_log_ < std::chrono::seconds(1)) return;
  spdlog::warn("redis adapter: dropped a message on {}: {} ({} dropped since the last such line)", channel, reason,
               drops_since_log_);
  last_drop_log_ = now;
  drops_since_log_ = 0;
}

}  // namespace sockio::redis::detail
