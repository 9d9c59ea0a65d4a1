// Mixed clusters on the Streams adapter (@socket.io/redis-streams-adapter 0.3.x): a Node
// socket.io 4.8 node and two sockio nodes (one with two threads) on one redis-server.
// Every cluster operation is started on each node and observed on the others; then
// connection state recovery across nodes, and bad entries on the stream.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, withTimeout } from "./helpers.mjs";
import {
  connect, op, redisClient, startCppNode, startNginx, startNodeNode, startRedis, waitForNodes, waitForReaders,
} from "./cluster_helpers.mjs";
import { operationTests, untilTrue } from "./cluster_suite.mjs";

describe("streams adapter: Node + sockio on one Redis", () => {
  const ctx = {};
  before(async () => {
    const scope = { after: (fn) => ctx.cleanups.push(fn) };
    ctx.cleanups = [];
    ctx.redis = await startRedis(scope);
    ctx.control = await redisClient(scope, ctx.redis);
    [ctx.js, ctx.cpp, ctx.cpp2] = await Promise.all([
      startNodeNode(scope, ctx.redis, "js", { streams: true }),
      startCppNode(scope, ctx.redis, "cpp", { streams: true }),
      startCppNode(scope, ctx.redis, "cpp2", { threads: 2, streams: true }),
    ]);
    await waitForNodes(ctx.control, 3, "socket.io#/#");
    await waitForReaders(ctx.control, 3);
  });
  after(async () => {
    for (const fn of ctx.cleanups.reverse()) await fn();
  });

  operationTests(ctx, { protocol: "streams" });

  test("a broadcast is a stream entry with Node's fields, from each kind of node", async (t) => {
    const uids = [];
    for (const node of [ctx.js, ctx.cpp]) {
      const driver = await connect(t, node);
      await op(driver, { op: "broadcast", rooms: ["nobody"], event: "entry", args: [node.name, { n: 1 }] });
      // The XADD may still be on its way when the operation is acknowledged.
      let fields;
      await untilTrue(async () => {
        const [last] = await ctx.control.sendCommand(["XREVRANGE", "socket.io", "+", "-", "COUNT", "1"]);
        fields = last?.[1];
        return fields?.[7]?.includes(`"${node.name}"`);
      }, `the entry of ${node.name}'s broadcast`);
      assert.deepEqual(fields.filter((_, i) => i % 2 === 0), ["uid", "nsp", "type", "data"]);
      assert.match(fields[1], /^[0-9a-f]{16}$/);
      assert.deepEqual(fields.slice(2, 6), ["nsp", "/", "type", "3"]);
      assert.deepEqual(JSON.parse(fields[7]), {
        packet: { type: 2, data: ["entry", node.name, { n: 1 }] },
        opts: { rooms: ["nobody"], except: [], flags: {} },
      });
      uids.push(fields[1]);
    }
    assert.notEqual(uids[0], uids[1]);
  });
});

