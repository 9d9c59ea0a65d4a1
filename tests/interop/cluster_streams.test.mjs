// Mixed clusters on the Streams adapter (@socket.io/redis-streams-adapter 0.3.x): a Node
// socket.io 4.8 node and two sockio nodes (one with two threads) on one redis-server.
// Every cluster operation is started on each node and observed on the others; then
// connection state recovery across nodes, and bad entries on the stream.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connect, op, redisClient, startCppNode, startNodeNode, startRedis, waitForNodes,
} from "./cluster_helpers.mjs";
import { operationTests, untilTrue } from "./cluster_suite.mjs";

// Until `n` connections block in XREAD: each node reads the stream from "$" (what is
// appended from then on), so a test starts only once every reader is waiting.
export async function waitForReaders(control, n) {
  await untilTrue(async () => {
    const clients = await control.sendCommand(["CLIENT", "LIST"]);
    return clients.split("\n").filter((l) => / cmd=xread\b/.test(l)).length === n;
  }, `${n} stream readers`, 10000);
}

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
