#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

#include "sockio/io/read_ready.hpp"
#include "ws_connection.hpp"

namespace sockio::bench {

using json = nlohmann::json;

connection::connection(net::io_context& ioc, shared_state& shared, stats& st)
    : client(ioc, shared, st), reader_(sockio::ws::role::client, 64u << 20) {}

void connection::start(const tcp::endpoint& endpoint) {
  started_at_ = clock_type::now();
  socket_.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->fail("connect: " + ec.message());
    self->socket_.set_option(tcp::no_delay(true));
    const auto target = self->shared_.opt.raw ? "/" : "/socket.io/?EIO=4&transport=websocket";
    self->handshake_ = std::string("GET ") + target + " HTTP/1.1\r\nHost: " + self->shared_.opt.host +
                       "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    net::async_write(self->socket_, net::buffer(self->handshake_), [self](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("handshake: " + ec.message());
      self->handshake_.clear();
      net::async_read_until(
          self->socket_, net::dynamic_buffer(self->handshake_), "\r\n\r\n",
          [self](beast::error_code ec, std::size_t header_size) { self->on_handshake(ec, header_size); });
    });
  });
}

void connection::join_room() {
  send("420" + json::array({"join", room_}).dump());
}

void connection::request_burst(unsigned count, const std::string& room) {
  const json args = json::array({"burst", room, count, now_us(), payload_});
  send("42" + std::to_string(++ack_id_) + args.dump());
}

void connection::on_handshake(beast::error_code ec, std::size_t header_size) {
  if (ec) return fail("handshake: " + ec.message());
  if (!handshake_.starts_with("HTTP/1.1 101")) return fail("handshake: " + handshake_.substr(0, handshake_.find('\r')));
  std::string rest = handshake_.substr(header_size);  // frames that came with the answer
  std::string().swap(handshake_);
  if (shared_.opt.raw) on_connected();
  if (!rest.empty() && !on_bytes(rest.data(), rest.size())) return;
  do_read();
}

void connection::do_read() {
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->fail("read: " + ec.message());
    thread_local std::vector<char> buffer(64 * 1024);
    const auto n = sockio::io::read_ready(self->socket_, buffer.data(), buffer.size(), ec);
    if (ec == net::error::would_block) return self->do_read();
    if (ec) return self->fail("read: " + ec.message());
    if (self->on_bytes(buffer.data(), n)) self->do_read();
  });
}

bool connection::on_bytes(char* data, std::size_t n) {
  const bool ok = reader_.feed(data, n, [this](const ws_event& e) {
    if (e.op == ws_opcode::text || e.op == ws_opcode::binary) on_message(e.data);
    if (e.op == ws_opcode::close) fail("closed by the server");
    return e.op != ws_opcode::close;
  });
  if (!ok) fail("protocol violation by the server (WebSocket close code " + std::to_string(reader_.error()) + ")");
  return ok;
}

void connection::on_connected() {
  connect_us_ = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started_at_).count();
  ++stats_.connected;
  ++shared_.ready;
  if (shared_.opt.scenario == "echo") send_echo();
}

void connection::on_message(std::string_view m) {
  if (shared_.opt.raw) return on_ack();  // the echo itself
  if (m == "2") return send("3");
  if (m.starts_with("0{")) return send("40");
  if (m.starts_with("40")) return on_connected();
  if (m.starts_with("430")) {  // ack of "join"
    ++shared_.joined;
    return;
  }
  if (m.starts_with("43")) return on_ack();
  if (m.starts_with("42[\"tick\",")) {
    std::int64_t ts = 0;
    std::from_chars(m.data() + 10, m.data() + m.size(), ts);
    // A broadcast asked for before the measure (a warm-up round) is not counted.
    if (!shared_.measuring || ts < shared_.measured_from_us) {
      if (!std::exchange(warm_, true)) ++shared_.warm;
      return;
    }
    ++stats_.deliveries;
    shared_.deliveries.fetch_add(1, std::memory_order_relaxed);
    const auto latency = static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_us() - ts));
    if (remote_) {
      ++stats_.remote_deliveries;
      stats_.remote_latencies_us.push_back(latency);
    } else {
      stats_.latencies_us.push_back(latency);
    }
    return;
  }
  if (m.starts_with("44") || m.starts_with("1")) fail("refused or closed: " + std::string(m.substr(0, 80)));
}

void connection::send_echo() {
  if (shared_.done) return;
  sent_at_ = now_us();
  if (shared_.opt.raw) return send(payload_);
  send("42" + std::to_string(++ack_id_) + "[\"echo\",\"" + payload_ + "\"]");
}

void connection::on_ack() {
  if (shared_.opt.scenario != "echo") return;
  record_ack(sent_at_);
  send_echo();
}

void connection::send(std::string_view text) {
  std::uint8_t header[sockio::ws::max_header_size];
  // An all-zero key: masking is then a no-op on the payload.
  const auto size = sockio::ws::encode_header(header, ws_opcode::text, text.size(), sockio::ws::mask_key{});
  std::string frame(reinterpret_cast<const char*>(header), size);
  frame += text;
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
}

void connection::leave() {
  send("41");
  close_after_write_ = true;
}

void connection::do_write() {
  writing_ = true;
  in_flight_.swap(queue_);
  buffers_.clear();
  for (const auto& f : in_flight_) buffers_.emplace_back(net::buffer(f));
  net::async_write(socket_, buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    self->in_flight_.clear();
    if (ec) return self->fail("write: " + ec.message());
    if (!self->queue_.empty()) return self->do_write();
    if (self->close_after_write_) self->close();
  });
}

std::shared_ptr<client> make_ws_client(net::io_context& ioc, shared_state& shared, stats& st) {
  return std::make_shared<connection>(ioc, shared, st);
}

}  // namespace sockio::bench
