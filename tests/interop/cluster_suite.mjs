// The cluster operations of socket.io, each started on every node of a mixed cluster
// (ctx.js: Node; ctx.cpp, ctx.cpp2: sockio, cpp2 with two threads) and observed on the
// others. Shared by the classic adapter's suite and the sharded adapter's, one per
// subscription mode.
import assert from "node:assert/strict";
import { test } from "node:test";
import { collect, connect, join, op, repeatVolatile, until } from "./cluster_helpers.mjs";

// protocol "classic": @socket.io/redis-adapter's createAdapter; "sharded": its
// createShardedAdapter (socket.io's ClusterAdapter: no allRooms request, and Node applies
// its own room changes at once).
//
// ordered: every operation travels on one channel (not the sharded dynamic modes); a
// function of the starting node's name where that depends on the node.
// ctx.settle([{room, nodes, socketId}]), when set, resolves once the nodes holding members
// of each room listen where a broadcast to it is published (the sharded adapter's room
// channels are subscribed to after the join, as in Node).
export function operationTests(ctx, { protocol, ordered = true }) {
  const settle = (rooms) => ctx.settle?.(rooms);
  // One client per node.
  async function clients(t) {
    const [a, b, c] = await Promise.all([connect(t, ctx.js), connect(t, ctx.cpp), connect(t, ctx.cpp2)]);
    await settle([a, b, c].map((s) => ({ room: s.id, nodes: 1, socketId: true })));
    return { a, b, c, all: [a, b, c] };
  }

  for (const from of ["js", "cpp", "cpp2"]) {
    test(`broadcast started on ${from} reaches every node once (rooms, except)`, async (t) => {
      const { a, b, c, all } = await clients(t);
      const room = `room-${from}`;
      await Promise.all([join(a, room), join(b, room)]);
      await settle([{ room, nodes: 2 }]);
      const got = all.map((s) => collect(s, "news"));
      const driver = await connect(t, ctx[from]);
      await op(driver, { op: "broadcast", rooms: [room], event: "news", args: ["to-room", 1] });
      await op(driver, { op: "broadcast", rooms: [], except: [room], event: "news", args: ["to-others"] });
      await until(all, () => got[0].length === 1 && got[1].length === 1 && got[2].length === 1, "the broadcasts");
      assert.deepEqual(got[0], [["to-room", 1]]);
      assert.deepEqual(got[1], [["to-room", 1]]);
      assert.deepEqual(got[2], [["to-others"]]);
    });

    test(`a broadcast to one socket's id started on ${from} reaches that socket only, on any node`, async (t) => {
      const { all } = await clients(t);
      const got = all.map((s) => collect(s, "private"));
      const driver = await connect(t, ctx[from]);
      for (const [i, target] of all.entries()) {
        await op(driver, { op: "broadcast", rooms: [target.id], event: "private", args: [i] });
        await until(all, () => got[i].length === 1, `the emit to socket ${i}`);
      }
      got.forEach((g, i) => assert.deepEqual(g, [[i]], `client ${i}`));
    });

    test(`binary and Date arguments broadcast from ${from} arrive as the Node client expects`, async (t) => {
      const { all } = await clients(t);
      const got = all.map((s) => collect(s, "bin"));
      const driver = await connect(t, ctx[from]);
      await op(driver, { op: "binary", rooms: [], event: "bin" });
      await until(all, () => got.every((g) => g.length >= 1), "the binary broadcast");
      for (const g of got) {
        assert.equal(g.length, 1);
        const [bytes, date, nested] = g[0];
        assert.ok(Buffer.isBuffer(bytes), "binary stays binary");
        assert.deepEqual([...bytes], [1, 2, 3]);
        assert.equal(date, "2023-11-14T22:13:20.123Z");
        assert.deepEqual([...nested.nested], [4]);
      }
    });

    test(`volatile and local broadcasts from ${from}`, async (t) => {
      const { all } = await clients(t);
      const got = all.map((s) => collect(s, "flagged"));
      const driver = await connect(t, ctx[from]);
      const index = ["js", "cpp", "cpp2"].indexOf(from);
      await op(driver, { op: "broadcast", rooms: [], event: "flagged", args: ["local"], local: true });
      await until(all, () => got[index].length === 1, "the local broadcast");
      await repeatVolatile(all, () => got.every((g) => g.some(([arg]) => arg === "volatile")),
        () => op(driver, { op: "broadcast", rooms: [], event: "flagged", args: ["volatile"], volatile: true }));
      got.forEach((g, i) => {
        assert.deepEqual(g[0], i === index ? ["local"] : ["volatile"], `client ${i} first`);
        assert.ok(g.slice(1).every(([arg]) => arg === "volatile"), `client ${i}: the local broadcast stayed on its node`);
      });
    });

    // In the sharded adapter's dynamic modes a room's broadcast and a room change go to
    // different channels (often on different masters): Redis keeps no order between
    // them, for Node's nodes as for sockio's.
    if (typeof ordered === "function" ? ordered(from) : ordered) test(`operations started on ${from} reach the other nodes in call order`, async (t) => {
      const { all } = await clients(t);
      const room = `seq-${from}`;
      await Promise.all(all.map((s) => join(s, room)));
      await settle([{ room, nodes: 3 }]);
      const got = all.map((s) => collect(s, "seq"));
      const driver = await connect(t, ctx[from]);
      await op(driver, { op: "sequence", room, event: "seq" });
      await until(all, () => got.every((g) => g.length >= 1), "the first emit");
      // A marker after the sequence: once it is in, a second emit would have been too.
      const marker = all.map((s) => collect(s, "marker"));
      await op(driver, { op: "broadcast", rooms: [], event: "marker", args: [] });
      await until(all, () => marker.every((m) => m.length === 1), "the marker");
      // Node's classic adapter applies its own socketsLeave only when its request comes back
      // from Redis, so its own member still gets the second emit; every other node (and
      // every node of the sharded protocol) applies them in order.
      const late = protocol === "classic" && from === "js";
      got.forEach((g, i) => assert.deepEqual(g, late && i === 0 ? [[1], [2]] : [[1]], `client ${i}`));
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

    test(`fetchSockets started on ${from} survives header bytes that are not UTF-8`, async (t) => {
      // Node sends header values as Latin-1: "\u00ff" is the single byte 0xFF.
      const odd = await Promise.all(["js", "cpp", "cpp2"].map((n) => connect(t, ctx[n], { extraHeaders: { "x-odd": "\u00ff" } })));
      const room = `odd-${from}`;
      await Promise.all(odd.map((s) => join(s, room)));
      const driver = await connect(t, ctx[from]);
      const { error, sockets } = await op(driver, { op: "fetchSockets", rooms: [room] });
      assert.equal(error, null);
      assert.deepEqual(sockets.map((s) => s.id).sort(), odd.map((s) => s.id).sort());
    });

    test(`broadcast with acks started on ${from} collects the clients of every node`, async (t) => {
      const { a, b, c, all } = await clients(t);
      const room = `acks-${from}`;
      await Promise.all(all.map((s) => join(s, room)));
      for (const s of all) collect(s, "question");
      const driver = await connect(t, ctx[from]);
      const { error, responses } = await op(driver, { op: "broadcastWithAck", rooms: [room], event: "question",
        args: [42], timeout: 3000 });
      assert.equal(error, null);
      assert.deepEqual(responses.sort(), all.map((s) => `ack-${s.id}`).sort());
    });

    test(`operations on remote sockets started on ${from}: emit, join, leave, disconnect`, async (t) => {
      const { all } = await clients(t);
      const driver = await connect(t, ctx[from]);
      for (const target of all) {
        const got = collect(target, "direct");
        assert.equal(await op(driver, { op: "remote", id: target.id, action: "emit", event: "direct", args: ["hi"] }), 1);
        await until([target], () => got.length === 1, "the direct emit");
        assert.deepEqual(got, [["hi"]]);
        const room = `remote-${from}-${target.id}`;
        await op(driver, { op: "remote", id: target.id, action: "join", room });
        const joined = await untilRooms(driver, target.id, (rooms) => rooms.includes(room));
        assert.ok(joined.includes(room));
        await op(driver, { op: "remote", id: target.id, action: "leave", room });
        const left = await untilRooms(driver, target.id, (rooms) => !rooms.includes(room));
        assert.ok(!left.includes(room));
      }
      const gone = all.map((s) => new Promise((resolve) => s.once("disconnect", resolve)));
      for (const target of all) await op(driver, { op: "remote", id: target.id, action: "disconnect" });
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect", "io server disconnect"]);
    });

    test(`socketsJoin, socketsLeave and disconnectSockets started on ${from} reach every node`, async (t) => {
      const { a, b, c, all } = await clients(t);
      const room = `helpers-${from}`;
      const target = `joined-${from}`;
      await Promise.all([join(a, room), join(b, room), join(c, room)]);
      const driver = await connect(t, ctx[from]);
      await op(driver, { op: "socketsJoin", rooms: [room], room: target });
      let found = await untilCount(driver, target, 3);
      assert.deepEqual(found.sort(), all.map((s) => s.id).sort());
      await op(driver, { op: "socketsLeave", rooms: [room], except: [], room: target });
      found = await untilCount(driver, target, 0);
      assert.deepEqual(found, []);
      const gone = all.map((s) => new Promise((resolve) => s.once("disconnect", resolve)));
      await op(driver, { op: "disconnectSockets", rooms: [room], close: true });
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect", "io server disconnect"]);
    });

    test(`serverSideEmit started on ${from} reaches the other nodes, with and without acks`, async (t) => {
      const driver = await connect(t, ctx[from]);
      const others = ["js", "cpp", "cpp2"].filter((n) => n !== from);
      const { error, responses } = await op(driver, { op: "serverSideEmit", event: "ping", args: [from], ack: true });
      assert.equal(error, null);
      assert.deepEqual(responses.sort(), others.map((n) => `pong-from-${n}`).sort());
      const marker = `note-${from}-${Date.now()}`;
      await op(driver, { op: "serverSideEmit", event: "note", args: [marker, { n: 1 }] });
      for (const name of others) {
        const peer = await connect(t, ctx[name]);
        await untilTrue(async () => (await op(peer, { op: "received" })).some((e) => e[1] === marker), `note on ${name}`);
        const notes = (await op(peer, { op: "received" })).filter((e) => e[1] === marker);
        assert.deepEqual(notes, [["note", marker, { n: 1 }]]);
      }
      const own = (await op(driver, { op: "received" })).filter((e) => e[1] === marker);
      assert.deepEqual(own, [], "a node does not receive its own serverSideEmit");
    });

    test(`serverCount started on ${from} counts every node${protocol === "classic" ? ", allRooms every room" : ""}`,
      async (t) => {
        const { a, b, c } = await clients(t);
        await Promise.all([join(a, `all-${from}-a`), join(b, `all-${from}-b`), join(c, `all-${from}-c`)]);
        const driver = await connect(t, ctx[from]);
        assert.equal(await op(driver, { op: "serverCount" }), 3);
        if (protocol !== "classic") return;  // the ClusterAdapter protocol has no allRooms request
        const { error, rooms } = await op(driver, { op: "allRooms" });
        assert.equal(error, null);
        for (const r of [`all-${from}-a`, `all-${from}-b`, `all-${from}-c`, a.id, b.id, c.id]) assert.ok(rooms.includes(r), r);
      });
  }
}

// Polls fetchSockets until `predicate(rooms of id)` holds: room changes on another node
// are applied when its request arrives, with no event to wait for.
export async function untilRooms(driver, id, predicate) {
  let rooms = [];
  await untilTrue(async () => {
    const { sockets } = await op(driver, { op: "fetchSockets", rooms: [id] });
    rooms = sockets[0]?.rooms ?? [];
    return predicate(rooms);
  }, `rooms of ${id}`);
  return rooms;
}

export async function untilCount(driver, room, n) {
  let ids = [];
  await untilTrue(async () => {
    const { sockets } = await op(driver, { op: "fetchSockets", rooms: [room] });
    ids = sockets.map((s) => s.id);
    return ids.length === n;
  }, `${n} sockets in ${room}`);
  return ids;
}

export async function untilTrue(check, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
