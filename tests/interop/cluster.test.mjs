// A mixed cluster on one redis-server: a Node socket.io 4.8 node with
// @socket.io/redis-adapter 8.x and two sockio nodes (one with two threads). Every
// cluster operation is started on each kind of node and observed on the others.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Emitter } from "@socket.io/redis-emitter";
import { after, before, describe, test } from "node:test";
import { fixturePathFromEnv } from "./helpers.mjs";
import {
  collect, connect, join, op, redisClient, startCppNode, startNodeNode, startRedis, startRedisCluster, until,
  repeatVolatile,
  waitForNodes,
} from "./cluster_helpers.mjs";
import { operationTests, untilCount, untilTrue } from "./cluster_suite.mjs";

describe("mixed cluster: Node + sockio on one Redis", () => {
  const ctx = {};
  // One cluster for the whole suite; node:test's `t` of a describe hook is the suite.
  before(async (t) => {
    const scope = { after: (fn) => ctx.cleanups.push(fn) };
    ctx.cleanups = [];
    ctx.redis = await startRedis(scope);
    ctx.control = await redisClient(scope, ctx.redis);
    [ctx.js, ctx.cpp, ctx.cpp2] = await Promise.all([
      startNodeNode(scope, ctx.redis, "js"),
      startCppNode(scope, ctx.redis, "cpp"),
      startCppNode(scope, ctx.redis, "cpp2", { threads: 2 }),
    ]);
    await waitForNodes(ctx.control, 3);
  });
  after(async () => {
    for (const fn of ctx.cleanups.reverse()) await fn();
  });

  // One client per node.
  async function clients(t) {
    const [a, b, c] = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp), connect(t, ctx.cpp2)]);
    return { a, b, c, all: [a, b, c] };
  }

  operationTests(ctx, { protocol: "classic" });

  // The two emitters: @socket.io/redis-emitter in this process, and sockio's C++ one
  // (examples/redis_emitter.cpp) in a process of its own.
  const REDIS_EMITTER = fixturePathFromEnv("SOCKIO_REDIS_EMITTER", "redis_emitter");
  const emitters = {
    js: {
      emit: (sel, event, ...args) => select(new Emitter(ctx.control), sel).emit(event, ...args),
      join: (sel, room) => select(new Emitter(ctx.control), sel).socketsJoin(room),
      leave: (sel, room) => select(new Emitter(ctx.control), sel).socketsLeave(room),
      disconnect: (sel, close) => select(new Emitter(ctx.control), sel).disconnectSockets(close),
      serverSide: (event, ...args) => new Emitter(ctx.control).serverSideEmit(event, ...args),
    },
    cpp: {
      emit: (sel, event, ...args) => runEmitter(sel, ["emit", event, ...args.map((a) => JSON.stringify(a))]),
      join: (sel, room) => runEmitter(sel, ["join", room]),
      leave: (sel, room) => runEmitter(sel, ["leave", room]),
      disconnect: (sel, close) => runEmitter(sel, ["disconnect", ...(close ? ["close"] : [])]),
      serverSide: (event, ...args) => runEmitter({}, ["server-side", event, ...args.map((a) => JSON.stringify(a))]),
    },
  };
  function select(e, { to = [], except = [], volatile = false } = {}) {
    for (const r of to) e = e.to(r);
    for (const r of except) e = e.except(r);
    return volatile ? e.volatile : e;
  }
  async function runEmitter({ to = [], except = [], volatile = false }, action) {
    const flags = ["--redis", ctx.redis.url, ...to.flatMap((r) => ["--to", r]), ...except.flatMap((r) => ["--except", r]),
      ...(volatile ? ["--volatile"] : [])];
    await promisify(execFile)(REDIS_EMITTER, [...flags, ...action], { timeout: 10000 });
  }

  for (const kind of ["js", "cpp"]) {
    test(`the ${kind} emitter reaches the sockets of every node`, async (t) => {
      const e = emitters[kind];
      const { a, b, c, all } = await clients(t);
      const room = `emitter-${kind}`;
      const muted = `muted-${kind}`;
      await Promise.all([join(a, room), join(b, room), join(c, room), join(c, muted)]);
      const got = all.map((s) => collect(s, "from-emitter"));
      await e.emit({ to: [room], except: [muted] }, "from-emitter", "hello", { n: 1 });
      await until(all, () => got[0].length === 1 && got[1].length === 1, "the room emit");
      const isVolatile = ([arg]) => arg === "volatile";
      await repeatVolatile(all, () => got.every((g) => g.some(isVolatile)),
        () => e.emit({ volatile: true }, "from-emitter", "volatile"));
      got.forEach((g, i) => {
        assert.deepEqual(g[0], i < 2 ? ["hello", { n: 1 }] : ["volatile"], `client ${i}: ${JSON.stringify(g)}`);
        assert.ok(g.slice(1).every(isVolatile), `client ${i}: the room emit came once: ${JSON.stringify(g)}`);
      });

      const driver = await connect(t, ctx.cpp);
      const target = `emitter-joined-${kind}`;
      await e.join({ to: [room] }, target);
      assert.deepEqual((await untilCount(driver, target, 3)).sort(), all.map((s) => s.id).sort());
      await e.leave({ to: [room] }, target);
      assert.deepEqual(await untilCount(driver, target, 0), []);

      const marker = `emitter-note-${kind}-${Date.now()}`;
      await e.serverSide("note", marker);
      for (const name of ["js", "cpp", "cpp2"]) {
        const peer = await connect(t, ctx[name]);
        await untilTrue(async () => (await op(peer, { op: "received" })).some((n) => n[1] === marker), `note on ${name}`);
      }

      const gone = all.map((s) => new Promise((resolve) => s.once("disconnect", resolve)));
      await e.disconnect({ to: [room] }, true);
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect", "io server disconnect"]);
    });
  }

});

