// The public manager: its loop (its own thread, or the application's executor), and
// every call posted to it.
#include "sockio/client/manager.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <future>
#include <thread>

#include "detail/manager_impl.hpp"
#include "detail/socket_impl.hpp"

namespace sockio::client {

namespace asio = boost::asio;

namespace detail {

/// The thread of a manager made without an executor.
struct own_loop {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::promise<void> finished;
  std::future<void> done = finished.get_future();
  /// Set when the manager was destroyed from one of its own handlers: the thread then
  /// frees its loop once the loop has run out of work.
  bool orphaned = false;
  std::shared_ptr<loop_guard> guard;  // the manager's: ended before the loop goes
  std::thread thread{[this] {
    io.run();
    if (orphaned) {
      delete this;
      return;
    }
    finished.set_value();
  }};
};

}  // namespace detail

manager::manager(std::string url, options opts) {
  auto loop = std::make_unique<detail::own_loop>();
  try {
    impl_ = std::make_shared<detail::manager_impl>(loop->io.get_executor(), url, std::move(opts));
  } catch (...) {
    loop->work.reset();
    loop->io.stop();
    loop->thread.join();
    throw;
  }
  loop->guard = impl_->guard();
  loop_ = std::move(loop);
}

manager::manager(asio::any_io_executor executor, std::string url, options opts)
    : impl_(std::make_shared<detail::manager_impl>(asio::make_strand(executor), url, std::move(opts))) {}

manager::~manager() {
  if (!impl_) return;
  asio::post(impl_->executor(), [impl = impl_] { impl->shutdown(); });
  if (!loop_) return;
  // From now on a socket handle's call fails at once instead of reaching a loop that ends.
  loop_->guard->end();
  if (loop_->thread.get_id() == std::this_thread::get_id()) {
    // No listener of this manager runs after its destructor, not even the rest of the
    // batch being handled.
    impl_->shutdown();
  }
  impl_.reset();
  loop_->work.reset();
  if (loop_->thread.get_id() == std::this_thread::get_id()) {
    // Destroyed from one of its own handlers: the loop ends by itself once idle, and its
    // thread frees it.
    loop_->thread.detach();
    loop_->orphaned = true;
    (void)loop_.release();
    return;
  }
  // Closing sends a close frame or packet; a peer that does not take it gets 2 s.
  if (loop_->done.wait_for(std::chrono::seconds(2)) != std::future_status::ready) loop_->io.stop();
  loop_->thread.join();
}

client::socket manager::socket(std::string nsp, socket_options opts) {
  auto s = impl_->socket(std::move(nsp), std::move(opts));
  // As the JS Manager.socket(): connects a new socket, or one that left; never twice.
  if (impl_->opts().auto_connect && !s->active()) {
    asio::post(impl_->executor(), [s] { s->connect(); });
  }
  return client::socket(std::move(s));
}

void manager::open() {
  asio::post(impl_->executor(), [impl = impl_] { impl->open(); });
}
void manager::close() {
  asio::post(impl_->executor(), [impl = impl_] { impl->close(); });
}
void manager::drop_connection() {
  asio::post(impl_->executor(), [impl = impl_] { impl->drop_connection(); });
}

namespace {

template <class Member, class F>
void set_event(const std::shared_ptr<detail::manager_impl>& impl, Member member, F f) {
  asio::post(impl->executor(), [impl, member, f = std::move(f)]() mutable { impl->set_event(member, std::move(f)); });
}

}  // namespace

void manager::on_open(std::function<void()> f) {
  set_event(impl_, &detail::manager_events::on_open, std::move(f));
}
void manager::on_error(std::function<void(std::error_code, const std::string&)> f) {
  set_event(impl_, &detail::manager_events::on_error, std::move(f));
}
void manager::on_close(std::function<void(const std::string&, const std::string&)> f) {
  set_event(impl_, &detail::manager_events::on_close, std::move(f));
}
void manager::on_ping(std::function<void()> f) {
  set_event(impl_, &detail::manager_events::on_ping, std::move(f));
}
void manager::on_reconnect_attempt(std::function<void(std::uint64_t)> f) {
  set_event(impl_, &detail::manager_events::on_reconnect_attempt, std::move(f));
}
void manager::on_reconnect(std::function<void(std::uint64_t)> f) {
  set_event(impl_, &detail::manager_events::on_reconnect, std::move(f));
}
void manager::on_reconnect_error(std::function<void(std::error_code, const std::string&)> f) {
  set_event(impl_, &detail::manager_events::on_reconnect_error, std::move(f));
}
void manager::on_reconnect_failed(std::function<void()> f) {
  set_event(impl_, &detail::manager_events::on_reconnect_failed, std::move(f));
}
void manager::on_upgrade(std::function<void(const std::string&)> f) {
  set_event(impl_, &detail::manager_events::on_upgrade, std::move(f));
}
void manager::on_upgrade_error(std::function<void(const std::string&)> f) {
  set_event(impl_, &detail::manager_events::on_upgrade_error, std::move(f));
}
void manager::on_packet(std::function<void(char, const std::string&)> f) {
  set_event(impl_, &detail::manager_events::on_packet, std::move(f));
}

std::string manager::transport() const {
  return impl_->transport();
}
std::string manager::engine_id() const {
  return impl_->engine_id();
}
asio::any_io_executor manager::get_executor() const {
  return impl_->executor();
}

}  // namespace sockio::client
