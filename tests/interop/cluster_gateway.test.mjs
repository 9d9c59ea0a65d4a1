// sockio-server in a cluster (--cluster-adapter redis and redis-sharded): the HTTP API and
// presence across nodes, the cluster's state in /healthz and /metrics, garbage on the
// channels, Redis killed and restarted, and configuration errors.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { test } from "node:test";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, withTimeout } from "./helpers.mjs";
import {
  boundedFetch, connectedClient, emitAck, runGateway, scrape, startGateway, waitForLog,
} from "./gateway_helpers.mjs";
import {
  connect, op, redisClient, startNginx, startNodeNode, startRedis, startRedisCluster, waitForNodes, waitForReaders,
  waitForShardedNodes,
} from "./cluster_helpers.mjs";
import { untilTrue } from "./cluster_suite.mjs";

const KEY = "cluster-test-key";

// Two gateways (and a Node node) on one Redis (classic adapter), on a Redis Cluster of
// three masters with the classic adapter (onCluster: each node on another cluster node),
// or with the sharded adapter (dynamic mode). `settle(room, n)` waits until n nodes
// listen to the room: with the sharded adapter a node subscribes to a room's channel
// after its first local member joined.
async function cluster(t, { withNode = false, adapter = "redis", onCluster = false } = {}) {
  const sharded = adapter === "redis-sharded";
  const streams = adapter === "redis-streams";
  const redis = sharded || onCluster ? await startRedisCluster(t, { masters: 3 }) : await startRedis(t);
  const control = sharded || onCluster ? null : await redisClient(t, redis);
  const at = (i) => (onCluster ? redis.nodes[i] : redis);
  const flags = (i) => ["--cluster-adapter", adapter, "--cluster-redis-url", at(i).url, "--api-key", KEY,
    "--cluster-requests-timeout-ms", "1000", ...(onCluster ? ["--cluster-redis-cluster", "true"] : [])];
  const [a, b] = await Promise.all([startGateway(t, flags(0)), startGateway(t, [...flags(1), "--threads", "2"])]);
  const js = withNode
    ? await startNodeNode(t, at(2), "js", { sharded: sharded ? { mode: "dynamic" } : null, onCluster, streams })
    : null;
  const nodes = withNode ? 3 : 2;
  if (sharded) await waitForShardedNodes(redis, nodes);
  else if (onCluster) await waitForNodesOnCluster(t, redis, nodes);
  else if (streams) {
    await waitForNodes(control, nodes, "socket.io#/#");
    await waitForReaders(control, nodes);
  } else await waitForNodes(control, nodes);
  const settle = async (room, n) => {
    if (sharded) await waitForShardedNodes(redis, n, `socket.io#/#${room}#`);
  };
  return { redis, control, a, b, js, settle };
}

const url = (g) => `http://127.0.0.1:${g.port}`;
const api = (g, path, body) => boundedFetch(`${url(g)}${path}`, {
  method: body === undefined ? "GET" : "POST",
  headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});
const health = async (g) => (await boundedFetch(`${url(g)}/healthz`)).json();