// The classic protocol on a Redis Cluster of three masters: each node connects to another
// cluster node (the cluster forwards PUBLISH to every node); the nodes are counted with
// PUBSUB NUMSUB on every master, summed (Node: a createCluster client).
describe("mixed cluster: the classic adapter on a Redis Cluster", () => {
  const ctx = {};
  before(async () => {
    const scope = { after: (fn) => ctx.cleanups.push(fn) };
    ctx.cleanups = [];
    const cluster = await startRedisCluster(scope, { masters: 3 });
    const [n0, n1, n2] = cluster.nodes;
    [ctx.js, ctx.cpp, ctx.cpp2] = await Promise.all([
      startNodeNode(scope, n0, "js", { onCluster: true }),
      startCppNode(scope, n1, "cpp", { onCluster: true }),
      startCppNode(scope, n2, "cpp2", { threads: 2, onCluster: true }),
    ]);
    const controls = await Promise.all(cluster.nodes.map((n) => redisClient(scope, n)));
    const counts = async () => (await Promise.all(controls.map(async (c) =>
      (await c.pubSubNumSub("socket.io-request#/#"))["socket.io-request#/#"]))).reduce((x, y) => x + y, 0);
    await untilTrue(async () => (await counts()) === 3, "three nodes subscribed over the masters", 10000);
  });
  after(async () => {
    for (const fn of ctx.cleanups.reverse()) await fn();
  });

  // node-redis' cluster client sends each PUBLISH (a command without a key) to a random
  // node, so the Node node's messages keep no order between them; sockio's go through one
  // connection.
  operationTests(ctx, { protocol: "classic", ordered: (from) => from !== "js" });
});

describe("publishOnSpecificResponseChannel: answers on the requester's own channel", () => {
  const ctx = {};
  before(async () => {
    const scope = { after: (fn) => ctx.cleanups.push(fn) };
    ctx.cleanups = [];
    ctx.redis = await startRedis(scope);
    ctx.control = await redisClient(scope, ctx.redis);
    [ctx.js, ctx.cpp] = await Promise.all([
      startNodeNode(scope, ctx.redis, "js", { specific: true }),
      startCppNode(scope, ctx.redis, "cpp", { specific: true }),
    ]);
    await waitForNodes(ctx.control, 2);
  });
  after(async () => {
    for (const fn of ctx.cleanups.reverse()) await fn();
  });

  for (const from of ["js", "cpp"]) {
    test(`requests started on ${from} are answered on its channel`, async (t) => {
      const [a, b] = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp)]);
      await Promise.all([join(a, "s"), join(b, "s")]);
      for (const s of [a, b]) collect(s, "q");
      // Every answer goes to socket.io-response#/#<uid>#: watch that no shared one is used.
      const shared = [];
      const watcher = ctx.control.duplicate();
      await watcher.connect();
      t.after(() => watcher.disconnect());
      await watcher.subscribe("socket.io-response#/#", (m) => shared.push(m));
      const driver = ctx[from] === ctx.js ? a : b;
      const { error, sockets } = await op(driver, { op: "fetchSockets", rooms: ["s"] });
      assert.equal(error, null);
      assert.deepEqual(sockets.map((s) => s.id).sort(), [a.id, b.id].sort());
      const rooms = await op(driver, { op: "allRooms" });
      assert.ok(rooms.rooms.includes("s"));
      const acks = await op(driver, { op: "broadcastWithAck", rooms: ["s"], event: "q", args: [], timeout: 3000 });
      assert.deepEqual(acks.responses.sort(), [`ack-${a.id}`, `ack-${b.id}`].sort());
      assert.deepEqual(shared, []);
    });
  }
});
