#include "engine_harness.hpp"

#include <stdexcept>

namespace sockio::test {
namespace {

class recorder final : public engine::session_handler {
 public:
  explicit recorder(engine_harness& h) : harness_(h) {}

  void on_message(engine::session& s, std::string_view data, bool binary) override {
    harness_.record(binary ? "binary " + s.id() + " " + std::to_string(data.size())
                           : "message " + s.id() + " " + std::string(data));
    if (harness_.on_message) {
      harness_.on_message(s, data, binary);
    } else {
      s.send(data, binary);
    }
  }
  void on_close(engine::session& s, std::string_view reason) override {
    harness_.record("close " + s.id() + " " + std::string(reason));
  }
  void on_upgrade(engine::session& s) override { harness_.record("upgrade " + s.id()); }
  void on_drain(engine::session& s) override { harness_.record("drain " + s.id()); }

 private:
  engine_harness& harness_;
};

}  // namespace

namespace {

/// Test clients are abandoned, not polling: a stop need not wait long for them.
engine::server_options with_defaults(engine::server_options o) {
  if (o.stop_timeout == engine::server_options{}.stop_timeout) o.stop_timeout = std::chrono::milliseconds(200);
  return o;
}

}  // namespace

engine_harness::engine_harness(engine::server_options options) : server_(with_defaults(std::move(options))) {
  server_.on_connection([this](const std::shared_ptr<engine::session>& s) {
    {
      std::lock_guard lock(mutex_);
      sessions_.push_back(s);
    }
    s->set_handler(std::make_shared<recorder>(*this));
    record("open " + s->id() + " " + std::string(engine::to_string(s->transport())));
  });
  server_.on_close([this](engine::session& s, std::string_view reason) {
    record("observed close " + s.id() + " " + std::string(reason));
  });
  if (auto ec = server_.listen("127.0.0.1", 0)) throw std::runtime_error(ec.message());
  server_.start();
}

engine_harness::~engine_harness() {
  server_.stop();
}

std::shared_ptr<engine::session> engine_harness::session(const std::string& sid) {
  // The client may see the open packet before on_connection has run.
  if (wait_prefix("open " + sid).empty()) return nullptr;
  std::lock_guard lock(mutex_);
  for (const auto& weak : sessions_) {
    if (auto s = weak.lock(); s && s->id() == sid) return s;
  }
  return nullptr;
}

}  // namespace sockio::test
