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
      // A volatile packet is dropped while the transport is writing: send it once idle.
      await until(all, () => got[index].length === 1, "the local broadcast");
      await op(driver, { op: "broadcast", rooms: [], event: "flagged", args: ["volatile"], volatile: true });
      await until(all, () => got.every((g) => g.length >= 1) && got[index].length === 2, "the flagged broadcasts");
      got.forEach((g, i) => assert.deepEqual(g, i === index ? [["local"], ["volatile"]] : [["volatile"]]));
    });

    test(`operations started on ${from} reach the other nodes in call order`, async (t) => {
      const { all } = await clients(t);
      const room = `seq-${from}`;
      await Promise.all(all.map((s) => join(s, room)));
      const got = all.map((s) => collect(s, "seq"));
      const driver = await connect(t, ctx[from]);
      await op(driver, { op: "sequence", room, event: "seq" });
      await until(all, () => got.every((g) => g.length >= 1), "the first emit");
      // A marker after the sequence: once it is in, a second emit would have been too.
      const marker = all.map((s) => collect(s, "marker"));
      await op(driver, { op: "broadcast", rooms: [], event: "marker", args: [] });
      await until(all, () => marker.every((m) => m.length === 1), "the marker");
      // Node applies its own socketsLeave only when its request comes back from Redis, so
      // its own member still gets the second emit; every other node applies them in order.
      got.forEach((g, i) => assert.deepEqual(g, from === "js" && i === 0 ? [[1], [2]] : [[1]], `client ${i}`));
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
        const joined = await until_rooms(driver, target.id, (rooms) => rooms.includes(room));
        assert.ok(joined.includes(room));
        await op(driver, { op: "remote", id: target.id, action: "leave", room });
        const left = await until_rooms(driver, target.id, (rooms) => !rooms.includes(room));
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
      let found = await until_count(driver, target, 3);
      assert.deepEqual(found.sort(), all.map((s) => s.id).sort());
      await op(driver, { op: "socketsLeave", rooms: [room], except: [], room: target });
      found = await until_count(driver, target, 0);
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
        await until_true(async () => (await op(peer, { op: "received" })).some((e) => e[1] === marker), `note on ${name}`);
        const notes = (await op(peer, { op: "received" })).filter((e) => e[1] === marker);
        assert.deepEqual(notes, [["note", marker, { n: 1 }]]);
      }
      const own = (await op(driver, { op: "received" })).filter((e) => e[1] === marker);
      assert.deepEqual(own, [], "a node does not receive its own serverSideEmit");
    });

    test(`allRooms and serverCount started on ${from} count every node`, async (t) => {
      const { a, b, c } = await clients(t);
      await Promise.all([join(a, `all-${from}-a`), join(b, `all-${from}-b`), join(c, `all-${from}-c`)]);
      const driver = await connect(t, ctx[from]);
      const { error, rooms } = await op(driver, { op: "allRooms" });
      assert.equal(error, null);
      for (const r of [`all-${from}-a`, `all-${from}-b`, `all-${from}-c`, a.id, b.id, c.id]) assert.ok(rooms.includes(r), r);
      assert.equal(await op(driver, { op: "serverCount" }), 3);
    });
  }

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
      // A volatile packet is dropped while the transport is writing: send it once idle.
      await until(all, () => got[0].length === 1 && got[1].length === 1, "the room emit");
      await e.emit({ volatile: true }, "from-emitter", "volatile");
      await until(all, () => got[0].length === 2 && got[1].length === 2 && got[2].length === 1, "the emits").catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(got)}`);
      });
      assert.deepEqual(got[0], [["hello", { n: 1 }], ["volatile"]]);
      assert.deepEqual(got[1], [["hello", { n: 1 }], ["volatile"]]);
      assert.deepEqual(got[2], [["volatile"]]);

      const driver = await connect(t, ctx.cpp);
      const target = `emitter-joined-${kind}`;
      await e.join({ to: [room] }, target);
      assert.deepEqual((await until_count(driver, target, 3)).sort(), all.map((s) => s.id).sort());
      await e.leave({ to: [room] }, target);
      assert.deepEqual(await until_count(driver, target, 0), []);

      const marker = `emitter-note-${kind}-${Date.now()}`;
      await e.serverSide("note", marker);
      for (const name of ["js", "cpp", "cpp2"]) {
        const peer = await connect(t, ctx[name]);
        await until_true(async () => (await op(peer, { op: "received" })).some((n) => n[1] === marker), `note on ${name}`);
      }

      const gone = all.map((s) => new Promise((resolve) => s.once("disconnect", resolve)));
      await e.disconnect({ to: [room] }, true);
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect", "io server disconnect"]);
    });
  }

  // Polls fetchSockets until `predicate(rooms of id)` holds: room changes on another node
  // are applied when its request arrives, with no event to wait for.
  async function until_rooms(driver, id, predicate) {
    let rooms = [];
    await until_true(async () => {
      const { sockets } = await op(driver, { op: "fetchSockets", rooms: [id] });
      rooms = sockets[0]?.rooms ?? [];
      return predicate(rooms);
    }, `rooms of ${id}`);
    return rooms;
  }

  async function until_count(driver, room, n) {
    let ids = [];
    await until_true(async () => {
      const { sockets } = await op(driver, { op: "fetchSockets", rooms: [room] });
      ids = sockets.map((s) => s.id);
      return ids.length === n;
    }, `${n} sockets in ${room}`);
    return ids;
  }

  async function until_true(check, what, ms = 5000) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
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