// The classic adapter's subscribers, summed over the masters of a Redis Cluster.
async function waitForNodesOnCluster(t, redis, n) {
  const controls = await Promise.all(redis.nodes.map((node) => redisClient(t, node)));
  const channel = "socket.io-request#/#";
  const count = async () => (await Promise.all(controls.map(async (c) => (await c.pubSubNumSub(channel))[channel])))
    .reduce((x, y) => x + y, 0);
  const deadline = Date.now() + 10000;
  while ((await count()) !== n) {
    if (Date.now() > deadline) throw new Error(`${await count()} nodes subscribed over the masters, not ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const [variant, config] of [
  ["redis", { adapter: "redis" }],
  ["redis on a Redis Cluster", { adapter: "redis", onCluster: true }],
  ["redis-sharded", { adapter: "redis-sharded" }],
  ["redis-streams", { adapter: "redis-streams" }],
]) {
  test(`${variant}: the HTTP API works across the cluster: emit, rooms, disconnect (a Node node included)`, async (t) => {
    const { a, b, js, settle } = await cluster(t, { withNode: true, ...config });
    assert.equal((await health(a)).cluster.adapter, config.adapter);
    const onA = await connectedClient(t, url(a), { auth: {} });
    const onB = await connectedClient(t, url(b), { auth: {} });
    const onJs = await connect(t, js);
    for (const c of [onA, onB]) assert.equal((await emitAck(c.socket, "join", "lobby")).ok, true);
    await op(onJs, { op: "broadcast", rooms: [], event: "noop" });
    await new Promise((resolve) => onJs.emit("join", "lobby", resolve));
    const got = [];
    onJs.on("news", (...args) => got.push(args));
    await settle("lobby", 3);

    assert.equal((await api(a, "/api/emit", { rooms: ["lobby"], event: "news", args: ["hi"] })).status, 200);
    assert.deepEqual(await onA.rec.waitFor("news"), ["hi"]);
    assert.deepEqual(await onB.rec.waitFor("news"), ["hi"]);
    await new Promise((resolve) => (got.length ? resolve() : onJs.once("news", () => setImmediate(resolve))));
    assert.deepEqual(got, [["hi"]]);

    const rooms = await (await api(b, "/api/rooms/lobby")).json();
    assert.equal(rooms.count, 3);
    assert.deepEqual(rooms.members.map((m) => m.sid).sort(), [onA.socket.id, onB.socket.id, onJs.id].sort());

    const gone = new Promise((resolve) => onA.socket.once("disconnect", resolve));
    const res = await (await api(b, "/api/disconnect", { rooms: [onA.socket.id] })).json();
    assert.equal(res.ok, true);
    assert.equal(await gone, "io server disconnect");
  });

  test(`${variant}: presence spans nodes: join and leave announcements, the member list of every node`, async (t) => {
    const { a, b, settle } = await cluster(t, config);
    const alice = await connectedClient(t, url(a), { auth: {} });
    const bob = await connectedClient(t, url(b), { auth: {} });
    assert.equal((await emitAck(alice.socket, "join", "team")).ok, true);
    await settle("team", 1);
    assert.equal((await emitAck(bob.socket, "join", "team")).ok, true);
    const joined = await alice.rec.waitFor("presence:join");
    assert.equal(joined[0].sid, bob.socket.id);
    const list = await emitAck(alice.socket, "presence", "team");
    assert.deepEqual(list.members.map((m) => m.sid).sort(), [alice.socket.id, bob.socket.id].sort());
    const bobId = bob.socket.id;
    bob.socket.close();
    const left = await alice.rec.waitFor("presence:leave");
    assert.equal(left[0].sid, bobId);
    const after = await emitAck(alice.socket, "presence", "team");
    assert.deepEqual(after.members.map((m) => m.sid), [alice.socket.id]);

    // A user with sockets on two nodes stays present until the last of them leaves.
    const carolA = await connectedClient(t, url(a), { auth: { name: "carol" } });
    const carolB = await connectedClient(t, url(b), { auth: { name: "carol" } });
    for (const c of [carolA, carolB]) assert.equal((await emitAck(c.socket, "join", "team")).ok, true);
    const names = async () => (await emitAck(alice.socket, "presence", "team")).members.map((m) => m.name).sort();
    assert.deepEqual(await names(), ["anonymous", "carol", "carol"]);
    carolB.socket.close();
    await alice.rec.waitFor("presence:leave", { count: 2 });
    assert.deepEqual(await names(), ["anonymous", "carol"]);
    carolA.socket.close();
    await alice.rec.waitFor("presence:leave", { count: 3 });
    assert.deepEqual(await names(), ["anonymous"]);
  });
}

test("/healthz and /metrics show the cluster; garbage on the channels is dropped", async (t) => {
  const { control, a, b } = await cluster(t);
  const h = await health(a);
  assert.equal(h.status, "ok");
  assert.equal(h.cluster.adapter, "redis");
  assert.equal(h.cluster.up, true);
  const alice = await connectedClient(t, url(a), { auth: {} });
  const bob = await connectedClient(t, url(b), { auth: {} });
  await emitAck(bob.socket, "join", "r");
  const list = await emitAck(alice.socket, "presence", "r");  // a cluster request: counts the peers
  assert.equal(list.members.length, 1);
  assert.equal((await health(a)).cluster.peers, 1);

  const before = (await scrape(a)).metrics;
  const beforeB = (await scrape(b)).metrics;
  for (const [channel, bytes] of [
    ["socket.io#/#", Buffer.from([0xc1])],
    ["socket.io#/#", Buffer.from([0x93, 0xa1])],
    // Room r has a member on B only: A leaves the message unread, as Node's filter does.
    ["socket.io#/#r#", Buffer.from("[1,2,3]")],
    ["socket.io-request#/#", Buffer.from("{not json")],
    ["socket.io-request#/#", Buffer.from('{"type":"x"}')],
    ["socket.io-response#/#", Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ["socket.io#/#", Buffer.alloc(4096, 0x91)],  // nested far too deep
    ["socket.io-request#/#", Buffer.from(`{"type":6,"uid":"x","data":["ev",${"[".repeat(100000)}]}`)],
  ]) {
    await control.publish(channel, bytes);
  }
  await waitForLog(a, /redis adapter: dropped a message/);
  // The node still serves: a broadcast through Redis still arrives.
  assert.equal((await emitAck(alice.socket, "publish", "r", "msg", "after garbage")).ok, true);
  assert.deepEqual(await bob.rec.waitFor("msg"), ["after garbage"]);
  // And the other way; once it arrives, A has read every message published before it.
  await emitAck(alice.socket, "join", "r2");
  assert.equal((await emitAck(bob.socket, "publish", "r2", "msg", "to A")).ok, true);
  assert.deepEqual(await alice.rec.waitFor("msg"), ["to A"]);
  const metrics = (await scrape(a)).metrics;
  const dropped = (m) => m.value("sockio_cluster_dropped_messages_total");
  assert.equal(dropped(metrics) - dropped(before), 7);
  assert.equal(dropped((await scrape(b)).metrics) - dropped(beforeB), 8);
  assert.equal(metrics.value("sockio_cluster_up"), 1);
  assert.ok(metrics.value("sockio_cluster_publishes_total") >= 1);
  assert.ok((await scrape(b)).metrics.value("sockio_cluster_messages_received_total") >= 1);
});

test("redis-sharded: garbage on the sharded channels is dropped with a log line; the nodes keep serving", async (t) => {
  const { redis, a, b, settle } = await cluster(t, { adapter: "redis-sharded" });
  assert.equal((await health(a)).cluster.adapter, "redis-sharded");
  const alice = await connectedClient(t, url(a), { auth: {} });
  const bob = await connectedClient(t, url(b), { auth: {} });
  await emitAck(bob.socket, "join", "r");
  await settle("r", 1);
  const before = (await scrape(a)).metrics;
  const beforeB = (await scrape(b)).metrics;
  for (const [channel, bytes] of [
    ["socket.io#/#", Buffer.from([0xc1])],
    ["socket.io#/#", Buffer.from([0x93, 0xa1])],
    ["socket.io#/#r#", Buffer.from("[1,2,3]")],  // only B listens to room r
    ["socket.io#/#", Buffer.from("{not json")],
    ["socket.io#/#", Buffer.from('{"type":"x"}')],
    ["socket.io#/#", Buffer.from('{"uid":"0123456789abcdef","nsp":"/","type":3}')],  // a broadcast without data
    ["socket.io#/#", Buffer.alloc(4096, 0x91)],  // nested far too deep
    ["socket.io#/#", Buffer.from(`{"uid":"x","nsp":"/","type":9,"data":${"[".repeat(100000)}}`)],
  ]) {
    await redis.sPublish(channel, bytes);
  }
  await waitForLog(a, /redis adapter: dropped a message/);
  await waitForLog(b, /redis adapter: dropped a message/);
  // Both nodes still serve, both ways.
  await emitAck(alice.socket, "join", "r2");
  await settle("r2", 1);
  assert.equal((await emitAck(alice.socket, "publish", "r", "msg", "after garbage")).ok, true);
  assert.deepEqual(await bob.rec.waitFor("msg"), ["after garbage"]);
  assert.equal((await emitAck(bob.socket, "publish", "r2", "msg", "to A")).ok, true);
  assert.deepEqual(await alice.rec.waitFor("msg"), ["to A"]);
  // Room and main channels may live on different masters, so nothing orders the drops
  // before those broadcasts: the counts are polled (no event tells them) up to the expected
  // figure, and must not pass it.
  const dropped = async (g, m) => (await scrape(g)).metrics.value("sockio_cluster_dropped_messages_total") -
    m.value("sockio_cluster_dropped_messages_total");
  for (const [g, m, n] of [[a, before, 7], [b, beforeB, 8]]) {
    const deadline = Date.now() + 5000;
    while ((await dropped(g, m)) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await dropped(g, m), n);
  }
});

const descriptors = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const sessions = async (g) => {
  const m = (await scrape(g)).metrics;
  return m.value("sockio_connections", { transport: "websocket" }) + m.value("sockio_connections", { transport: "polling" });
};

test("Redis killed and restarted: local delivery goes on, requests fail fast, the cluster comes back", async (t) => {
  const { redis, control, a, b } = await cluster(t);
  const alice = await connectedClient(t, url(a), { auth: {} });
  const carol = await connectedClient(t, url(a), { auth: {} });
  const bob = await connectedClient(t, url(b), { auth: {} });
  for (const c of [alice, carol, bob]) await emitAck(c.socket, "join", "r");
  // A first round of API emits, so that the allocator's arenas are warm before measuring.
  const payload = "x".repeat(10000);
  const emits = async (n) => {
    for (let i = 0; i < n; i++) await api(a, "/api/emit", { rooms: ["nobody"], event: "big", args: [payload] });
  };
  await emits(100);
  const fds = descriptors(a.proc.pid);
  const rss = rssKib(a.proc.pid);
  const open = await sessions(a);

  await redis.kill();
  await waitForLog(a, /redis (pub|sub): connection to .* lost/);
  assert.equal((await health(a)).cluster.up, false);
  // Local delivery does not stop.
  assert.equal((await emitAck(alice.socket, "publish", "r", "msg", "while down")).ok, true);
  assert.deepEqual(await carol.rec.waitFor("msg"), ["while down"]);
  // A cluster request ends at once with an error, not a hang.
  const started = Date.now();
  const res = await api(a, "/api/rooms/r");
  assert.equal(res.status, 504);
  assert.match((await res.json()).error, /timeout reached while waiting for fetchSockets response/);
  assert.ok(Date.now() - started < 1500);
  // 5 MB of broadcasts while Redis is away: refused and counted, not queued.
  // An API emit is answered once handed to the adapter; the refusal is counted on the
  // node's thread a moment later, so the count is polled (the node offers no event for it).
  await emits(500);
  const deadline = Date.now() + 5000;
  let dropped;
  while ((dropped = (await health(a)).cluster.dropped_messages) < 500 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(dropped >= 500, `${dropped} publishes counted as dropped, not 500`);

  await redis.restart();
  for (const g of [a, b]) {
    await waitForLog(g, /redis sub: reconnected to/, 15000);
    await waitForLog(g, /redis pub: reconnected to/, 15000);
  }
  const again = await redisClient(t, redis);
  await waitForNodes(again, 2);
  assert.equal((await health(a)).cluster.up, true);
  // Cross-node broadcasts resume.
  assert.equal((await emitAck(alice.socket, "publish", "r", "msg", "after restart")).ok, true);
  assert.deepEqual(await bob.rec.waitFor("msg", { count: 1 }), ["after restart"]);
  assert.equal(bob.rec.all("msg").length, 1, "nothing published while Redis was down reached the other node");
  // The connections Redis took are given back: as many descriptors as before.
  assert.ok(Math.abs(descriptors(a.proc.pid) - fds) <= 1, `descriptors ${fds} -> ${descriptors(a.proc.pid)}`);
  assert.equal(await sessions(a), open);
  assert.ok(rssKib(a.proc.pid) - rss < 3000, `RSS ${rss} KiB -> ${rssKib(a.proc.pid)} KiB`);
  void control;
});

test("a bad cluster configuration stops start-up with the key at fault", async (t) => {
  let r = await runGateway(t, ["--cluster-adapter", "memcached"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--cluster-adapter: cluster\.adapter: must be none, redis, redis-sharded or redis-streams/);
  r = await runGateway(t, ["--cluster-adapter", "redis", "--cluster-redis-url", "http://127.0.0.1:6379"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cluster\.redis_url: invalid Redis URL "http:\/\/127\.0\.0\.1:6379": unknown scheme/);
  r = await runGateway(t, ["--cluster-adapter", "redis", "--cluster-redis-url", "redis://host:99999"]);
  assert.match(r.stderr, /bad port/);
  r = await runGateway(t, ["--cluster-adapter", "redis-sharded", "--cluster-subscription-mode", "eager"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--cluster-subscription-mode: cluster\.subscription_mode: must be static, dynamic or dynamic-private/);
  r = await runGateway(t, ["--cluster-adapter", "redis-sharded", "--cluster-redis-url", "redis://127.0.0.1:7000, unix:///tmp/r.sock"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cluster\.redis_url: a Redis Cluster node is redis:\/\/ or rediss:\/\/: unix:\/\/\/tmp\/r\.sock/);
  r = await runGateway(t, ["--cluster-adapter", "redis-sharded", "--cluster-redis-url", "redis://127.0.0.1:7000,redis://h:0x"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cluster\.redis_url: invalid Redis URL "redis:\/\/h:0x"/);
  r = await runGateway(t, ["--cluster-adapter", "redis", "--cluster-redis-cluster", "true", "--cluster-redis-url", "unix:///tmp/r.sock"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cluster\.redis_url: a Redis Cluster node is redis:\/\/ or rediss:\/\/: unix:\/\/\/tmp\/r\.sock/);
  r = await runGateway(t, ["--cluster-adapter", "redis", "--cluster-persist-connected-sessions", "true"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cluster\.persist_connected_sessions: needs cluster\.adapter redis-streams and server\.recovery_ms > 0/);
  r = await runGateway(t, ["--cluster-adapter", "redis-streams", "--cluster-persist-connected-sessions", "true"]);
  assert.match(r.stderr, /cluster\.persist_connected_sessions: needs/);
});

// SIGTERM: the gateway drains, its sessions go to Redis; SIGKILL: with
// --cluster-persist-connected-sessions they were there already.
for (const signal of ["SIGTERM", "SIGKILL"]) {
  test(`redis-streams with --recovery-ms: a gateway ${signal === "SIGTERM" ? "stopped" : "killed"} behind nginx, its client recovers on the other with every message it missed`, async (t) => {
    const redis = await startRedis(t);
    const control = await redisClient(t, redis);
    const flags = ["--cluster-adapter", "redis-streams", "--cluster-redis-url", redis.url, "--recovery-ms", "60000",
      ...(signal === "SIGKILL" ? ["--cluster-persist-connected-sessions", "true"] : [])];
    const [a, b] = await Promise.all([startGateway(t, flags), startGateway(t, flags)]);
    await waitForNodes(control, 2, "socket.io#/#");
    await waitForReaders(control, 2);
    const nginx = await startNginx(t, [a, b]);
    const sender = await connectedClient(t, url(b), { auth: {} });
    const onA = async () => (await scrape(a)).metrics.value("sockio_connections", { transport: "websocket" });

    // A client that nginx sends to gateway A (it hashes the client's address).
    let client;
    for (let n = 2; !client; ++n) {
      assert.ok(n < 250, "no client address reaches gateway A");
      const before = await onA();
      const agent = new http.Agent({ keepAlive: true, localAddress: `127.0.0.${n}` });
      const socket = io(nginx.url, { forceNew: true, transports: ["websocket"], agent, auth: {},
        reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0 });
      t.after(() => {
        socket.close();
        agent.destroy();
      });
      await withTimeout(new Promise((resolve) => socket.once("connect", resolve)), EVENT_TIMEOUT_MS, "connect");
      if ((await onA()) > before) client = socket;
      else socket.close();
    }
    const id = client.id;
    assert.equal((await emitAck(client, "join", "lobby")).ok, true);
    const got = [];
    client.on("msg", (n, offset) => got.push([n, offset]));

    const total = 40;
    const sending = (async () => {
      for (let i = 1; i <= total; ++i) {
        assert.equal((await emitAck(sender.socket, "publish", "lobby", "msg", i)).ok, true);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await untilTrue(() => got.length >= 8, "the first messages");
    const reconnected = new Promise((resolve) => client.io.once("reconnect", resolve));
    if (signal === "SIGKILL") {
      process.kill(a.proc.pid, "SIGKILL");
      await a.exited;
    } else {
      await a.stop();
    }
    await withTimeout(reconnected, EVENT_TIMEOUT_MS, "the reconnection through nginx");
    await sending;
    await untilTrue(() => got.length >= total, `${total} messages`, 10000);
    assert.equal(client.recovered, true);
    assert.equal(client.id, id);
    assert.deepEqual(got.map(([n]) => n), Array.from({ length: total }, (_, i) => i + 1), "each once, in order");
    for (const [, offset] of got) assert.match(offset, /^\d+-\d+$/);
  });
}
