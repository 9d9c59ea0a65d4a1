// The long-polling transport of a session: its packet queue and its parked GET.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "http_reply.hpp"
#include "transport.hpp"

namespace sockio::engine::detail {

/// What a polling session sends: packets wait here for the client's next GET, and leave
/// together in one payload; at most one GET is parked at a time (engine.io's overlap
/// rule is the session's: a second one ends it). The session's state machine uses it
/// and never builds an HTTP answer itself. Lives on the session's shard.
class polling_transport {
 public:
  /// Queues `p` for the next GET.
  void push(outgoing p);
  std::size_t buffered_bytes() const noexcept { return queue_ ? queue_->bytes : 0; }
  bool empty() const noexcept { return !queue_; }
  /// True while a GET waits for packets.
  bool parked() const noexcept { return poll_ != nullptr; }

  /// Parks GET `id` until packets are due (a GET must not be parked already).
  void park(std::uint64_t id, reply_fn reply);
  /// Answers the parked GET with every queued packet in one payload; false if there was
  /// no GET or nothing to send.
  bool flush();
  /// Answers the parked GET, if any, with a single packet of `type` and no data: a noop
  /// (the client pauses to upgrade, or closed the session), or the close packet.
  void release(packet_type type);
  /// The parked GET's connection went away: true if it was GET `id` (nothing to answer).
  bool abort(std::uint64_t id);
  /// The queued packets, for the WebSocket that takes over (the queue is left empty).
  std::vector<outgoing> take();
  /// Drops everything queued (the parked GET, if any, stays for `release`).
  void clear();

  /// A GET's answer holding one packet of `type` and no data ("6", "1").
  static http_reply single_packet(packet_type type) { return http_reply::text(200, std::string(1, type_char(type))); }

  /// engine.io's answer to an accepted POST: "ok" as text/html (a text/plain answer makes
  /// some user agents offer a download, engine.io's GH-43).
  static http_reply post_accepted() { return http_reply{200, "text/html", "ok"}; }

 private:
  struct pending_poll {
    std::uint64_t id;
    reply_fn reply;
  };

  struct queued {
    std::vector<outgoing> packets;
    std::size_t bytes = 0;
  };

  reply_fn take_reply();

  // Both allocated only while in use: a WebSocket session keeps this (empty) transport
  // for its whole life, and an idle polling session has only its parked GET.
  std::unique_ptr<queued> queue_;       // only while packets wait
  std::unique_ptr<pending_poll> poll_;  // only while a GET waits
};

}  // namespace sockio::engine::detail
