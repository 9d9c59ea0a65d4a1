// sockio-soak's client (soak_client.cpp): one slot of the churn against sockio-server.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "ws_connection.hpp"

namespace sockio::bench {

/// What one connection of the soak does: its room, how often it publishes and how long it
/// stays.
struct soak_plan {
  std::string room;
  std::chrono::milliseconds publish_every{2000};  ///< mean; each wait is 0.5–1.5 times it
  std::chrono::milliseconds lifetime{30000};
  std::uint32_t seed = 0;
};

/// A connection of the soak against sockio-server's demo: joins its room, publishes a
/// "tick" to it now and then (each publish acknowledged: its round trip is the latency
/// figure), counts the ticks of the room's other members, and leaves ("41") once its
/// lifetime is over. `on_end` then runs (also after a failure): the slot's next
/// connection starts.
class soak_client final : public connection {
 public:
  soak_client(net::io_context& ioc, shared_state& shared, stats& st, soak_plan plan, std::function<void()> on_end);

  /// Ends the connection at the end of the run (not counted as a leave).
  void stop();

 protected:
  void on_connected() override;
  void on_message(std::string_view m) override;
  void failed() override;

 private:
  void schedule_publish();
  void publish();
  void end();

  soak_plan plan_;
  std::function<void()> on_end_;
  net::steady_timer publish_timer_;
  net::steady_timer life_timer_;
  std::uint32_t random_;
  std::uint64_t next_id_ = 0;
  std::uint64_t pending_id_ = 0;  ///< the publish awaiting its ack (0: none)
  std::int64_t pending_since_us_ = 0;
  bool connected_ = false;
  bool joined_ = false;
  bool ended_ = false;
};

}  // namespace sockio::bench
