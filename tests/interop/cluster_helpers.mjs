// Helpers of the cluster tests: a redis-server of their own, sockio and Node cluster
// nodes on it, socket.io clients that drive the nodes' control events.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { createClient } from "redis";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, fixturePathFromEnv, spawnFixture, withTimeout } from "./helpers.mjs";
import { freePort, tempDir } from "./gateway_helpers.mjs";

export const CLUSTER_NODE = fixturePathFromEnv("SOCKIO_CLUSTER_NODE", "cluster_node");
const NODE_NODE = new URL("./cluster_node.mjs", import.meta.url).pathname;
const NGINX_TEMPLATE = new URL("../../examples/cluster/nginx.conf.template", import.meta.url).pathname;

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

// Starts a Redis Cluster of `masters` masters with `replicas` replicas each on free
// loopback ports (redis-server --cluster-enabled, redis-cli --cluster create), waits until
// every node reports it formed, and stops it (by pid) after `t`. `cluster.url` is one
// node's; `cluster.nodes[i].kill()` SIGKILLs node i.
export async function startRedisCluster(t, { masters = 3, replicas = 0 } = {}) {
  const dir = mkdtempSync(joinPath(tmpdir(), "sockio-redis-cluster-"));
  const nodes = [];
  t.after(async () => {
    for (const n of nodes) await n.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < masters * (1 + replicas); ++i) {
    const [port, bus] = [await freePort(), await freePort()];
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
      "no", "--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`,
      "--cluster-node-timeout", "2000", "--cluster-port", String(bus)], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    const node = { port, url: `redis://127.0.0.1:${port}`, proc };
    node.kill = async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        process.kill(proc.pid, "SIGKILL");
        await exited;
      }
    };
    nodes.push(node);
    let out = "";
    await withTimeout(new Promise((resolve, reject) => {
      proc.stdout.on("data", (c) => {
        out += c;
        if (/Ready to accept connections/.test(out)) resolve();
      });
      exited.then(() => reject(new Error(`redis-server exited: ${out}`)));
    }), 5000, "redis-server to start");
  }
  await new Promise((resolve, reject) => {
    const create = spawn("redis-cli", ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas", String(replicas), "--cluster-yes"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    create.stdout.on("data", (c) => { out += c; });
    create.stderr.on("data", (c) => { out += c; });
    create.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create: ${out}`))));
  });
  const cluster = { nodes, url: nodes[0].url };
  // Formed when every node says so, knows every other node and, for a replica, has its
  // master's data.
  const deadline = Date.now() + 20000;
  for (const n of nodes) {
    const client = createClient({ url: n.url });
    client.on("error", () => {});
    await client.connect();
    try {
      for (;;) {
        const info = await client.sendCommand(["CLUSTER", "INFO"]);
        // A replica counts once its first sync is done: before, it could not take over.
        const replication = await client.sendCommand(["INFO", "replication"]);
        const synced = !/role:slave/.test(replication) || /master_link_status:up/.test(replication);
        if (/cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${nodes.length}\\b`).test(info) &&
          synced) break;
        if (Date.now() > deadline) throw new Error(`the cluster did not form: ${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await client.disconnect();
    }
  }
  // The subscribers of a sharded channel, summed over the live nodes (PUBSUB SHARDNUMSUB).
  const clients = new Map();
  t.after(async () => {
    for (const c of clients.values()) await c.disconnect().catch(() => {});
  });
  const live = async () => {
    const out = [];
    for (const n of nodes.filter((x) => x.proc.exitCode === null && x.proc.signalCode === null)) {
      if (!clients.has(n.port)) {
        const client = createClient({ url: n.url });
        client.on("error", () => {});
        await client.connect();
        clients.set(n.port, client);
      }
      out.push(clients.get(n.port));
    }
    return out;
  };
  cluster.shardNumSub = async (channel) => {
    let total = 0;
    for (const client of await live()) {
      const [, count] = await client.sendCommand(["PUBSUB", "SHARDNUMSUB", channel]);
      total += Number(count);
    }
    return total;
  };
  // SPUBLISH on the master that owns the channel's slot (the others answer MOVED).
  cluster.sPublish = async (channel, message) => {
    for (const client of await live()) {
      try {
        return await client.sendCommand(["SPUBLISH", channel, message]);
      } catch (e) {
        if (!/^MOVED /.test(e.message)) throw e;
      }
    }
    throw new Error(`no node took SPUBLISH ${channel}`);
  };
  return cluster;
}

// Waits until `n` sharded subscribers listen on `channel` (every node ready).
export async function waitForShardedNodes(cluster, n, channel = "socket.io#/#") {
  const deadline = Date.now() + 10000;
  for (;;) {
    const count = await cluster.shardNumSub(channel);
    if (count === n) return;
    if (Date.now() > deadline) throw new Error(`${count} nodes subscribed to ${channel}, not ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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

// Until `n` connections block in XREAD (CLIENT LIST): a Streams adapter node reads the
// stream from "$" (what is appended from then on), so a test starts once every reader waits.
export async function waitForReaders(client, n) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const clients = await client.sendCommand(["CLIENT", "LIST"]);
    const readers = clients.split("\n").filter((l) => / cmd=xread\b/.test(l)).length;
    if (readers === n) return;
    if (Date.now() > deadline) throw new Error(`${readers} stream readers, not ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A sockio cluster node (examples/cluster_node.cpp), stopped after `t`.
// sharded: {mode}, the sharded adapter in that subscription mode (redis a Redis Cluster).
// onCluster: the classic adapter with redis.url a node of a Redis Cluster. streams: the
// Streams adapter; recovery: connection state recovery on; persistConnected: the Streams
// adapter keeps connected sockets' sessions too.
export async function startCppNode(t, redis, name, { threads = 1, specific = false, sharded = null, onCluster = false,
  streams = false, recovery = false, persistConnected = false } = {}) {
  const fixture = spawnFixture(CLUSTER_NODE, ["--port", "0", "--host", "127.0.0.1", "--threads", String(threads),
    "--redis", redis.url, "--name", name, ...(specific ? ["--specific"] : []),
    ...(sharded ? ["--adapter", "sharded", "--mode", sharded.mode] : []), ...(onCluster ? ["--redis-cluster"] : []),
    ...(streams ? ["--adapter", "streams"] : []), ...(recovery ? ["--recovery"] : []),
    ...(persistConnected ? ["--persist-connected"] : [])]);
  t.after(() => fixture.stop());
  await fixture.listening();
  fixture.name = name;
  return fixture;
}

// A Node socket.io node with @socket.io/redis-adapter, stopped after `t`.
// sharded: {mode, cluster}: the sharded adapter in that mode; cluster false: on one Redis.
// onCluster: the classic adapter on a Redis Cluster (createCluster). streams, recovery: as
// startCppNode's.
export async function startNodeNode(t, redis, name,
  { specific = false, sharded = null, onCluster = false, streams = false, recovery = false } = {}) {
  const fixture = spawnFixture(process.execPath, [NODE_NODE, "--port", "0", "--redis", redis.url, "--name", name,
    ...(specific ? ["--specific"] : []), ...(sharded ? ["--adapter", "sharded", "--mode", sharded.mode] : []),
    ...((sharded && sharded.cluster !== false) || onCluster ? ["--cluster"] : []),
    ...(streams ? ["--adapter", "streams"] : []), ...(recovery ? ["--recovery"] : [])]);
  t.after(() => fixture.stop());
  await fixture.listening();
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

// Sends a volatile packet with `send()` until `reached()` holds, at most `tries` times. A
// volatile packet is dropped while its transport is writing, and a client may read one
// packet before its server has seen that write complete (a loaded machine shows it), so
// an application repeats what it sends volatile; so does the test.
export async function repeatVolatile(sockets, reached, send, { tries = 10, what = "the volatile packet" } = {}) {
  for (let n = 1; !reached(); ++n) {
    if (n > tries) throw new Error(`${what} did not reach every client in ${tries} tries`);
    await send();
    await until(sockets, reached, what, 1000).catch(() => {});
  }
}

// Real nginx with examples/cluster/nginx.conf.template (sticky by client address) in front
// of `backends` (each with a `port`), on a free loopback port; stopped after `t`.
// `sticky: false` drops the hash (round robin, so a backend may be `"PORT backup"`).
export async function startNginx(t, backends, { sticky = true } = {}) {
  const dir = tempDir(t);
  const prefix = joinPath(dir, "nginx");
  mkdirSync(prefix, { recursive: true });
  const port = await freePort();
  const conf = readFileSync(NGINX_TEMPLATE, "utf8")
    .replaceAll("@PREFIX@", prefix)
    .replaceAll("@LISTEN@", `127.0.0.1:${port}`)
    .replaceAll("@UPSTREAMS@", backends.map((b) => `server 127.0.0.1:${b.port};`).join(" "))
    .replace(sticky ? "" : "hash $remote_addr consistent;", "");
  const path = joinPath(dir, "nginx.conf");
  writeFileSync(path, conf);
  const proc = spawn("nginx", ["-p", prefix, "-c", path], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c));
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(proc.pid, "SIGQUIT");
      await withTimeout(exited, 5000, "nginx to stop").catch(() => process.kill(proc.pid, "SIGKILL"));
    }
  });
  // Ready once it answers.
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      // Any answer: nginx listens (a polling handshake, which every node answers at once).
      await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
      break;
    } catch {}
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`nginx did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `http://127.0.0.1:${port}`, pid: proc.pid };
}
