#include "sockio/redis/cluster_topology.hpp"

#include <algorithm>
#include <charconv>

#include "sockio/redis/key_slot.hpp"

namespace sockio::redis {

namespace {

std::optional<std::uint16_t> to_port(std::int64_t v) {
  if (v <= 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

/// [host, port, id, ...metadata] of a CLUSTER SLOTS entry.
std::optional<cluster_node> node_of(const reply& r, std::string_view seed_host) {
  if (!r.is_array() || r.elements.size() < 2) return std::nullopt;
  const auto& host = r.elements[0];
  const auto& port = r.elements[1];
  if (host.type != reply::kind::string || port.type != reply::kind::integer) return std::nullopt;
  const auto p = to_port(port.integer);
  if (!p) return std::nullopt;
  cluster_node n;
  n.host = host.str.empty() || host.str == "?" ? std::string(seed_host) : host.str;
  n.port = *p;
  if (r.elements.size() > 2 && r.elements[2].type == reply::kind::string) n.id = r.elements[2].str;
  return n;
}

}  // namespace

std::optional<cluster_topology> cluster_topology::from_cluster_slots(const reply& r, std::string_view seed_host) {
  if (!r.is_array()) return std::nullopt;
  cluster_topology t;
  for (const auto& entry : r.elements) {
    if (!entry.is_array() || entry.elements.size() < 3) return std::nullopt;
    const auto& first = entry.elements[0];
    const auto& last = entry.elements[1];
    if (first.type != reply::kind::integer || last.type != reply::kind::integer) return std::nullopt;
    if (first.integer < 0 || last.integer < first.integer || last.integer >= cluster_slot_count) return std::nullopt;
    auto master = node_of(entry.elements[2], seed_host);
    if (!master) return std::nullopt;
    slot_range range{
        static_cast<std::uint16_t>(first.integer), static_cast<std::uint16_t>(last.integer), std::move(*master), {}};
    for (std::size_t i = 3; i < entry.elements.size(); ++i) {
      auto replica = node_of(entry.elements[i], seed_host);
      if (!replica) return std::nullopt;
      range.replicas.push_back(std::move(*replica));
    }
    t.ranges_.push_back(std::move(range));
  }
  std::sort(t.ranges_.begin(), t.ranges_.end(),
            [](const slot_range& a, const slot_range& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < t.ranges_.size(); ++i) {
    if (t.ranges_[i].first <= t.ranges_[i - 1].last) return std::nullopt;  // overlapping: not a slot map
  }
  return t;
}

cluster_topology cluster_topology::single_node(cluster_node node) {
  cluster_topology t;
  t.ranges_.push_back(slot_range{0, static_cast<std::uint16_t>(cluster_slot_count - 1), std::move(node), {}});
  return t;
}

const cluster_node* cluster_topology::master_for(std::uint16_t slot) const noexcept {
  const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), slot,
                                   [](std::uint16_t s, const slot_range& r) { return s < r.first; });
  if (it == ranges_.begin()) return nullptr;
  const auto& range = *std::prev(it);
  return slot <= range.last ? &range.master : nullptr;
}

std::vector<cluster_node> cluster_topology::masters() const {
  std::vector<cluster_node> out;
  for (const auto& r : ranges_) {
    if (std::find(out.begin(), out.end(), r.master) == out.end()) out.push_back(r.master);
  }
  return out;
}

bool cluster_topology::covers_all_slots() const noexcept {
  std::uint32_t next = 0;
  for (const auto& r : ranges_) {
    if (r.first != next) return false;
    next = r.last + 1u;
  }
  return next == cluster_slot_count;
}

std::optional<redirect> parse_redirect(std::string_view error) {
  redirect out;
  if (error.starts_with("MOVED ")) {
    out.type = redirect::kind::moved;
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    out.type = redirect::kind::ask;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  const auto space = error.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto slot_text = error.substr(0, space);
  unsigned slot = 0;
  const auto [end, ec] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
  if (ec != std::errc() || end != slot_text.data() + slot_text.size() || slot >= cluster_slot_count) {
    return std::nullopt;
  }
  out.slot = static_cast<std::uint16_t>(slot);
  const auto endpoint = error.substr(space + 1);
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto port_text = endpoint.substr(colon + 1);
  unsigned port = 0;
  const auto [pend, pec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (pec != std::errc() || pend != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(port);
  out.host = std::string(endpoint.substr(0, colon));
  return out;
}

}  // namespace sockio::redis
