#include "soak_client.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

namespace sockio::bench {

soak_client::soak_client(net::io_context& ioc, shared_state& shared, stats& st, soak_plan plan,
                         std::function<void()> on_end)
    : connection(ioc, shared, st),
      plan_(std::move(plan)),
      on_end_(std::move(on_end)),
      publish_timer_(ioc),
      life_timer_(ioc),
      random_(plan_.seed | 1) {}

void soak_client::stop() {
  ended_ = true;
  publish_timer_.cancel();
  life_timer_.cancel();
  close();
}

void soak_client::on_connected() {
  connection::on_connected();
  connected_ = true;
  send("420" + nlohmann::json::array({"join", plan_.room}).dump());
  life_timer_.expires_after(plan_.lifetime);
  life_timer_.async_wait([self = std::static_pointer_cast<soak_client>(shared_from_this())](beast::error_code ec) {
    if (ec || self->ended_) return;
    ++self->stats_.left;
    --self->shared_.ready;
    self->publish_timer_.cancel();
    self->leave();
    self->end();
  });
}

void soak_client::on_message(std::string_view m) {
  if (m.starts_with("430")) {  // the join's ack
    if (m.find("\"ok\":true") == std::string_view::npos) return fail("join refused: " + std::string(m.substr(0, 120)));
    joined_ = true;
    return schedule_publish();
  }
  if (m.starts_with("43")) {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(m.data() + 2, m.data() + m.size(), id);
    if (ec != std::errc{} || id != pending_id_) return fail("unexpected ack: " + std::string(m.substr(0, 120)));
    if (std::string_view(end, m.data() + m.size()).find("\"ok\":true") == std::string_view::npos) {
      return fail("publish refused: " + std::string(m.substr(0, 120)));
    }
    ++stats_.acks;
    shared_.acks.fetch_add(1, std::memory_order_relaxed);
    stats_.latencies_us.push_back(static_cast<std::uint32_t>(now_us() - pending_since_us_));
    pending_id_ = 0;
    return;
  }
  if (m.starts_with("42[\"tick\"")) {
    ++stats_.deliveries;
    shared_.deliveries.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (m.starts_with("42[\"error\"")) return fail("error event: " + std::string(m.substr(0, 120)));
  if (m.starts_with("42")) return;  // presence announcements
  connection::on_message(m);
}

void soak_client::failed() {
  if (std::exchange(ended_, true)) return;
  publish_timer_.cancel();
  life_timer_.cancel();
  if (connected_) --shared_.ready;
  close();
  end();
}

void soak_client::schedule_publish() {
  // xorshift32: a wait of 0.5–1.5 times the mean, different for every connection.
  random_ ^= random_ << 13;
  random_ ^= random_ >> 17;
  random_ ^= random_ << 5;
  const auto mean = plan_.publish_every.count();
  publish_timer_.expires_after(std::chrono::milliseconds(mean / 2 + static_cast<long>(random_ % (mean + 1))));
  publish_timer_.async_wait([self = std::static_pointer_cast<soak_client>(shared_from_this())](beast::error_code ec) {
    if (ec || self->ended_) return;
    self->publish();
    self->schedule_publish();
  });
}

void soak_client::publish() {
  if (pending_id_ != 0) return;  // the previous one is still unanswered: its latency tells
  pending_id_ = ++next_id_;
  pending_since_us_ = now_us();
  send("42" + std::to_string(pending_id_) + "[\"publish\"," + nlohmann::json(plan_.room).dump() + ",\"tick\"," +
       std::to_string(pending_since_us_) + "]");
}

void soak_client::end() {
  ended_ = true;
  if (on_end_) net::post(context(), std::exchange(on_end_, nullptr));
}

}  // namespace sockio::bench
