// A mixed cluster on one redis-server: a Node socket.io 4.8 node with
// @socket.io/redis-adapter 8.x and two sockio nodes (one with two threads). Every
// cluster operation is started on each kind of node and observed on the others.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  collect, connect, join, op, redisClient, startCppNode, startNodeNode, startRedis, until, waitForNodes,
} from "./cluster_helpers.mjs";

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

  // One client per node, each in room "r" except the cpp2 one, plus one "driver" per node.
  async function clients(t) {
    const [a, b, c] = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp), connect(t, ctx.cpp2)]);
    return { a, b, c, all: [a, b, c] };
  }

  for (const from of ["js", "cpp", "cpp2"]) {
    test(`broadcast started on ${from} reaches every node once (rooms, except)`, async (t) => {
      const { a, b, c, all } = await clients(t);
      const room = `room-${from}`;
      await Promise.all([join(a, room), join(b, room)]);
      const got = all.map((s) => collect(s, "news"));
      const driver = await connect(t, ctx[from]);
      await op(driver, { op: "broadcast", rooms: [room], event: "news", args: ["to-room", 1] });
      await op(driver, { op: "broadcast", rooms: [], except: [room], event: "news", args: ["to-others"] });
      await until(all, () => got[0].length === 1 && got[1].length === 1 && got[2].length === 1, "the broadcasts");
      assert.deepEqual(got[0], [["to-room", 1]]);
      assert.deepEqual(got[1], [["to-room", 1]]);
      assert.deepEqual(got[2], [["to-others"]]);
    });

    test(`fetchSockets started on ${from} sees the sockets of every node`, async (t) => {
      const { a, b, c } = await clients(t);
      const room = `fetch-${from}`;
      await Promise.all([join(a, room), join(b, room), join(c, room)]);
      const driver = await connect(t, ctx[from]);
      const { error, sockets } = await op(driver, { op: "fetchSockets", rooms: [room] });
      assert.equal(error, null);
      const byId = Object.fromEntries(sockets.map((s) => [s.id, s]));
      assert.deepEqual(Object.keys(byId).sort(), [a.id, b.id, c.id].sort());
      assert.equal(byId[a.id].data.node, "js");
      assert.equal(byId[b.id].data.node, "cpp");
      assert.equal(byId[c.id].data.node, "cpp2");
      assert.deepEqual(byId[b.id].rooms.sort(), [b.id, room].sort());
      assert.equal(byId[b.id].address, "127.0.0.1");
    });
  }
});
