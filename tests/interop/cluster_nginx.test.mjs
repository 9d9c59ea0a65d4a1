// Three sockio-server nodes on one redis-server behind real nginx, with the
// configuration of examples/cluster/nginx.conf.template: socket.io-client over polling
// only, WebSocket only and with the upgrade, from many loopback addresses (nginx is
// sticky by address); room broadcasts reach each member once; a node killed behind
// nginx leaves its clients to reconnect to the others.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, withTimeout } from "./helpers.mjs";
import { Recorder, boundedFetch, emitAck, scrape, startGateway } from "./gateway_helpers.mjs";
import { redisClient, startNginx, startRedis, waitForNodes } from "./cluster_helpers.mjs";

const KEY = "nginx-test-key";
async function setup(t) {
  const redis = await startRedis(t);
  const control = await redisClient(t, redis);
  const flags = ["--cluster-adapter", "redis", "--cluster-redis-url", redis.url, "--api-key", KEY,
    "--ping-interval-ms", "1000", "--ping-timeout-ms", "1000"];
  const nodes = await Promise.all([0, 1, 2].map(() => startGateway(t, flags)));
  await waitForNodes(control, 3);
  const nginx = await startNginx(t, nodes);
  return { nodes, nginx };
}

// A client from loopback address 127.0.0.<n> (its own agent: nginx hashes the address).
function clientFrom(t, url, n, transports, extra = {}) {
  const agent = new http.Agent({ keepAlive: true, localAddress: `127.0.0.${n}` });
  const socket = io(url, { forceNew: true, reconnection: false, transports, agent, auth: {}, ...extra });
  t.after(() => {
    socket.close();
    agent.destroy();
  });
  return { socket, rec: new Recorder(socket) };
}

function connected(socket) {
  return withTimeout(new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  }), EVENT_TIMEOUT_MS, "connect through nginx");
}

async function socketsPerNode(nodes) {
  return Promise.all(nodes.map(async (n) => (await scrape(n)).metrics.value("sockio_sockets", { namespace: "/" }) ?? 0));
}

for (const [name, transports, upgrade] of [
  ["polling only", ["polling"], false],
  ["websocket only", ["websocket"], false],
  ["polling then upgrade", ["polling", "websocket"], true],
]) {
  test(`through nginx, ${name}: clients spread over three nodes, a room broadcast reaches each member once`, async (t) => {
    const { nodes, nginx } = await setup(t);
    const clients = Array.from({ length: 12 }, (_, i) => clientFrom(t, nginx.url, i + 2, transports));
    await Promise.all(clients.map((c) => connected(c.socket)));
    for (const c of clients) assert.equal((await emitAck(c.socket, "join", "hall")).ok, true);
    if (upgrade) {
      await Promise.all(clients.map((c) => c.socket.io.engine.transport.name === "websocket" ? null
        : withTimeout(new Promise((r) => c.socket.io.engine.once("upgrade", r)), EVENT_TIMEOUT_MS, "upgrade")));
    }
    const perNode = await socketsPerNode(nodes);
    assert.equal(perNode.reduce((a, b) => a + b, 0), 12);
    assert.ok(perNode.filter((n) => n > 0).length >= 2, `spread over the nodes: ${perNode}`);

    const sender = clients[0];
    assert.equal((await emitAck(sender.socket, "publish", "hall", "shout", name)).ok, true);
    await Promise.all(clients.slice(1).map((c) => c.rec.waitFor("shout"))).catch((e) => {
      throw new Error(`${e.message}\n${nodes.map((n, i) => `node ${i} (${n.port}):\n${n.stdoutText.slice(-2000)}`).join("\n")}`);
    });
    // And one through the HTTP API of a node (nginx sends it to any).
    const res = await boundedFetch(`${nginx.url}/api/emit`, {
      method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ rooms: ["hall"], event: "shout", args: ["api"] }),
    });
    assert.equal(res.status, 200);
    await Promise.all(clients.map((c) => c.rec.waitFor("shout", { count: c === sender ? 1 : 2 })));
    // Exactly once each: a further marker arrives after anything duplicated would have.
    await emitAck(sender.socket, "publish", "hall", "marker", 1);
    await Promise.all(clients.slice(1).map((c) => c.rec.waitFor("marker")));
    for (const c of clients.slice(1)) assert.deepEqual(c.rec.all("shout"), [[name], ["api"]]);
    assert.deepEqual(sender.rec.all("shout"), [["api"]]);
    if (upgrade) for (const c of clients) assert.equal(c.socket.io.engine.transport.name, "websocket");
  });
}

test("a node killed behind nginx: its clients reconnect to the other nodes and are served", async (t) => {
  const { nodes, nginx } = await setup(t);
  const clients = Array.from({ length: 12 }, (_, i) =>
    clientFrom(t, nginx.url, i + 2, ["websocket"], { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 }));
  await Promise.all(clients.map((c) => connected(c.socket)));
  const perNode = await socketsPerNode(nodes);
  const victim = perNode.findIndex((n) => n > 0);
  const lost = perNode[victim];
  // Clients rejoin their room on every connect, as an application does.
  for (const c of clients) {
    c.joined = emitAck(c.socket, "join", "hall");
    c.socket.on("connect", () => (c.joined = emitAck(c.socket, "join", "hall")));
    await c.joined;
  }
  process.kill(nodes[victim].proc.pid, "SIGKILL");
  const survivors = nodes.filter((_, i) => i !== victim);
  const deadline = Date.now() + 10000;
  for (;;) {
    const counts = await socketsPerNode(survivors);
    if (counts.reduce((a, b) => a + b, 0) === 12) break;
    if (Date.now() > deadline) throw new Error(`reconnected: ${counts} of 12 (${lost} lost)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const c of clients) assert.ok(c.socket.connected);
  await Promise.all(clients.map((c) => c.joined));
  const sender = clients[0];
  await emitAck(sender.socket, "publish", "hall", "after", "failover");
  await Promise.all(clients.slice(1).map((c) => c.rec.waitFor("after")));
});