// A node stopped (SIGTERM) or killed (SIGKILL) while events are published to its clients'
// room: the clients reconnect through nginx to another node, which finds their sessions in
// Redis (the stopping node wrote them as it disconnected its sockets; a killed one, with
// persist_connected_sessions, had them there while they were connected) and sends every
// event they missed from the stream, once, in order. (A killed Node node writes nothing.)
// A Node survivor restores with a window in which a live event is lost or doubled (it reads
// the stream, then joins the rooms, while its reader goes on): towards Node, the client
// comes back by hand once the events missed while away are in the stream, and no event is
// published during its restore. sockio survivors get no such help (and the 40-client test
// below restores during a stream of events).
for (const [from, to, signal] of [["cpp", "cpp", "SIGTERM"], ["cpp", "js", "SIGTERM"], ["js", "cpp", "SIGTERM"],
  ["cpp", "cpp", "SIGKILL"], ["cpp", "js", "SIGKILL"]]) {
  test(`recovery across nodes behind nginx, ${from} -> ${to}, ${signal}: the same id, rooms and data, every missed ` +
    "event once", async (t) => {
      const redis = await startRedis(t);
      const control = await redisClient(t, redis);
      const start = (kind, name) => (kind === "js" ? startNodeNode : startCppNode)(t, redis, name,
        { streams: true, recovery: true, persistConnected: signal === "SIGKILL" && name === "victim" });
      const [victim, survivor, publisher] = await Promise.all([
        start(from, "victim"), start(to, "survivor"), start("cpp", "publisher")]);
      await waitForNodes(control, 3, "socket.io#/#");
      await waitForReaders(control, 3);
      const nginx = await startNginx(t, [victim, survivor]);
      const driver = await connect(t, publisher);
      const whereIs = async (id) => (await op(driver, { op: "fetchSockets", rooms: [id] })).sockets[0];

      // A client that nginx sends to the victim (it hashes the client's address).
      let client;
      for (let n = 2; !client; ++n) {
        assert.ok(n < 250, "no client address reaches the victim");
        const agent = new http.Agent({ keepAlive: true, localAddress: `127.0.0.${n}` });
        const socket = io(nginx.url, { forceNew: true, transports: ["websocket"], agent, auth: { user: "u" },
          reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0 });
        t.after(() => {
          socket.close();
          agent.destroy();
        });
        await withTimeout(new Promise((resolve) => socket.once("connect", resolve)), EVENT_TIMEOUT_MS, "connect");
        if ((await whereIs(socket.id)).data.node === "victim") client = socket;
        else socket.close();
      }
      const id = client.id;
      await new Promise((resolve) => client.emit("join", "live", resolve));
      const ticks = [];
      const offsets = [];
      client.on("tick", (n, offset) => {
        ticks.push(n);
        offsets.push(offset);
      });

      // Ticks to the room, one at a time, while the victim stops; `hold` pauses them.
      const total = 60;
      let sent = 0;
      let hold = null;
      let parked = false;
      const ticking = (async () => {
        for (let i = 1; i <= total; ++i) {
          if (hold) {
            parked = true;
            await hold.released;
          }
          await op(driver, { op: "broadcast", rooms: ["live"], event: "tick", args: [i] });
          sent = i;
          await new Promise((r) => setTimeout(r, 15));
        }
      })();
      await untilTrue(() => ticks.length >= 10, "the first ticks");
      const byHand = to === "js";
      if (byHand) client.once("disconnect", () => client.io.reconnection(false));
      const reconnected = new Promise((resolve) => (byHand ? client : client.io).once(byHand ? "connect" : "reconnect",
        resolve));
      if (signal === "SIGKILL") {
        process.kill(victim.proc.pid, "SIGKILL");
        await victim.exited;
      } else {
        await victim.stop();
      }
      if (byHand) {
        const away = sent;
        await untilTrue(() => sent >= Math.min(away + 5, total), "ticks published while the client is away");
        hold = {};
        hold.released = new Promise((resolve) => (hold.release = resolve));
        await untilTrue(() => parked || sent === total, "the tick in flight");  // lands before the restore
        client.connect();
      }
      await withTimeout(reconnected, EVENT_TIMEOUT_MS, "the reconnection through nginx");
      hold?.release();
      await ticking;
      await untilTrue(() => ticks.length >= total, `${total} ticks (got ${ticks.length})`, 10000);

      assert.equal(client.recovered, true, "the session was recovered");
      assert.equal(client.id, id);
      assert.deepEqual(ticks, Array.from({ length: total }, (_, i) => i + 1), "every tick once, in order");
      for (const o of offsets) assert.match(o, /^\d+-\d+$/);
      const again = await whereIs(id);
      assert.equal(again.data.node, "victim", "the socket's data came with it");
      assert.deepEqual(again.rooms.sort(), [id, "live"].sort());
      assert.ok(survivor.running(), "the survivor serves it");
    });
}

// Many clients restored at once while events keep coming: an event appended while a
// session is being read back from the stream reaches the client either from the stream or
// live, never both and never neither.
test("recovery of 40 clients at once during a stream of events: every event once, in order, at every client",
  async (t) => {
    const redis = await startRedis(t);
    const control = await redisClient(t, redis);
    const start = (name) => startCppNode(t, redis, name, { streams: true, recovery: true });
    const [victim, survivor, publisher] = await Promise.all([start("victim"), start("survivor"), start("publisher")]);
    await waitForNodes(control, 3, "socket.io#/#");
    await waitForReaders(control, 3);
    // Round robin with the survivor as backup: every client reaches the victim while it
    // serves; stopping, it answers 503 and nginx moves the handshakes on.
    const nginx = await startNginx(t, [victim, { port: `${survivor.port} backup` }], { sticky: false });
    const driver = await connect(t, publisher);
    const clients = [];
    for (let i = 0; i < 40; ++i) {
      const socket = io(nginx.url, { forceNew: true, transports: ["websocket"], reconnectionDelay: 100,
        reconnectionDelayMax: 300, randomizationFactor: 0 });
      t.after(() => socket.close());
      const c = { socket, ticks: [] };
      socket.on("tick", (n) => c.ticks.push(n));
      clients.push(c);
    }
    await withTimeout(Promise.all(clients.map(({ socket }) => new Promise((resolve) => {
      socket.once("connect", () => socket.emit("join", "live", resolve));
    }))), EVENT_TIMEOUT_MS, "40 clients to join");
    const ids = clients.map(({ socket }) => socket.id);
    for (const id of ids) assert.equal((await op(driver, { op: "fetchSockets", rooms: [id] })).sockets[0].data.node, "victim");

    // A tick every 3 ms, each asked for without waiting for the previous one.
    let sent = 0;
    const timer = setInterval(() => driver.emit("op", { op: "broadcast", rooms: ["live"], event: "tick",
      args: [++sent] }, () => {}), 3);
    t.after(() => clearInterval(timer));
    await untilTrue(() => clients.every((c) => c.ticks.length >= 5), "the first ticks everywhere");
    const reconnected = clients.map(({ socket }) => new Promise((resolve) => socket.io.once("reconnect", resolve)));
    await victim.stop();
    await withTimeout(Promise.all(reconnected), EVENT_TIMEOUT_MS, "every reconnection through nginx");
    await untilTrue(() => clients.every((c) => c.ticks.length >= 5 && c.ticks.at(-1) > sent - 5),
      "ticks after the reconnections");
    clearInterval(timer);
    await untilTrue(() => clients.every((c) => c.ticks.at(-1) === sent), `tick ${sent} everywhere`, 10000);
    for (const [i, c] of clients.entries()) {
      assert.equal(c.socket.recovered, true, `client ${i} recovered`);
      assert.equal(c.socket.id, ids[i]);
      assert.deepEqual(c.ticks, Array.from({ length: sent }, (_, k) => k + 1), `client ${i}: every tick once, in order`);
    }
  });

