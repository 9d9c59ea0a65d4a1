#include "session.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdio>

#include "json_lines.hpp"
#include "sockio/client/error.hpp"
#include "stdin_reader.hpp"

namespace sockio::cli {

namespace {

/// "No deadline" as a time point that wait_until handles without overflowing.
constexpr auto forever = std::chrono::hours(24 * 365 * 10);

/// A packet as one stderr line: control bytes (binary frames) escaped.
std::string printable(char direction, const std::string& packet) {
  std::string out{direction, ' '};
  for (const unsigned char c : packet) {
    if (c < 0x20 || c == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string disconnected_message() {
  return client::make_error_code(client::errc::disconnected).message();
}

}  // namespace

session::session(cli_options opts)
    : opts_(std::move(opts)),
      from_stdin_(!opts_.commands),
      interactive_(from_stdin_ && ::isatty(STDIN_FILENO)),
      deadline_(clock::now() + (opts_.timeout ? *opts_.timeout : forever)),
      state_(std::make_shared<shared_state>(interactive_)),
      manager_(opts_.url, opts_.manager),
      socket_(manager_.socket(opts_.nsp, opts_.socket)) {}

int session::run() {
  auto code = connect();
  if (!code) code = run_commands();
  if (!code) code = await_count();
  state_->finish();
  // Leaving the namespace first lets the server see "client namespace disconnect" rather
  // than a dropped transport.
  socket_.disconnect();
  return code.value_or(0);
}

void session::add_listeners() {
  // Handlers keep copies, not `this`: they run on the manager's thread. The socket handle
  // they hold is released when the manager shuts the socket down.
  auto state = state_;
  auto sock = socket_;
  const bool reconnection = opts_.manager.reconnection;
  auto* manager = &manager_;  // handlers stop before the manager's destructor returns
  if (opts_.verbose) {
    manager_.on_packet([state](char direction, const std::string& p) { state->note(printable(direction, p)); });
  }
  manager_.on_reconnect([state](std::uint64_t attempt) { state->print(lines::reconnect(attempt)); });
  manager_.on_reconnect_failed([state] { state->fail(lines::error("reconnection failed"), 1); });
  socket_.on_connect(
      [state, sock, manager] { state->connected(lines::connect(sock.nsp(), sock.id(), manager->transport())); });
  socket_.on_connect_error([state, sock, reconnection](const client::connect_error& e) {
    // Only transport failures are retried; a refusal (or a socket given up) is final.
    const bool fatal = !reconnection || e.code == client::errc::server_refused || !sock.active();
    state->connect_failed(lines::connect_error(e.message, e.data), fatal);
  });
  socket_.on_disconnect([state, sock, reconnection](const std::string& reason, const std::string&) {
    state->disconnected(lines::disconnect(reason), !reconnection || !sock.active());
  });
  socket_.on_any([state, nsp = socket_.nsp(), listen = opts_.listen](const std::string& event, const json& args) {
    if (listen.empty() || std::find(listen.begin(), listen.end(), event) != listen.end()) {
      const auto l = lines::event(nsp, event, args);
      state->event(event, &l);
    } else {
      state->event(event, nullptr);
    }
  });
}

session::step session::connect() {
  add_listeners();
  // Posted after the listeners, so that none of the connection's events is missed.
  socket_.connect();
  const auto o = state_->await(deadline_, [](const run_status& s) { return s.connected; });
  if (o != shared_state::outcome::ready) return stopped(o);
  return std::nullopt;
}

session::step session::run_commands() {
  if (from_stdin_) return read_commands();
  for (const auto& c : *opts_.commands) {
    if (auto code = execute(c)) return code;
  }
  return std::nullopt;
}

session::step session::read_commands() {
  stdin_reader::start(state_);
  for (;;) {
    state_->request_line();
    const auto o = state_->await(deadline_, [](const run_status& s) { return !s.input.empty() || s.eof; });
    if (o != shared_state::outcome::ready) return stopped(o);
    const auto text = state_->take_line();
    if (!text) return std::nullopt;
    auto parsed = parse_command(*text);
    if (parsed.failed()) {
      if (auto code = command_failed(parsed.error, 2)) return code;
      continue;
    }
    if (!parsed.cmd) continue;
    if (auto code = execute(*parsed.cmd)) return code;
  }
}

session::step session::await_count() {
  // After `disconnect`, no event can come: the run ends when the commands did.
  if (!opts_.count || left_) return std::nullopt;
  const auto count = *opts_.count;
  state_->finish_at(count);
  const auto o = state_->await(deadline_, [count](const run_status& s) { return s.printed >= count || s.lost; });
  if (o != shared_state::outcome::ready) return stopped(o);
  if (state_->inspect([count](const run_status& s) { return s.printed >= count; })) return std::nullopt;
  state_->print_last(lines::error(disconnected_message()));
  return 1;
}

session::step session::execute(const command& c) {
  step code;
  switch (c.type) {
    case command::kind::emit: socket_.emit(c.event, c.args); break;
    case command::kind::call: code = call(c); break;
    case command::kind::wait: code = wait(c); break;
    case command::kind::sleep: code = sleep(c); break;
    case command::kind::disconnect: code = disconnect(); break;
  }
  state_->command_finished();
  return code;
}

session::step session::call(const command& c) {
  // The library would buffer it for a reconnection that will not come.
  if (lost()) return command_failed(disconnected_message(), 1);
  state_->start_call();
  socket_.emit_with_ack(c.event, c.args, [state = state_, event = c.event](auto ec, json args) {
    // Printed here, on the manager's thread, so that it keeps its place among the events.
    if (ec) {
      state->call_completed(lines::error(ec.message()), false);
    } else {
      state->call_completed(lines::ack(event, args), true);
    }
  });
  const auto o = state_->await(deadline_, [](const run_status& s) { return s.call_acked.has_value(); });
  if (o != shared_state::outcome::ready) return stopped(o);
  if (state_->inspect([](const run_status& s) { return *s.call_acked; })) return std::nullopt;
  return interactive_ ? std::nullopt : step(1);
}

session::step session::wait(const command& c) {
  if (lost()) return command_failed(disconnected_message(), 1);
  const auto until = c.duration ? std::min(deadline_, clock::now() + *c.duration) : deadline_;
  const auto o =
      state_->await(until, [&event = c.event](const run_status& s) { return s.arrived.contains(event) || s.lost; });
  if (o == shared_state::outcome::fatal || (o == shared_state::outcome::expired && clock::now() >= deadline_)) {
    return stopped(o);
  }
  if (o == shared_state::outcome::expired) return command_failed("timeout", 3);
  if (state_->inspect([&event = c.event](const run_status& s) { return s.arrived.contains(event); })) {
    return std::nullopt;
  }
  return command_failed(disconnected_message(), 1);
}

session::step session::sleep(const command& c) {
  const auto end = clock::now() + *c.duration;
  const auto o = state_->await(std::min(end, deadline_), [](const run_status&) { return false; });
  if (o == shared_state::outcome::fatal || end >= deadline_) return stopped(o);
  return std::nullopt;
}

session::step session::disconnect() {
  left_ = true;
  socket_.disconnect();
  // The loop runs posts in order: once this one ran, the disconnection (and its line) is done.
  const auto target = state_->inspect([](const run_status& s) { return s.barriers; }) + 1;
  boost::asio::post(manager_.get_executor(), [state = state_] { state->barrier_passed(); });
  const auto o = state_->await(deadline_, [target](const run_status& s) { return s.barriers >= target; });
  if (o != shared_state::outcome::ready) return stopped(o);
  return std::nullopt;
}

int session::stopped(shared_state::outcome o) {
  if (o == shared_state::outcome::fatal) return *state_->inspect([](const run_status& s) { return s.fatal; });
  state_->print_last(lines::error("timeout"));
  return 3;
}

session::step session::command_failed(const std::string& message, int code) {
  if (interactive_) {
    state_->print(lines::error(message));
    return std::nullopt;
  }
  state_->print_last(lines::error(message));
  return code;
}

bool session::lost() {
  return state_->inspect([](const run_status& s) { return s.lost; });
}

}  // namespace sockio::cli
