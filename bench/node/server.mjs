// Reference server for bench/compare: npm socket.io 4.8 (pinned in the root lockfile) with
// the same handlers as bench/bench_server.cpp.
//
//   node bench/node/server.mjs [--port N] [--redis URL]     prints "listening on port N"
//   (--redis: a node of a cluster on that Redis, with @socket.io/redis-adapter)
//
// - "echo" (...args, ack)         -> ack(...args)
// - "join" (room, ack)            -> joins, ack()
// - "burst" (room, count, ts, payload, ack) -> emits "tick"(ts, payload) to the room `count` times, ack()
import { createServer } from "node:http";
import { Server } from "socket.io";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 3001;

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });
const redisArg = process.argv.indexOf("--redis");
if (redisArg > 0) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pub = createClient({ url: process.argv[redisArg + 1] });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("burst", (room, count, ts, payload, ack) => {
    for (let i = 0; i < count; i++) io.to(room).emit("tick", ts, payload);
    if (typeof ack === "function") ack();
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`listening on port ${httpServer.address().port}`);
});
process.on("SIGTERM", () => io.close(() => process.exit(0)));
process.on("SIGINT", () => io.close(() => process.exit(0)));
