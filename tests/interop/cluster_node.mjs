// A Node socket.io 4.8 node with @socket.io/redis-adapter 8.x (npm redis client): the
// Node side of the mixed-cluster tests, with the control events of
// examples/cluster_node.cpp.
//
//   node tests/interop/cluster_node.mjs --redis URL --name NAME [--specific] [--port N]
//        [--adapter classic|sharded|streams] [--mode static|dynamic|dynamic-private] [--cluster]
//        [--recovery]
//
// --cluster: URL is a node of a Redis Cluster (createCluster); otherwise one Redis.
// --adapter streams: @socket.io/redis-streams-adapter; --recovery: connectionStateRecovery.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient, createCluster } from "redis";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const name = arg("--name", "node");
const url = arg("--redis", "redis://127.0.0.1:6379");
const port = Number(arg("--port", "0"));
const kind = arg("--adapter", "classic");

const pub = process.argv.includes("--cluster") ? createCluster({ rootNodes: [{ url }] }) : createClient({ url });
const sub = pub.duplicate();
pub.on("error", (e) => console.error("redis pub:", e.message));
sub.on("error", (e) => console.error("redis sub:", e.message));
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer();
const io = new Server(http, {
  cors: { origin: "*" },
  connectionStateRecovery: process.argv.includes("--recovery") ? { maxDisconnectionDuration: 60000 } : undefined,
});
io.adapter(kind === "sharded"
  ? createShardedAdapter(pub, sub, { subscriptionMode: arg("--mode", "dynamic") })
  : kind === "streams"
    ? createStreamsAdapter(pub, { blockTimeInMs: 1000 })
    : createAdapter(pub, sub, {
      requestsTimeout: 2000,
      publishOnSpecificResponseChannel: process.argv.includes("--specific"),
    }));

const received = [];
io.on("ping", (...args) => {
  const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
  received.push(["ping", ...args]);
  if (ack) ack(`pong-from-${name}`);
});
io.on("note", (...args) => received.push(["note", ...args]));

const select = (op) => {
  let b = io.to(op.rooms ?? []);
  for (const r of op.except ?? []) b = b.except(r);
  if (op.volatile) b = b.volatile;
  if (op.local) b = b.local;
  return b;
};
const error = (e) => (e ? e.message : null);

async function run(op) {
  const args = op.args ?? [];
  switch (op.op) {
    case "broadcast":
      select(op).emit(op.event, ...args);
      return true;
    case "binary":
      select(op).emit(op.event, Buffer.from([1, 2, 3]), new Date(1700000000123), { nested: Buffer.from([4]) });
      return true;
    case "sequence":
      io.to(op.room).emit(op.event, 1);
      io.in(op.room).socketsLeave(op.room);
      io.to(op.room).emit(op.event, 2);
      return true;
    case "broadcastWithAck":
      return new Promise((resolve) =>
        select(op)
          .timeout(op.timeout ?? 2000)
          .emit(op.event, ...args, (err, responses) => resolve({ error: error(err), responses })));
    case "fetchSockets":
      try {
        const sockets = await select(op).fetchSockets();
        return {
          error: null,
          sockets: sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, address: s.handshake.address })),
        };
      } catch (e) {
        return { error: error(e), sockets: [] };
      }
    case "remote": {
      const found = await io.in(op.id).fetchSockets();
      for (const s of found) {
        if (op.action === "emit") s.emit(op.event, ...args);
        if (op.action === "join") s.join(op.room);
        if (op.action === "leave") s.leave(op.room);
        if (op.action === "disconnect") s.disconnect(op.close ?? false);
      }
      return found.length;
    }
    case "socketsJoin":
      select(op).socketsJoin(op.room);
      return true;
    case "socketsLeave":
      select(op).socketsLeave(op.room);
      return true;
    case "disconnectSockets":
      select(op).disconnectSockets(op.close ?? false);
      return true;
    case "serverSideEmit":
      if (!op.ack) {
        io.serverSideEmit(op.event, ...args);
        return true;
      }
      return new Promise((resolve) =>
        io.serverSideEmit(op.event, ...args, (err, responses) => resolve({ error: error(err), responses })));
    case "allRooms":
      try {
        return { error: null, rooms: [...(await io.of("/").adapter.allRooms())] };
      } catch (e) {
        return { error: error(e), rooms: [] };
      }
    case "serverCount":
      return io.of("/").adapter.serverCount();
    case "received":
      return received;
    default:
      return { error: `unknown op ${op.op}` };
  }
}

io.on("connection", (socket) => {
  // A recovered socket keeps the data of its session (from the node it was on).
  if (!socket.recovered) socket.data = { node: name, user: socket.handshake.auth?.user ?? null };
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack?.(true);
  });
  socket.on("op", async (op, ack) => ack(await run(op)));
});

http.listen(port, "127.0.0.1", () => console.log(`listening on port ${http.address().port}`));
const stop = () => {
  io.close();
  Promise.allSettled([pub.quit(), sub.quit()]).finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
