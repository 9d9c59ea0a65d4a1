// Helpers of the cluster tests: a redis-server of their own, sockio and Node cluster
// nodes on it, socket.io clients that drive the nodes' control events.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { createClient } from "redis";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, fixturePathFromEnv, spawnFixture, withTimeout } from "./helpers.mjs";
import { freePort } from "./gateway_helpers.mjs";

export const CLUSTER_NODE = fixturePathFromEnv("SOCKIO_CLUSTER_NODE", "cluster_node");
const NODE_NODE = new URL("./cluster_node.mjs", import.meta.url).pathname;

// Starts redis-server on a free loopback port, without persistence; stopped (by its
// pid) after `t`. `redis.restart()` kills it and starts it again on the same port.
export async function startRedis(t) {
  const port = await freePort();
  const dir = mkdtempSync(joinPath(tmpdir(), "sockio-redis-"));
  const redis = { port, url: `redis://127.0.0.1:${port}` };
  const launch = async () => {
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
      "no", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    await withTimeout(new Promise((resolve, reject) => {
      proc.stdout.on("data", (c) => {
        out += c;
        if (/Ready to accept connections/.test(out)) resolve();
      });
      proc.once("error", reject);
      exited.then(() => reject(new Error(`redis-server exited: ${out}`)));
    }), 5000, "redis-server to start");
    redis.proc = proc;
    redis.exited = exited;
  };
  redis.kill = async () => {
    if (redis.proc.exitCode === null && redis.proc.signalCode === null) {
      process.kill(redis.proc.pid, "SIGKILL");
      await redis.exited;
    }
  };
  redis.restart = async () => {
    await redis.kill();
    await launch();
  };
  await launch();
  t.after(async () => {
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  return redis;
}

// A redis client for the test itself (PUBSUB, PUBLISH), closed after `t`.
export async function redisClient(t, redis) {
  const client = createClient({ url: redis.url });
  client.on("error", () => {});
  await client.connect();
  t.after(() => client.disconnect().catch(() => {}));
  return client;
}

// Waits until `n` connections subscribe to the request channel of "/" (every node
// ready), polling PUBSUB NUMSUB: Redis offers no event for it.
export async function waitForNodes(client, n, channel = "socket.io-request#/#") {
  const deadline = Date.now() + 10000;
  for (;;) {
    const counts = await client.pubSubNumSub(channel);
    if (counts[channel] === n) return;
    if (Date.now() > deadline) throw new Error(`${counts[channel]} nodes subscribed, not ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A sockio cluster node (examples/cluster_node.cpp), stopped after `t`.
export async function startCppNode(t, redis, name, { threads = 1, specific = false } = {}) {
  const fixture = spawnFixture(CLUSTER_NODE, ["--port", "0", "--host", "127.0.0.1", "--threads", String(threads),
    "--redis", redis.url, "--name", name, ...(specific ? ["--specific"] : [])]);
  t.after(() => fixture.stop());
  await fixture.listening();
  fixture.name = name;
  return fixture;
}

// A Node socket.io node with @socket.io/redis-adapter, stopped after `t`.
export async function startNodeNode(t, redis, name, { specific = false } = {}) {
  const fixture = spawnFixture(process.execPath, [NODE_NODE, "--port", "0", "--redis", redis.url, "--name", name,
    ...(specific ? ["--specific"] : [])]);
  t.after(() => fixture.stop());
  await fixture.listening(10000);
  fixture.name = name;
  return fixture;
}

// A socket.io client of `node`, connected; closed after `t`.
export async function connect(t, node, { user = null, transports = ["websocket"], url = node.url, extraHeaders } = {}) {
  const socket = io(url, { transports, auth: { user }, reconnection: false, forceNew: true, extraHeaders });
  t.after(() => socket.close());
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  }), EVENT_TIMEOUT_MS, `connect to ${url}`);
  return socket;
}

// Runs a control operation on the node `socket` is connected to.
export function op(socket, operation, ms = EVENT_TIMEOUT_MS) {
  return withTimeout(socket.emitWithAck("op", operation), ms, `op ${operation.op}`);
}

export function join(socket, room) {
  return withTimeout(socket.emitWithAck("join", room), EVENT_TIMEOUT_MS, `join ${room}`);
}

// Records the events named `event` a socket receives.
export function collect(socket, event) {
  const got = [];
  socket.on(event, (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    got.push(args);
    ack?.(`ack-${socket.id}`);
  });
  return got;
}

// Resolves once `predicate()` holds, checked whenever `socket` receives anything.
export function until(sockets, predicate, what, ms = EVENT_TIMEOUT_MS) {
  if (predicate()) return Promise.resolve();
  return withTimeout(new Promise((resolve) => {
    // onAny runs before the event's own listeners: look once they have run.
    const check = () => setImmediate(() => {
      if (!predicate()) return;
      for (const s of sockets) s.offAny(check);
      resolve();
    });
    for (const s of sockets) s.onAny(check);
  }), ms, what);
}
