#include "subscriptions.hpp"

#include <boost/asio/post.hpp>
#include <string_view>
#include <utility>

#include "reply_reader.hpp"

namespace sockio::redis::detail {

namespace {

bool is_confirmation(std::string_view kind) {
  return kind == "subscribe" || kind == "psubscribe" || kind == "ssubscribe" || kind == "unsubscribe" ||
         kind == "punsubscribe" || kind == "sunsubscribe";
}

const char* verb(subscriptions::kind k, bool add) {
  switch (k) {
    case subscriptions::kind::channel: return add ? "SUBSCRIBE" : "UNSUBSCRIBE";
    case subscriptions::kind::pattern: return add ? "PSUBSCRIBE" : "PUNSUBSCRIBE";
    case subscriptions::kind::shard_channel: return add ? "SSUBSCRIBE" : "SUNSUBSCRIBE";
  }
  return "";
}

}  // namespace

void subscriptions::change(kind k, std::vector<std::string> names, bool add, bool live, std::function<void()> done) {
  subscriber_ = true;
  auto& set = k == kind::channel ? channels_ : k == kind::pattern ? patterns_ : shard_channels_;
  std::vector<std::string> changed;
  for (auto& n : names) {
    if (add ? set.insert(n).second : set.erase(n) != 0) changed.push_back(std::move(n));
  }
  if (!live) {
    // Sent on the next connection; `done` runs then.
    if (done) pending_done_.push_back(std::move(done));
    return;
  }
  if (k == kind::shard_channel) return send_shard(verb(k, add), std::move(changed), std::move(done));
  send(verb(k, add), std::move(changed), std::move(done));
}

void subscriptions::restore() {
  std::function<void()> done;
  if (!pending_done_.empty()) {
    done = [waiting = std::move(pending_done_)] {
      for (const auto& d : waiting) d();
    };
    pending_done_.clear();
  }
  // `done` goes with the last of the subscription commands (or runs at once: none).
  const bool shards = !shard_channels_.empty();
  const bool pats = !patterns_.empty();
  const auto take = [&done](bool last) { return last ? std::exchange(done, nullptr) : std::function<void()>{}; };
  if (!channels_.empty()) send("SUBSCRIBE", {channels_.begin(), channels_.end()}, take(!pats && !shards));
  if (pats) send("PSUBSCRIBE", {patterns_.begin(), patterns_.end()}, take(!shards));
  if (shards) send_shard("SSUBSCRIBE", {shard_channels_.begin(), shard_channels_.end()}, take(true));
  if (done) boost::asio::post(executor_, std::move(done));
}

void subscriptions::connection_lost() {
  // Subscriptions in flight are sent again with the others on the next connection;
  // their `done` runs then.
  for (auto& c : confirmations_) {
    if (c.done) pending_done_.push_back(std::move(c.done));
  }
  confirmations_.clear();
  shard_unsubscribing_.clear();
}

bool subscriptions::on_reply(const reply& r) {
  if (!subscriber_) return false;
  if (r.is_array() && !r.elements.empty() && r.elements[0].type == reply::kind::string) {
    const std::string_view kind = r.elements[0].str;
    const auto& e = r.elements;
    if ((kind == "message" || kind == "smessage") && e.size() == 3) {
      link_.deliver({kind, {}, e[1].str, e[2].str});
      return true;
    }
    if (kind == "pmessage" && e.size() == 4) {
      link_.deliver({kind, e[1].str, e[2].str, e[3].str});
      return true;
    }
    if (kind == "sunsubscribe" && e.size() >= 2 && e[1].type == reply::kind::string) {
      if (auto it = shard_unsubscribing_.find(e[1].str); it != shard_unsubscribing_.end()) {
        shard_unsubscribing_.erase(it);  // the answer to our own SUNSUBSCRIBE: confirmed below
      } else if (shard_channels_.erase(e[1].str) != 0) {
        // Redis ended it: the channel's slot moved to another node of the cluster.
        link_.shard_lost(e[1].str, "");
        return true;
      }
    }
    if (is_confirmation(kind)) {
      confirmed();
      return true;
    }
  }
  if (r.is_error() && !confirmations_.empty() && !confirmations_.front().shard_channel.empty()) {
    // An SSUBSCRIBE refused (a cluster node answers MOVED for a slot it does not serve).
    auto c = std::move(confirmations_.front());
    confirmations_.pop_front();
    shard_channels_.erase(c.shard_channel);
    link_.shard_lost(c.shard_channel, r.str);
    if (c.done) c.done();
    return true;
  }
  return false;
}

void subscriptions::confirmed() {
  if (confirmations_.empty() || --confirmations_.front().remaining != 0) return;
  auto done = std::move(confirmations_.front().done);
  confirmations_.pop_front();
  if (done) done();
}

void subscriptions::send(const char* verb, std::vector<std::string> names, std::function<void()> done) {
  if (names.empty()) {
    if (done) boost::asio::post(executor_, std::move(done));
    return;
  }
  std::vector<std::string> args{verb};
  args.insert(args.end(), names.begin(), names.end());
  link_.send(format_command(args));
  confirmations_.push_back({names.size(), std::move(done), {}});
}

// One command per channel: a cluster refuses channels of different slots in one command.
void subscriptions::send_shard(const char* verb, std::vector<std::string> names, std::function<void()> done) {
  if (names.empty()) {
    if (done) boost::asio::post(executor_, std::move(done));
    return;
  }
  const bool subscribing = std::string_view(verb) == "SSUBSCRIBE";
  for (std::size_t i = 0; i < names.size(); ++i) {
    link_.send(format_command({verb, names[i]}));
    if (!subscribing) shard_unsubscribing_.insert(names[i]);
    confirmations_.push_back(
        {1, i + 1 == names.size() ? std::move(done) : std::function<void()>{}, subscribing ? names[i] : ""});
  }
}

}  // namespace sockio::redis::detail
