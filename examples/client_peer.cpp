// The peer of the C++ client's integration tests, on sockio's server. tests/interop/client_peer.mjs is
// the same server on Node socket.io 4.8: same events, same answers, in the same order.
//
//   client_peer [--port N] [--host ADDR] [--transports polling,websocket] [--fail-upgrade]
//               [--tls-cert FILE --tls-key FILE] [--cookie] [--recovery]
//
// --port 0 (the default) picks a free port; --host defaults to 127.0.0.1. --tls-cert/--tls-key serve
// https and wss. --cookie sets engine.io's "io" cookie (HttpOnly, Path=/). --fail-upgrade is not
// supported (the engine has no hook to refuse the upgrade of an existing session): exit code 2.
// Prints "listening on port N" once ready, nothing else on stdout; exits on SIGTERM/SIGINT.
//
// pingInterval 1000 ms, pingTimeout 500 ms, maxHttpBufferSize 1e6; with --recovery, connection
// state recovery (60 s, skip_middlewares: events then end with an offset argument).
// Namespaces "/" and "/admin"; "/admin" admits auth.token "secret" only,
// and refuses the others with "not authorized", data {code: 401}. In both namespaces:
// - on connection (a recovered one too): emits "welcome" {id, auth, recovered, nsp}
// - "echo" (...args) + ack          -> acks with the same arguments
// - "echo-event" (...args)          -> emits "echo-event" with the same arguments
// - "binary" (s) + ack              -> acks (the UTF-8 bytes of s as binary, their count)
// - "ask" (event) + ack             -> acks true, then emits event("question", 42) asking for an ack
//                                      within 2000 ms; emits "answered" with the array of the
//                                      answer's arguments, or "answered" "timeout"
// - "flaky" (key) + ack             -> counts the calls per key (all namespaces); acks the count
//                                      from the second call on (the first one gets no ack)
// - "record" (value) [+ ack]        -> appends to the namespace's list, acks its length
// - "records" + ack                 -> acks the namespace's list (one array), then empties it
// - "disconnect-me"                 -> disconnect() (the client sees "io server disconnect")
// - "drop-me"                       -> closes the Engine.IO connection (the client sees "transport close")
// - "broadcast" (event, ...args) [+ ack] -> emits event(...args) to the whole namespace, acks true
// - "join" (room) + ack             -> joins the room, acks true
// - "to-room" (room, event, ...args) -> emits event(...args) to the room
// - "headers" + ack                 -> acks {cookie, "x-test", query} of the handshake (null if absent)
// - "big" (n) + ack                 -> acks a string of n "x" (n a whole number, at most 5e7; else 0)
// An event name that is not a string or is reserved ("connect", "disconnect", ...) is refused: the
// ack (if asked) is false and nothing is emitted.
#include <cmath>
#include <fstream>
#include <map>
#include <vector>

#include "fixture_main.hpp"
#include "sockio/sio/server.hpp"

namespace sio = sockio::sio;
using sio::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* usage =
    "usage: client_peer [--port N] [--host ADDR] [--transports polling,websocket] [--fail-upgrade] "
    "[--tls-cert FILE --tls-key FILE] [--cookie] [--recovery]";
constexpr auto ask_timeout = 2000ms;
constexpr std::size_t big_limit = 50'000'000;

