// Reference server for bench/compare: npm socket.io 4.8 (pinned in the root lockfile) with
// the same handlers as bench/bench_server.cpp.
//
//   node bench/node/server.mjs [--port N] [--redis URL]     prints "listening on port N"
//        [--adapter redis|redis-sharded|redis-streams] [--redis-cluster] [--recovery]
//   (--redis: a node of a cluster on that Redis, with @socket.io/redis-adapter's
//   createAdapter or createShardedAdapter, or @socket.io/redis-streams-adapter;
//   --redis-cluster: URL is a node of a Redis Cluster (createCluster); --recovery:
//   connectionStateRecovery, 60 s)
//
// - "echo" (...args, ack)         -> ack(...args)
// - "join" (room, ack)            -> joins, ack()
// - "burst" (room, count, ts, payload, ack) -> emits "tick"(ts, payload) to the room `count` times, ack()
import { createServer } from "node:http";
import { Server } from "socket.io";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 3001;

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const httpServer = createServer();
const io = new Server(httpServer, {
  serveClient: false,
  connectionStateRecovery: process.argv.includes("--recovery") ? { maxDisconnectionDuration: 60000 } : undefined,
});
const redisUrl = arg("--redis", null);
const redis = [];
if (redisUrl) {
  const { createClient, createCluster } = await import("redis");
  const { createAdapter, createShardedAdapter } = await import("@socket.io/redis-adapter");
  const pub = process.argv.includes("--redis-cluster") ? createCluster({ rootNodes: [{ url: redisUrl }] })
    : createClient({ url: redisUrl });
  const sub = pub.duplicate();
  redis.push(pub, sub);
  await Promise.all([pub.connect(), sub.connect()]);
  const adapter = arg("--adapter", "redis");
  if (adapter === "redis-streams") {
    const { createAdapter: createStreamsAdapter } = await import("@socket.io/redis-streams-adapter");
    io.adapter(createStreamsAdapter(pub));
  } else {
    io.adapter(adapter === "redis-sharded" ? createShardedAdapter(pub, sub) : createAdapter(pub, sub));
  }
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
// io.close() persists the sessions (connection state recovery) before the Redis clients quit.
const stop = () => {
  io.close();
  Promise.allSettled(redis.map((c) => c.quit())).finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
