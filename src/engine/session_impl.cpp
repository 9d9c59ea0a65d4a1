#include "detail/session_impl.hpp"

#include <boost/asio/post.hpp>

#include "sockio/codec/engine/open_packet.hpp"

namespace sockio::engine::detail {
namespace {

std::string open_json(const server_state& server, const std::string& sid, bool polling) {
  const auto& o = server.options;
  open_packet p{.sid = sid,
                .upgrades = {},
                .ping_interval = o.ping_interval,
                .ping_timeout = o.ping_timeout,
                .max_payload = o.max_http_buffer_size};
  if (polling && o.allow_upgrades && server.transport_enabled("websocket")) p.upgrades.emplace_back("websocket");
  return encode_open_packet(p);
}

}  // namespace

session_impl::session_impl(server_state& state, detail::shard& home, std::string id, request_info request)
    : server_(state), home_(home), id_(std::move(id)), request_(std::move(request)) {
  heartbeat_.owner = this;
  server_.session_count.fetch_add(1, std::memory_order_relaxed);
}

session_impl::~session_impl() {
  home_.cancel(heartbeat_);
  drop_aux();
  server_.session_count.fetch_sub(1, std::memory_order_relaxed);
}

session_timer& session_impl::aux() {
  if (!aux_) {
    aux_ = std::make_unique<session_timer>();
    aux_->owner = this;
  }
  return *aux_;
}

void session_impl::drop_aux() noexcept {
  if (!aux_) return;
  home_.cancel(*aux_);
  aux_.reset();
}

unsigned session_impl::shard() const noexcept {
  return home_.index();
}

boost::asio::io_context& session_impl::context() noexcept {
  return home_.context();
}

void session_impl::set_handler(std::shared_ptr<session_handler> handler) {
  handler_ = std::move(handler);
}

std::size_t session_impl::buffered_bytes() const noexcept {
  return transport_ == transport_kind::websocket && ws_ ? ws_->buffered_bytes() : polling_.buffered_bytes();
}

bool session_impl::writable() const noexcept {
  if (state_ != state::open) return false;
  if (transport_ == transport_kind::websocket) return ws_ && ws_->buffered_bytes() == 0;
  return polling_.parked() && polling_.empty();
}

std::shared_ptr<session_impl> session_impl::open_new(server_state& server, detail::shard& home, request_info request,
                                                     std::shared_ptr<ws_transport> ws) {
  auto s = std::make_shared<session_impl>(server, home, server.make_sid(home.index()), std::move(request));
  home.sessions().emplace(s->id(), s);
  home.session_added();
  s->open(std::move(ws));
  return s;
}

void session_impl::open(std::shared_ptr<ws_transport> ws) {
  if (ws) {
    transport_ = transport_kind::websocket;
    ws_ = std::move(ws);
  }
  shard_stats::add(sessions_counter(), 1);
  auto json = open_json(server_, id_, transport_ == transport_kind::polling);
  enqueue({packet_type::open, std::make_shared<const std::string>(std::move(json)), false});
  home_.schedule(heartbeat_, timer_kind::ping);
}

void session_impl::send(shared_bytes data, bool binary) {
  enqueue({packet_type::message, std::move(data), binary});
}

void session_impl::enqueue(outgoing packet) {
  if (state_ != state::open) return;
  if (packet.type == packet_type::message) {
    shard_stats::add(home_.stats().messages_out, 1);
    shard_stats::add(home_.stats().bytes_out, packet.size() - 1);
  }
  if (buffered_bytes() + packet.size() > server_.options.max_buffered_bytes) {
    // A consumer this slow would make us hold unbounded memory: drop it.
    end("transport error");
    return;
  }
  if (transport_ == transport_kind::websocket) {
    ws_->send(std::move(packet));
    return;
  }
  polling_.push(std::move(packet));
  flush_polling();
}

void session_impl::flush_polling() {
  if (!polling_.flush()) return;
  if (state_ == state::closing) {
    end("forced close");
  } else if (state_ == state::open && handler_) {
    handler_->on_drain(*this);
  }
}

void session_impl::on_poll(std::uint64_t request_id, reply_fn reply) {
  if (state_ == state::closed || transport_ != transport_kind::polling) {
    reply(error_reply(errc::bad_request));
    return;
  }
  if (polling_.parked()) {
    // engine.io: "data request overlap from client".
    reply(error_reply(errc::bad_request));
    end("transport error");
    return;
  }
  if (candidate_ && probed_) {
    // The client is pausing polling to upgrade: release it at once.
    reply(polling_transport::single_packet(packet_type::noop));
    return;
  }
  polling_.park(request_id, std::move(reply));
  flush_polling();
}

void session_impl::on_poll_aborted(std::uint64_t request_id) {
  if (!polling_.abort(request_id)) return;  // the connection is gone; nothing to answer
  end("transport error");
}

void session_impl::on_post(std::string_view body, reply_fn reply) {
  if (state_ == state::closed || transport_ != transport_kind::polling) {
    reply(error_reply(errc::bad_request));
    return;
  }
  std::vector<packet> packets;
  const auto ec = decode_payload(body, packets);
  reply(polling_transport::post_accepted());
  auto self = shared_from_this();  // a handler may close us while we iterate
  for (const auto& p : packets) {
    if (state_ != state::open) return;
    on_packet({p.type, p.data, p.binary});
  }
  if (ec && state_ != state::closed) end("parse error");
}

void session_impl::on_payload_too_large() {
  end("transport error");
}

void session_impl::on_packet(const packet_view& p) {
  switch (p.type) {
    case packet_type::pong: home_.schedule(heartbeat_, timer_kind::ping); break;
    case packet_type::message:
      count_in(p.data.size());
      if (handler_) handler_->on_message(*this, p.data, p.binary);
      break;
    case packet_type::close: closed_by_client(); break;
    case packet_type::ping:
      // Protocol v4: only the server pings ("invalid heartbeat direction").
      end("transport error");
      break;
    default: break;  // open, upgrade and noop carry nothing here
  }
}

bool session_impl::begin_upgrade(std::shared_ptr<ws_transport> ws) {
  if (state_ != state::open || transport_ != transport_kind::polling || candidate_ || !server_.options.allow_upgrades) {
    return false;
  }
  candidate_ = std::move(ws);
  probed_ = false;
  home_.schedule(aux(), timer_kind::upgrade);
  return true;
}

void session_impl::on_ws_message(ws_transport* from, std::string_view data, bool binary) {
  if (state_ == state::closed) return;
  if (from == ws_.get() && transport_ == transport_kind::websocket) {
    if (binary) {
      count_in(data.size());
      if (handler_) handler_->on_message(*this, data, true);
      return;
    }
    packet_view p;
    std::string storage;
    if (decode_packet(data, p, storage)) {
      end("parse error");
      return;
    }
    auto self = shared_from_this();
    on_packet(p);
    return;
  }
  if (from != candidate_.get()) return;
  if (!binary && data == "2probe") {
    candidate_->send({packet_type::pong, std::make_shared<const std::string>("probe"), false});
    probed_ = true;
    polling_.release(packet_type::noop);
  } else if (!binary && data == "5" && probed_) {
    complete_upgrade();
  } else {
    drop_candidate();  // anything else aborts the upgrade
  }
}

void session_impl::complete_upgrade() {
  drop_aux();
  ws_ = std::move(candidate_);
  shard_stats::add(sessions_counter(), -1);
  transport_ = transport_kind::websocket;
  shard_stats::add(sessions_counter(), 1);
  probed_ = false;
  polling_.release(packet_type::noop);
  for (auto& p : polling_.take()) ws_->send(std::move(p));
  if (state_ == state::closing) {
    end("forced close");
    return;
  }
  if (handler_) handler_->on_upgrade(*this);
}

void session_impl::drop_candidate() {
  drop_aux();
  if (candidate_) candidate_->close();
  candidate_.reset();
  probed_ = false;
}

void session_impl::on_ws_closed(ws_transport* from, std::string_view reason) {
  if (from == candidate_.get()) {
    candidate_.reset();
    drop_aux();
    probed_ = false;
  } else if (from == ws_.get()) {
    end(reason);
  }
}

void session_impl::on_ws_drained(ws_transport* from) {
  if (from == ws_.get() && state_ == state::open && handler_) handler_->on_drain(*this);
}

void session_impl::on_timer(timer_kind kind) {
  switch (kind) {
    case timer_kind::ping:
      enqueue({packet_type::ping, nullptr, false});
      if (state_ == state::open) home_.schedule(heartbeat_, timer_kind::pong);
      break;
    case timer_kind::pong: end("ping timeout"); break;
    case timer_kind::upgrade: drop_candidate(); break;
    case timer_kind::close: end("forced close"); break;
    default: break;
  }
}

void session_impl::close() {
  if (state_ != state::open) return;
  if (transport_ == transport_kind::websocket) {
    end("forced close");  // the transport sends what is queued, then a close frame
    return;
  }
  if (candidate_ && probed_) {
    // The client answered the probe and is moving to the WebSocket: it polls no more,
    // so it learns of the close from the closing WebSocket.
    end("forced close");
    return;
  }
  // Polling: the close packet goes out with the next GET (or the pending one).
  state_ = state::closing;
  polling_.push({packet_type::close, nullptr, false});
  drop_candidate();
  home_.cancel(heartbeat_);
  home_.schedule(aux(), timer_kind::close);
  flush_polling();
}

void session_impl::closed_by_client() {
  // As engine.io's polling transport: the parked GET is answered with a noop (the
  // client knows it is closing), not the close packet a server-side close sends.
  if (polling_.parked()) {
    polling_.release(packet_type::noop);
  } else if (transport_ == transport_kind::polling) {
    home_.remember_client_close(id_);  // its GET may be on its way from another shard
  }
  end("transport close");
}

void session_impl::end(std::string_view reason) {
  if (state_ == state::closed) return;
  auto self = shared_from_this();
  state_ = state::closed;
  home_.cancel(heartbeat_);
  drop_aux();
  home_.sessions().erase(id_);
  home_.session_removed();
  polling_.release(packet_type::close);
  if (candidate_) candidate_->close();
  candidate_.reset();
  if (ws_) ws_->close();
  ws_.reset();
  polling_.clear();
  shard_stats::add(sessions_counter(), -1);
  if (auto handler = std::move(handler_)) handler->on_close(*this, reason);
  for (const auto& observer : server_.close_handlers) observer(*this, reason);
}

std::atomic<std::uint64_t>& session_impl::sessions_counter() noexcept {
  auto& stats = home_.stats();
  return transport_ == transport_kind::websocket ? stats.websocket_sessions : stats.polling_sessions;
}

void session_impl::count_in(std::size_t bytes) noexcept {
  shard_stats::add(home_.stats().messages_in, 1);
  shard_stats::add(home_.stats().bytes_in, bytes);
}

}  // namespace sockio::engine::detail