struct peer_args {
  sockio::examples::fixture_args base{.port = 0, .host = "127.0.0.1", .threads = 1, .recovery = false};
  std::vector<std::string> transports{"polling", "websocket"};
  bool fail_upgrade = false;
  std::string tls_cert;
  std::string tls_key;
  bool cookie = false;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto end = text.find(separator); end != std::string::npos; end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::optional<peer_args> parse_args(int argc, char** argv) {
  peer_args args;
  const auto fail = [](const std::string& message) {
    std::cerr << "client_peer: " << message << "\n" << usage << "\n";
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--port" && has_value) {
      const std::string text = argv[++i];
      if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(text) > 65535) {
        return fail("bad port \"" + text + "\"");
      }
      args.base.port = static_cast<std::uint16_t>(std::stoul(text));
    } else if (arg == "--host" && has_value) {
      args.base.host = argv[++i];
    } else if (arg == "--transports" && has_value) {
      args.transports = split(argv[++i], ',');
      for (const auto& t : args.transports) {
        if (t != "polling" && t != "websocket") return fail("transports: polling, websocket");
      }
    } else if (arg == "--recovery") {
      args.base.recovery = true;
    } else if (arg == "--fail-upgrade") {
      args.fail_upgrade = true;
    } else if (arg == "--tls-cert" && has_value) {
      args.tls_cert = argv[++i];
    } else if (arg == "--tls-key" && has_value) {
      args.tls_key = argv[++i];
    } else if (arg == "--cookie") {
      args.cookie = true;
    } else {
      return fail("unknown argument \"" + arg + "\" (or a missing value)");
    }
  }
  if (args.tls_cert.empty() != args.tls_key.empty()) return fail("--tls-cert and --tls-key go together");
  return args;
}

bool is_event_name(const json& name) {
  return name.is_string() && !sio::is_reserved_event(name.get_ref<const std::string&>());
}

json arg_at(const json& args, std::size_t i) {
  return i < args.size() ? args[i] : json();
}

json rest_from(const json& args, std::size_t i) {
  return i < args.size() ? json(args.begin() + static_cast<std::ptrdiff_t>(i), args.end()) : json::array();
}

/// A header as Node's `req.headers` gives it: repeated fields joined (cookies with "; "), or null.
json joined_header(const sio::handshake& hs, std::string_view name, std::string_view separator) {
  std::optional<std::string> value;
  for (const auto& [field, text] : hs.headers()) {
    if (field != name) continue;
    value = value ? *value + std::string(separator) + std::string(text) : std::string(text);
  }
  return value ? json(*value) : json();
}

/// The length asked of "big": a whole number from 0, capped; anything else is 0.
std::size_t big_length(const json& n) {
  if (!n.is_number()) return 0;
  const double d = n.get<double>();
  if (!std::isfinite(d) || d < 0 || d != std::floor(d)) return 0;
  return d >= static_cast<double>(big_limit) ? big_limit : static_cast<std::size_t>(d);
}

/// Every socket of `nsp`, as socket.io's `io.of(name).emit` (compress is on by default: this is the
/// namespace's plain broadcast operator, which `emit_args` needs).
sio::broadcast_operator everyone(sio::namespace_& nsp) {
  return nsp.compress(true);
}

// The server runs one shard (threads = 1), so these are only touched from its thread.
std::map<std::string, int> flaky_calls;  // JSON text of the key -> calls, over all namespaces
std::map<std::string, json> records;     // namespace name -> array of recorded values

void on_ask(const std::shared_ptr<sio::socket>& s, json args, sio::ack_fn ack) {
  const json event = arg_at(args, 0);
  if (!is_event_name(event)) return ack.reply(false);
  ack.reply(true);
  std::weak_ptr<sio::socket> weak = s;
  s->timeout(ask_timeout)
      .emit_with_ack(event.get<std::string>(), json::array({"question", 42}), [weak](std::error_code ec, json answers) {
        auto self = weak.lock();
        if (!self || !self->connected() || ec == sio::errc::disconnected) return;
        json answered = json::array();
        answered.push_back(ec ? json("timeout") : std::move(answers));
        self->emit_args("answered", std::move(answered));
      });
}

