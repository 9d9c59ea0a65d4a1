// The peer of the C++ client's integration tests, on Node socket.io 4.8. examples/client_peer.cpp is
// the same server on sockio: same events, same answers, in the same order.
//
//   node tests/interop/client_peer.mjs [--port N] [--host ADDR] [--transports polling,websocket]
//       [--fail-upgrade] [--tls-cert FILE --tls-key FILE] [--cookie] [--recovery]
//
// --port 0 (the default) picks a free port; --host defaults to 127.0.0.1. --fail-upgrade advertises
// "websocket" but destroys every WebSocket request of an existing session (sid in the query).
// --tls-cert/--tls-key serve https and wss. --cookie sets engine.io's "io" cookie (HttpOnly, Path=/).
// Prints "listening on port N" once ready, nothing else on stdout; exits on SIGTERM/SIGINT.
//
// pingInterval 1000 ms, pingTimeout 500 ms, maxHttpBufferSize 1e6; with --recovery, connection
// state recovery (60 s, skipMiddlewares: events then end with an offset argument).
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
// - "disconnect-me"                 -> socket.disconnect() (the client sees "io server disconnect")
// - "drop-me"                       -> closes the Engine.IO connection (the client sees "transport close")
// - "broadcast" (event, ...args) [+ ack] -> emits event(...args) to the whole namespace, acks true
// - "join" (room) + ack             -> joins the room, acks true
// - "to-room" (room, event, ...args) -> emits event(...args) to the room
// - "headers" + ack                 -> acks {cookie, "x-test", query} of the handshake (null if absent)
// - "big" (n) + ack                 -> acks a string of n "x" (n a whole number, at most 5e7; else 0)
// An event name that is not a string or is reserved ("connect", "disconnect", ...) is refused: the
// ack (if asked) is false and nothing is emitted.
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { Server } from "socket.io";

const USAGE =
  "usage: client_peer [--port N] [--host ADDR] [--transports polling,websocket] [--fail-upgrade] " +
  "[--tls-cert FILE --tls-key FILE] [--cookie] [--recovery]";
const RESERVED_EVENTS = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);
const ASK_TIMEOUT_MS = 2000;
const BIG_LIMIT = 50_000_000;

