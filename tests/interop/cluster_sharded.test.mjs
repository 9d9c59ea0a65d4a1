// Mixed clusters on the sharded adapter (createShardedAdapter of @socket.io/redis-adapter
// 8.x, Redis 7 sharded pub/sub) on a Redis Cluster of three masters the test creates: a
// Node socket.io 4.8 node (node-redis createCluster) and two sockio nodes (one with two
// threads), in each subscription mode. Every cluster operation is started on each node
// and observed on the others. Then a master is killed mid-run and its replica promoted.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  collect, connect, join, op, startCppNode, startNodeNode, startRedis, startRedisCluster, until, waitForShardedNodes,
} from "./cluster_helpers.mjs";
import { operationTests } from "./cluster_suite.mjs";

for (const mode of ["dynamic", "static", "dynamic-private"]) {
  describe(`sharded adapter, ${mode} mode: Node + sockio on a Redis Cluster`, () => {
    const ctx = {};
    before(async () => {
      const scope = { after: (fn) => ctx.cleanups.push(fn) };
      ctx.cleanups = [];
      ctx.redis = await startRedisCluster(scope, { masters: 3 });
      [ctx.js, ctx.cpp, ctx.cpp2] = await Promise.all([
        startNodeNode(scope, ctx.redis, "js", { sharded: { mode } }),
        startCppNode(scope, ctx.redis, "cpp", { sharded: { mode } }),
        startCppNode(scope, ctx.redis, "cpp2", { threads: 2, sharded: { mode } }),
      ]);
      await waitForShardedNodes(ctx.redis, 3);
      // A room's channel, where the mode has one, has a subscriber per node holding members.
      ctx.settle = async (rooms) => {
        for (const { room, nodes, socketId = false } of rooms) {
          const subscribed = mode === "dynamic-private" || (mode === "dynamic" && !socketId);
          await untilSubscribers(ctx.redis, `socket.io#/#${room}#`, subscribed ? nodes : 0);
        }
      };
    });
    after(async () => {
      for (const fn of ctx.cleanups.reverse()) await fn();
    });

    operationTests(ctx, { protocol: "sharded", ordered: mode === "static" });

    test("a room's channel is subscribed to while the room has members, as the mode says", async (t) => {
      const room = `channel-${mode}`;
      const channel = `socket.io#/#${room}#`;
      const [a, b] = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp)]);
      await Promise.all([join(a, room), join(b, room)]);
      // A socket's own room has a channel only in dynamic-private (Node's rule: a room that
      // is one of this node's socket ids is private). The subscriptions follow the joins.
      await untilSubscribers(ctx.redis, `socket.io#/#${b.id}#`, mode === "dynamic-private" ? 1 : 0);
      await untilSubscribers(ctx.redis, channel, mode === "static" ? 0 : 2);
      const gone = new Promise((resolve) => b.once("disconnect", resolve));
      b.disconnect();
      await gone;
      await untilSubscribers(ctx.redis, channel, mode === "static" ? 0 : 1);
    });
  });
}

// Sharded pub/sub works on a Redis that is not a cluster too (Node's createClient; sockio
// takes it as one master serving every slot).
describe("sharded adapter on one Redis (not a cluster)", () => {
  const ctx = {};
  before(async () => {
    const scope = { after: (fn) => ctx.cleanups.push(fn) };
    ctx.cleanups = [];
    const redis = await startRedis(scope);
    ctx.redis = { url: redis.url, shardNumSub: async (channel) => {
      const [, count] = await ctx.control.sendCommand(["PUBSUB", "SHARDNUMSUB", channel]);
      return Number(count);
    } };
    const { createClient } = await import("redis");
    ctx.control = createClient({ url: redis.url });
    await ctx.control.connect();
    ctx.cleanups.push(() => ctx.control.disconnect());
    const sharded = { mode: "dynamic", cluster: false };
    [ctx.js, ctx.cpp, ctx.cpp2] = await Promise.all([
      startNodeNode(scope, ctx.redis, "js", { sharded }),
      startCppNode(scope, ctx.redis, "cpp", { sharded }),
      startCppNode(scope, ctx.redis, "cpp2", { threads: 2, sharded }),
    ]);
    await waitForShardedNodes(ctx.redis, 3);
    ctx.settle = async (rooms) => {
      for (const { room, nodes, socketId = false } of rooms) {
        await untilSubscribers(ctx.redis, `socket.io#/#${room}#`, socketId ? 0 : nodes);
      }
    };
  });
  after(async () => {
    for (const fn of ctx.cleanups.reverse()) await fn();
  });

  operationTests(ctx, { protocol: "sharded", ordered: false });
});