test("bad entries on the stream and bad messages on the channels are dropped with a log line; Redis restarted: the nodes read on", async (t) => {
  const redis = await startRedis(t);
  const control = await redisClient(t, redis);
  const [a, b] = await Promise.all([startCppNode(t, redis, "a", { streams: true }),
    startCppNode(t, redis, "b", { streams: true })]);
  await waitForNodes(control, 2, "socket.io#/#");
  await waitForReaders(control, 2);
  const [onA, onB] = await Promise.all([connect(t, a), connect(t, b)]);
  const got = [];
  onB.on("news", (...args) => got.push(args));
  const delivered = async (text) => {
    await op(onA, { op: "broadcast", rooms: [], event: "news", args: [text] });
    await untilTrue(() => got.some((g) => g[0] === text), `"${text}" on the other node`);
  };
  await delivered("before");

  for (const fields of [
    ["foo", "bar"],  // no uid, nsp or type
    ["uid", "0123456789abcdef", "nsp", "/", "type", "99"],
    ["uid", "0123456789abcdef", "nsp", "/", "type", "3", "data", "{not json"],
    ["uid", "0123456789abcdef", "nsp", "/", "type", "3", "data", "!!not base64!!"],
    ["uid", "0123456789abcdef", "nsp", "/", "type", "3", "data", '{"packet":1}'],  // not an event
    ["uid", "0123456789abcdef", "nsp", "/", "type", "3", "data", `{"packet":${"[".repeat(100000)}}`],
  ]) {
    await control.sendCommand(["XADD", "socket.io", "*", ...fields]);
  }
  await control.publish("socket.io#/#", Buffer.from([0xc1]));
  await control.publish("socket.io#/#", Buffer.alloc(4096, 0x91));
  for (const node of [a, b]) {
    await untilTrue(() => /redis adapter: dropped a message on socket\.io: an entry without uid/.test(node.stdout()),
      "the log line of the first bad entry");
  }
  await delivered("after garbage");
  assert.equal(got.length, 2, "garbage delivered nothing");

  // Redis restarted (its stream gone): the readers reconnect and read on.
  await redis.restart();
  const again = await redisClient(t, redis);
  await waitForNodes(again, 2, "socket.io#/#");
  await waitForReaders(again, 2);
  // The publishing connections too (a publish is refused while Redis is found away).
  for (const node of [a, b]) {
    await untilTrue(() => /redis streams pub: reconnected to/.test(node.stdout()), "the publisher reconnected", 15000);
  }
  await delivered("after restart");
  assert.ok(a.running() && b.running());
});

// With recovery on an event reaches this node's own sockets once its XADD gave it an
// offset; room changes wait for theirs too, so that they keep their call order here.
test("recovery on: emit, socketsLeave, emit reach the sender's own member in call order, with offsets", async (t) => {
  const redis = await startRedis(t);
  const control = await redisClient(t, redis);
  const node = await startCppNode(t, redis, "solo", { streams: true, recovery: true });
  await waitForReaders(control, 1);
  const member = await connect(t, node);
  await new Promise((resolve) => member.emit("join", "seq", resolve));
  const got = [];
  member.on("seq", (...args) => got.push(args));
  const markers = [];
  member.on("marker", (...args) => markers.push(args));
  const driver = await connect(t, node);
  await op(driver, { op: "sequence", room: "seq", event: "seq" });
  await op(driver, { op: "broadcast", rooms: [], event: "marker", args: [] });
  await untilTrue(() => markers.length === 1, "the marker");
  assert.equal(got.length, 1, JSON.stringify(got));
  assert.equal(got[0][0], 1);
  assert.match(got[0][1], /^\d+-\d+$/);
});