function usage(message) {
  if (message) console.error(`client_peer: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { port: 0, host: "127.0.0.1", transports: ["polling", "websocket"], failUpgrade: false, cookie: false };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === "--port") {
      const text = value();
      args.port = Number(text);
      if (!/^\d+$/.test(text) || args.port > 65535) usage(`bad port "${text}"`);
    } else if (arg === "--host") {
      args.host = value();
    } else if (arg === "--transports") {
      args.transports = value().split(",");
      if (args.transports.some((t) => t !== "polling" && t !== "websocket")) usage("transports: polling, websocket");
    } else if (arg === "--fail-upgrade") {
      args.failUpgrade = true;
    } else if (arg === "--tls-cert") {
      args.tlsCert = value();
    } else if (arg === "--tls-key") {
      args.tlsKey = value();
    } else if (arg === "--recovery") {
      args.recovery = true;
    } else if (arg === "--cookie") {
      args.cookie = true;
    } else {
      usage(`unknown argument "${arg}"`);
    }
  }
  if (!args.tlsCert !== !args.tlsKey) usage("--tls-cert and --tls-key go together");
  return args;
}

// The objects built here list their keys in sockio's order (sorted), so that both peers send the same text.
const sortedKeys = (object) =>
  Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const isEventName = (name) => typeof name === "string" && !RESERVED_EVENTS.has(name);

// Listens to `event` with handler(args, ack): ack is null when the client asked for none.
function on(socket, event, handler) {
  socket.on(event, (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    handler(args, ack);
  });
}

const flakyCalls = new Map(); // JSON text of the key -> number of calls, over all namespaces
const records = new Map(); // namespace name -> recorded values

function setup(nsp) {
  records.set(nsp.name, []);
  nsp.on("connection", (socket) => {
    const { handshake } = socket;
    socket.emit("welcome", { auth: handshake.auth, id: socket.id, nsp: nsp.name, recovered: socket.recovered });

    on(socket, "echo", (args, ack) => ack?.(...args));
    on(socket, "echo-event", (args) => socket.emit("echo-event", ...args));
    on(socket, "binary", ([s], ack) => {
      const bytes = Buffer.from(typeof s === "string" ? s : "", "utf8");
      ack?.(bytes, bytes.length);
    });
    on(socket, "ask", ([event], ack) => {
      if (!isEventName(event)) return ack?.(false);
      ack?.(true);
      socket.timeout(ASK_TIMEOUT_MS).emit(event, "question", 42, (err, ...answers) => {
        if (!socket.connected) return; // as sockio, which drops the ack of a gone socket
        socket.emit("answered", err ? "timeout" : answers);
      });
    });
    on(socket, "flaky", ([key], ack) => {
      const id = JSON.stringify(key ?? null);
      const count = (flakyCalls.get(id) ?? 0) + 1;
      flakyCalls.set(id, count);
      if (count >= 2) ack?.(count);
    });
    on(socket, "record", (args, ack) => {
      const list = records.get(nsp.name);
      list.push(args.length > 0 ? args[0] : null);
      ack?.(list.length);
    });
    on(socket, "records", (_args, ack) => {
      const list = records.get(nsp.name);
      records.set(nsp.name, []);
      ack?.(list);
    });
    on(socket, "disconnect-me", () => socket.disconnect());
    on(socket, "drop-me", () => socket.conn.close());
    on(socket, "broadcast", ([event, ...args], ack) => {
      if (!isEventName(event)) return ack?.(false);
      nsp.emit(event, ...args);
      ack?.(true);
    });
    on(socket, "join", ([room], ack) => {
      if (typeof room !== "string") return ack?.(false);
      socket.join(room);
      ack?.(true);
    });
    on(socket, "to-room", ([room, event, ...args]) => {
      if (typeof room === "string" && isEventName(event)) nsp.to(room).emit(event, ...args);
    });
    on(socket, "headers", (_args, ack) => {
      const { headers, query } = handshake;
      ack?.({ cookie: headers.cookie ?? null, query: sortedKeys(query), "x-test": headers["x-test"] ?? null });
    });
    on(socket, "big", ([n], ack) => {
      const count = Number.isInteger(n) && n >= 0 ? Math.min(n, BIG_LIMIT) : 0;
      ack?.("x".repeat(count));
    });
  });
}

const args = parseArgs(process.argv.slice(2));

// Requests outside the Socket.IO path get 404, as from sockio (engine.io passes them on to this).
const notFound = (_req, res) => res.writeHead(404, { "Content-Type": "text/plain" }).end("Not Found");
let httpServer;
try {
  httpServer = args.tlsCert
    ? createHttpsServer({ cert: readFileSync(args.tlsCert), key: readFileSync(args.tlsKey) }, notFound)
    : createHttpServer(notFound);
} catch (e) {
  console.error(`client_peer: cannot load the TLS files: ${e.message}`);
  process.exit(1);
}

const io = new Server(httpServer, {
  serveClient: false,
  transports: args.transports,
  pingInterval: 1000,
  pingTimeout: 500,
  maxHttpBufferSize: 1e6,
  ...(args.recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60000, skipMiddlewares: true } } : {}),
  ...(args.cookie ? { cookie: { name: "io", httpOnly: true, path: "/" } } : {}),
});

if (args.failUpgrade) {
  // engine.io calls this.handleUpgrade for every "upgrade" request on its path.
  const handleUpgrade = io.engine.handleUpgrade.bind(io.engine);
  io.engine.handleUpgrade = (req, socket, head) => {
    if (new URL(req.url, "http://localhost").searchParams.has("sid")) return socket.destroy();
    handleUpgrade(req, socket, head);
  };
}

io.of("/admin").use((socket, next) => {
  if (socket.handshake.auth?.token === "secret") return next();
  const err = new Error("not authorized");
  err.data = { code: 401 };
  next(err);
});
setup(io.of("/"));
setup(io.of("/admin"));

httpServer.once("error", (e) => {
  console.error(`client_peer: cannot listen on ${args.host}:${args.port}: ${e.message}`);
  process.exit(1);
});
httpServer.listen(args.port, args.host, () => {
  process.stdout.write(`listening on port ${httpServer.address().port}\n`);
});

const stop = () => {
  setTimeout(() => process.exit(0), 1000).unref(); // open keep-alive connections must not hold us
  io.close(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