// Polls SHARDNUMSUB: Redis has no event for a subscription.
async function untilSubscribers(cluster, channel, n) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const count = await cluster.shardNumSub(channel);
    if (count === n) return;
    if (Date.now() > deadline) throw new Error(`${count} subscribers of ${channel}, not ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// node-redis 4.7's cluster client (the Node peer's) neither moves its sharded subscriptions
// nor its SPUBLISHes to the replica that took over (node-redis#2902, fixed in 5.x): after
// the failover the Node node serves its own clients only. The sockio nodes resume.
describe("sharded adapter: a master killed mid-run", () => {
  const ctx = {};
  before(async () => {
    const scope = { after: (fn) => ctx.cleanups.push(fn) };
    ctx.cleanups = [];
    ctx.redis = await startRedisCluster(scope, { masters: 3, replicas: 1 });
    [ctx.js, ctx.cpp, ctx.cpp2] = await Promise.all([
      startNodeNode(scope, ctx.redis, "js", { sharded: { mode: "dynamic" } }),
      startCppNode(scope, ctx.redis, "cpp", { sharded: { mode: "dynamic" } }),
      startCppNode(scope, ctx.redis, "cpp2", { threads: 2, sharded: { mode: "dynamic" } }),
    ]);
    await waitForShardedNodes(ctx.redis, 3);
  });
  after(async () => {
    for (const fn of ctx.cleanups.reverse()) await fn();
  });

  test("broadcasts between sockio nodes resume once its replica has taken over; no node stops", async (t) => {
    const clients = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp), connect(t, ctx.cpp2)]);
    const got = clients.map((s) => collect(s, "tick"));
    const drivers = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp), connect(t, ctx.cpp2)]);
    // Every way before the fault.
    for (const [i, d] of drivers.entries()) await op(d, { op: "broadcast", rooms: [], event: "tick", args: [`before-${i}`] });
    await until(clients, () => got.every((g) => g.length === 3), "the broadcasts before the fault");

    // The master serving the main channel's slot.
    const owner = await masterOf(ctx.redis, "socket.io#/#");
    await owner.kill();
    // Every few hundred milliseconds a broadcast from each sockio node, until both arrive on both.
    const sockio = [1, 2];
    const deadline = Date.now() + 30000;
    for (let round = 1; ; ++round) {
      const marks = sockio.map((i) => `after-${i}-${round}`);
      for (const [k, i] of sockio.entries()) {
        await op(drivers[i], { op: "broadcast", rooms: [], event: "tick", args: [marks[k]] });
      }
      const arrived = () => sockio.every((i) => marks.every((m) => got[i].some((e) => e[0] === m)));
      try {
        await until(clients, arrived, "broadcasts after the failover", 500);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`no broadcast crossed after the failover: ${JSON.stringify(got)}`);
      }
    }
    // Nothing arrived twice; the Node node still serves its own clients.
    for (const g of got) assert.equal(new Set(g.map((e) => e[0])).size, g.length, JSON.stringify(g));
    await op(drivers[0], { op: "broadcast", rooms: [], event: "tick", args: ["js-local"], local: true });
    await until(clients, () => got[0].some((e) => e[0] === "js-local"), "the Node node's own broadcast");
    assert.ok((await op(drivers[1], { op: "serverCount" })) >= 2);
  });
});

// The node of `cluster` that is master of `key`'s slot (CLUSTER SHARDS / KEYSLOT).
async function masterOf(cluster, key) {
  const { createClient } = await import("redis");
  const client = createClient({ url: cluster.url });
  client.on("error", () => {});
  await client.connect();
  try {
    const slot = Number(await client.sendCommand(["CLUSTER", "KEYSLOT", key]));
    const slots = await client.sendCommand(["CLUSTER", "SLOTS"]);
    const range = slots.find(([first, last]) => slot >= first && slot <= last);
    return cluster.nodes.find((n) => n.port === Number(range[2][1]));
  } finally {
    await client.disconnect();
  }
}