void setup(sio::namespace_& nsp) {
  records[nsp.name()] = json::array();
  nsp.on_connection([&nsp](const std::shared_ptr<sio::socket>& s) {
    const auto& hs = s->handshake();
    s->emit("welcome", json{{"id", s->id()}, {"auth", hs.auth()}, {"recovered", s->recovered()}, {"nsp", nsp.name()}});

    s->on("echo", [](json args, sio::ack_fn ack) { ack(std::move(args)); });
    s->on("echo-event", [s](json args, sio::ack_fn) { s->emit_args("echo-event", std::move(args)); });
    s->on("binary", [](json args, sio::ack_fn ack) {
      const json text = arg_at(args, 0);
      const std::string bytes = text.is_string() ? text.get<std::string>() : std::string();
      ack.reply(sio::binary(bytes), bytes.size());
    });
    s->on("ask", [s](json args, sio::ack_fn ack) { on_ask(s, std::move(args), std::move(ack)); });
    s->on("flaky", [](json args, sio::ack_fn ack) {
      const int count = ++flaky_calls[arg_at(args, 0).dump()];
      if (count >= 2) ack.reply(count);
    });
    s->on("record", [&nsp](json args, sio::ack_fn ack) {
      auto& list = records[nsp.name()];
      list.push_back(arg_at(args, 0));
      ack.reply(list.size());
    });
    s->on("records", [&nsp](json, sio::ack_fn ack) {
      json list = std::exchange(records[nsp.name()], json::array());
      ack.reply(std::move(list));
    });
    s->on("disconnect-me", [s](json, sio::ack_fn) { s->disconnect(); });
    s->on("drop-me", [s](json, sio::ack_fn) { s->conn().close(); });
    s->on("broadcast", [&nsp](json args, sio::ack_fn ack) {
      const json event = arg_at(args, 0);
      if (!is_event_name(event)) return ack.reply(false);
      everyone(nsp).emit_args(event.get<std::string>(), rest_from(args, 1));
      ack.reply(true);
    });
    s->on("join", [s](json args, sio::ack_fn ack) {
      const json room = arg_at(args, 0);
      if (!room.is_string()) return ack.reply(false);
      s->join(room.get<std::string>());
      ack.reply(true);
    });
    s->on("to-room", [&nsp](json args, sio::ack_fn) {
      const json room = arg_at(args, 0);
      const json event = arg_at(args, 1);
      if (room.is_string() && is_event_name(event)) {
        nsp.to(room.get<std::string>()).emit_args(event.get<std::string>(), rest_from(args, 2));
      }
    });
    s->on("headers", [s](json, sio::ack_fn ack) {
      const auto& hs = s->handshake();
      ack.reply(json{{"cookie", joined_header(hs, "cookie", "; ")},
                     {"x-test", joined_header(hs, "x-test", ", ")},
                     {"query", hs.query()}});
    });
    s->on("big", [](json args, sio::ack_fn ack) { ack.reply(std::string(big_length(arg_at(args, 0)), 'x')); });
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) return 2;
  if (args->fail_upgrade) {
    // engine::server_options::allow_request sees handshakes only, and nothing else can refuse the
    // upgrade of an existing session: that test runs against the Node peer alone.
    std::cerr << "--fail-upgrade: not supported\n";
    return 2;
  }

  for (const auto* file : {&args->tls_cert, &args->tls_key}) {
    if (!file->empty() && !std::ifstream(*file)) {
      std::cerr << "client_peer: cannot load the TLS files: cannot read " << *file << "\n";
      return 1;
    }
  }

  sio::server_options options;
  options.engine.ping_interval = 1000ms;
  options.engine.ping_timeout = 500ms;
  options.engine.max_http_buffer_size = 1'000'000;
  options.engine.transports = args->transports;
  options.engine.threads = args->base.threads;  // one shard: the global lists need no lock, as in Node
  if (args->cookie)
    options.engine.cookie = sockio::engine::cookie_options{.name = "io", .path = "/", .http_only = true};
  if (!args->tls_cert.empty()) options.engine.tls = sockio::engine::tls_options{args->tls_cert, args->tls_key};
  if (args->base.recovery) {
    options.connection_state_recovery =
        sio::recovery_options{.max_disconnection_duration = 60000ms, .skip_middlewares = true};
  }
  sio::server io(options);

  io.of("/admin").use([](const std::shared_ptr<sio::socket>& s, sio::next_fn next) {
    const auto& auth = s->handshake().auth();
    const auto token = auth.find("token");
    if (token != auth.end() && *token == "secret") return next(std::nullopt);
    next(sio::connect_error{"not authorized", json{{"code", 401}}});
  });
  setup(io.of("/"));
  setup(io.of("/admin"));

  return sockio::examples::serve(io, args->base, "client_peer");
}
