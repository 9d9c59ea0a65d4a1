// Interop tests: the official socket.io-client (pinned in package.json) against
// sockio's socketio_fixture (a Socket.IO v5 server).
//
//   SOCKIO_SOCKETIO_FIXTURE=build/debug/examples/socketio_fixture \
//     node --test tests/interop/socketio_client.test.mjs
//
// The fixture runs with pingInterval 300 ms, pingTimeout 200 ms,
// maxHttpBufferSize 1,000,000 and connectTimeout 1000 ms. In namespaces "/"
// and "/custom" it emits "auth" on connection, echoes "message" as
// "message-back", acknowledges "message-with-ack" with its arguments, and
// implements "join" (room) and "broadcast" (room, event, ...args).
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, fixturePathFromEnv, nextEvent, spawnFixture, withTimeout } from "./helpers.mjs";

const FIXTURE = fixturePathFromEnv("SOCKIO_SOCKETIO_FIXTURE", "socketio_fixture");

// How long a client may take to reconnect by itself (delays are 100-200 ms).
const RECONNECT_TIMEOUT_MS = 5000;
// Bounded window in which an event that must NOT arrive is watched for.
const NEGATIVE_WINDOW_MS = 300;
// Time for a just-issued long-polling GET to reach the server (see its use).
const POLL_SETTLE_MS = 50;
// Per-test cap, so that a missed bounded wait still cannot block the run.
const TEST_OPTIONS = { timeout: 15000 };

// Records every application event a socket receives, from the moment it is
// created, so events sent right on connection (such as "auth") cannot be
// missed by a listener attached too late.
class Recorder {
  constructor(socket) {
    this.events = [];
    this.waiters = [];
    socket.onAny((event, ...args) => {
      this.events.push({ event, args });
      this.waiters = this.waiters.filter((w) => !w.check());
    });
  }

  all(event) {
    return this.events.filter((e) => e.event === event).map((e) => e.args);
  }

  // Resolves with the arguments of the `count`-th `event` received so far or
  // in the future (counting from the creation of the socket).
  waitFor(event, { count = 1, ms = EVENT_TIMEOUT_MS } = {}) {
    let waiter;
    const waiting = new Promise((resolve) => {
      waiter = {
        check: () => {
          const seen = this.all(event);
          if (seen.length < count) return false;
          resolve(seen[count - 1]);
          return true;
        },
      };
      if (!waiter.check()) this.waiters.push(waiter);
    });
    return withTimeout(waiting, ms, `"${event}" event #${count}`).finally(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    });
  }
}

// Starts a fixture (on a free port unless `port` is given); resolves once it
// announces its port. Teardown is registered on `t` and kills this process only.
async function startFixture(t, { port = 0, recovery = false, threads } = {}) {
  const args = ["--port", String(port), "--host", "127.0.0.1"];
  if (recovery) args.push("--recovery");
  if (threads !== undefined) args.push("--threads", String(threads));
  const fixture = spawnFixture(FIXTURE, args);
  t.after(() => fixture.stop());
  await fixture.listening();
  return fixture;
}

// Creates a client (a new Manager, no reconnection unless overridden) whose
// close is registered on `t`, together with a recorder of its events.
function client(t, url, opts = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  t.after(() => socket.close());
  return { socket, rec: new Recorder(socket) };
}

// Waits for the socket's (first or next) "connect"; a connect_error fails at once.
async function connected(socket, ms = EVENT_TIMEOUT_MS) {
  if (socket.connected) return;
  await nextEvent(socket, "connect", { ms, rejectOn: ["connect_error"] });
}

// Emits with an acknowledgement, bounded; resolves with all ack arguments.
function emitAck(socket, event, ...args) {
  const acked = new Promise((resolve) => socket.emit(event, ...args, (...reply) => resolve(reply)));
  return withTimeout(acked, EVENT_TIMEOUT_MS, `ack of "${event}"`);
}

// Mixed arguments: number, string (non-ASCII), object (with nested binary), Buffer.
function mixedArgs() {
  return [
    42,
    "h\u00e9llo \u4e2d",
    { a: [1, 2.5, { b: null, t: true }], s: "x", bin: Buffer.from([9, 8, 7]) },
    Buffer.from([0, 1, 2, 127, 128, 255]),
  ];
}

// The checks shared by the single-transport tests.
async function basicChecks(t, transport) {
  const fixture = await startFixture(t);
  const auth = { token: "s3cr\u00e9t", n: 7, nested: { list: [1, "two"] } };
  const { socket, rec } = client(t, fixture.url, { transports: [transport], auth });
  await connected(socket);
  assert.equal(socket.io.engine.transport.name, transport);
  assert.ok(socket.id, "no socket id after connect");

  assert.deepEqual(await rec.waitFor("auth"), [auth]);

  const args = mixedArgs();
  socket.emit("message", ...args);
  assert.deepEqual(await rec.waitFor("message-back"), args);

  // emitWithAck resolves with the first ack argument.
  const first = await socket.timeout(EVENT_TIMEOUT_MS).emitWithAck("message-with-ack", ...args);
  assert.equal(first, 42);
  // And the full ack carries every argument, binary included.
  assert.deepEqual(await emitAck(socket, "message-with-ack", ...args), args);

  assert.equal(socket.io.engine.transport.name, transport, "transport changed during the test");
}

describe("socket.io-client against socketio_fixture", () => {
  it("polling only: auth, message round trip, ack", TEST_OPTIONS, async (t) => {
    await basicChecks(t, "polling");
  });

  it("websocket only: auth, message round trip, ack", TEST_OPTIONS, async (t) => {
    await basicChecks(t, "websocket");
  });

  it("upgrades from polling to websocket, then round-trips an event", TEST_OPTIONS, async (t) => {
    const fixture = await startFixture(t);
    const { socket, rec } = client(t, fixture.url);
    // io() opens the Manager (and creates its engine) synchronously, so the
    // "upgrade" wait is armed before any network I/O.
    const engine = socket.io.engine;
    assert.ok(engine, "engine not created synchronously");
    let openTransport;
    engine.once("open", () => (openTransport = engine.transport.name));
    const upgraded = nextEvent(engine, "upgrade", { rejectOn: ["close"] });
    await connected(socket);
    const [transport] = await upgraded;
    assert.equal(openTransport, "polling");
    assert.equal(transport.name, "websocket");
    assert.equal(socket.io.engine.transport.name, "websocket");

    const args = mixedArgs();
    socket.emit("message", ...args);
    assert.deepEqual(await rec.waitFor("message-back"), args);
    assert.deepEqual(await emitAck(socket, "message-with-ack", "after", "upgrade"), ["after", "upgrade"]);
  });

  it("multiplexes namespaces on one Manager; unknown namespace is refused", TEST_OPTIONS, async (t) => {
    const fixture = await startFixture(t);
    const { socket: root, rec: rootRec } = client(t, fixture.url, { auth: { ns: "root" } });
    const manager = root.io;
    let opens = 0;
    manager.on("open", () => ++opens);
    const custom = manager.socket("/custom", { auth: { ns: "custom" } });
    t.after(() => custom.close());
    const customRec = new Recorder(custom);
    const nope = manager.socket("/nope");
    t.after(() => nope.close());

    const refused = nextEvent(nope, "connect_error", { rejectOn: ["connect"] });
    await Promise.all([connected(root), connected(custom)]);
    assert.equal(root.io, custom.io, "sockets do not share the Manager");
    assert.equal(root.io.engine, custom.io.engine);
    assert.ok(manager.engine.id, "no engine id");
    assert.equal(opens, 1, "more than one engine.io connection was opened");
    assert.notEqual(root.id, custom.id, "two namespaces got the same socket id");

    assert.deepEqual(await rootRec.waitFor("auth"), [{ ns: "root" }]);
    assert.deepEqual(await customRec.waitFor("auth"), [{ ns: "custom" }]);

    const [err] = await refused;
    assert.ok(err instanceof Error);
    assert.equal(err.message, "Invalid namespace");
    assert.equal(nope.connected, false);

    // The refusal must not have disturbed the other namespaces, and events do
    // not leak between namespaces: "/custom" is answered first, so a leak
    // into "/" would show up before the "/" reply.
    assert.ok(root.connected && custom.connected);
    custom.emit("message", "to-custom");
    assert.deepEqual(await customRec.waitFor("message-back"), ["to-custom"]);
    root.emit("message", "to-root");
    assert.deepEqual(await rootRec.waitFor("message-back"), ["to-root"]);
    assert.deepEqual(rootRec.all("message-back"), [["to-root"]]);
    assert.deepEqual(customRec.all("message-back"), [["to-custom"]]);
    assert.equal(manager.engine.id, root.io.engine.id);
    assert.equal(opens, 1);
  });

  for (const threads of [undefined, 4]) {
    const label = threads === undefined ? "" : ` (--threads ${threads})`;
    it(`broadcasts to room members only${label}`, TEST_OPTIONS, async (t) => {
      const fixture = await startFixture(t, { threads });
      const a = client(t, fixture.url, { transports: ["websocket"] });
      const b = client(t, fixture.url);
      const c = client(t, fixture.url, { transports: ["polling"] });
      await Promise.all([connected(a.socket), connected(b.socket), connected(c.socket)]);

      for (const { socket } of [a, b]) {
        const [rooms] = await emitAck(socket, "join", "r1");
        assert.ok(Array.isArray(rooms), `join ack is not an array: ${JSON.stringify(rooms)}`);
        assert.deepEqual([...rooms].sort(), [socket.id, "r1"].sort());
      }

      assert.deepEqual(await emitAck(a.socket, "broadcast", "r1", "news", "hello"), [true]);
      assert.deepEqual(await a.rec.waitFor("news"), ["hello"]);
      assert.deepEqual(await b.rec.waitFor("news"), ["hello"]);

      // Negative check: bounded window after the positives arrived.
      await new Promise((resolve) => setTimeout(resolve, NEGATIVE_WINDOW_MS));
      assert.deepEqual(c.rec.all("news"), [], "non-member received the room broadcast");
      assert.equal(a.rec.all("news").length, 1, "member received the broadcast twice");
      assert.equal(b.rec.all("news").length, 1, "member received the broadcast twice");
    });
  }

  it.skip("server-to-client acks (not triggerable with this fixture)", () => {});

  it("round-trips a 999,000-byte binary over websocket", TEST_OPTIONS, async (t) => {
    const fixture = await startFixture(t);
    const { socket, rec } = client(t, fixture.url, { transports: ["websocket"] });
    await connected(socket);
    assert.equal(socket.io.engine.transport.name, "websocket");
    const sent = randomBytes(999_000);
    socket.emit("message", sent);
    const back = await rec.waitFor("message-back", { ms: 10000 });
    assert.equal(back.length, 1);
    const [received] = back;
    assert.ok(Buffer.isBuffer(received), `expected a Buffer, got ${Object.prototype.toString.call(received)}`);
    assert.equal(received.length, sent.length, "binary length differs");
    // Buffer#equals instead of deepEqual: a 1 MB diff would drown the report.
    assert.ok(received.equals(sent), "binary content differs");
    assert.ok(socket.connected);
  });

  it("reconnects by itself after a server restart on the same port", TEST_OPTIONS, async (t) => {
    const first = await startFixture(t);
    const { socket, rec } = client(t, first.url, {
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
    });
    // Default transports: let the upgrade finish first, so that the shutdown
    // reaches the client as a websocket close rather than racing a poll.
    const upgraded = nextEvent(socket.io.engine, "upgrade", { rejectOn: ["close"] });
    await connected(socket);
    await upgraded;
    assert.equal(socket.io.engine.transport.name, "websocket");
    const firstId = socket.id;
    assert.equal((await rec.waitFor("auth")).length, 1);

    const disconnected = nextEvent(socket, "disconnect");
    first.terminate();
    const [reason] = await disconnected;
    assert.equal(reason, "transport close");
    await withTimeout(first.exited, 3000, "first fixture to exit");

    // Failed attempts emit connect_error while the port is closed: not fatal here.
    const reconnected = nextEvent(socket, "connect", { ms: RECONNECT_TIMEOUT_MS });
    const second = await startFixture(t, { port: first.port });
    assert.equal(second.port, first.port);
    await reconnected;
    assert.ok(socket.connected);
    assert.ok(socket.id, "no id after reconnect");
    assert.notEqual(socket.id, firstId, "same socket id on a brand new server");
    assert.equal((await rec.waitFor("auth", { count: 2 })).length, 1);

    socket.emit("message", "again", 2);
    assert.deepEqual(await rec.waitFor("message-back"), ["again", 2]);
  });

  // Drops A's transport while it is in room "r", has B broadcast to "r" while
  // A is away, then lets A reconnect by itself.
  async function dropAndBroadcast(t, { recovery, transport }) {
    const fixture = await startFixture(t, { recovery });
    const a = client(t, fixture.url, {
      transports: [transport],
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
      // A fixed delay: B's broadcast (a local round trip) lands well before it.
      randomizationFactor: 0,
    });
    const b = client(t, fixture.url, { transports: ["websocket"] });
    await Promise.all([connected(a.socket), connected(b.socket)]);
    assert.equal(a.socket.io.engine.transport.name, transport);
    assert.ok(!a.socket.recovered, "recovered on the first connection");
    const idBefore = a.socket.id;

    // With recovery every emitted event carries the offset as an extra last argument.
    const [rooms] = await emitAck(a.socket, "join", "r");
    assert.ok(Array.isArray(rooms) && rooms.includes("r") && rooms.includes(idBefore),
      `join ack: ${JSON.stringify(rooms)}`);
    assert.deepEqual(await emitAck(a.socket, "broadcast", "r", "warmup", 1), [true]);
    const warmup = await a.rec.waitFor("warmup");
    assert.equal(warmup[0], 1);
    if (recovery) {
      assert.equal(warmup.length, 2, `warmup args: ${JSON.stringify(warmup)}`);
      assert.equal(typeof warmup[1], "string", "no offset appended to the event");
    } else {
      assert.deepEqual(warmup, [1]);
    }

    const order = [];
    const disconnected = nextEvent(a.socket, "disconnect");
    const reconnected = nextEvent(a.socket, "connect", { ms: RECONNECT_TIMEOUT_MS });
    a.socket.io.engine.close();
    const [reason] = await disconnected;
    order.push("a-disconnect");
    assert.equal(reason, "forced close");
    assert.equal(a.socket.connected, false);

    const missedAck = emitAck(b.socket, "broadcast", "r", "missed", "payload").then((ack) => {
      order.push("b-ack");
      return ack;
    });
    assert.deepEqual(await missedAck, [true]);
    await reconnected;
    order.push("a-connect");
    assert.deepEqual(order, ["a-disconnect", "b-ack", "a-connect"], "B's broadcast did not happen while A was away");
    return { fixture, a, b, idBefore };
  }

  for (const transport of ["websocket", "polling"]) {
    it(`recovers the connection state after a dropped ${transport} transport`, TEST_OPTIONS, async (t) => {
      const { a, idBefore } = await dropAndBroadcast(t, { recovery: true, transport });
      assert.equal(a.socket.recovered, true, "connection state was not recovered");
      assert.equal(a.socket.id, idBefore, "socket id changed across recovery");
      const missed = await a.rec.waitFor("missed");
      assert.equal(missed[0], "payload");
      assert.equal(a.rec.all("missed").length, 1, "missed event delivered more than once");
      // Still in the room after recovery: a new broadcast reaches A live.
      assert.deepEqual(await emitAck(a.socket, "broadcast", "r", "after", "x"), [true]);
      assert.equal((await a.rec.waitFor("after"))[0], "x");
      assert.equal(a.socket.io.engine.transport.name, transport);
    });
  }

  it("does not recover without --recovery (control)", TEST_OPTIONS, async (t) => {
    const { a, idBefore } = await dropAndBroadcast(t, { recovery: false, transport: "websocket" });
    // socket.io-client sets `recovered` to a falsy value (undefined when the
    // server sends no pid) when the state was not recovered.
    assert.notEqual(a.socket.recovered, true);
    assert.notEqual(a.socket.id, idBefore, "same socket id without recovery");
    // A fresh session gets the connection-time "auth" again.
    assert.equal((await a.rec.waitFor("auth", { count: 2 })).length, 1);
  });

  for (const transport of ["websocket", "polling"]) {
    it(`server shutdown disconnects a ${transport} client with "transport close"`, TEST_OPTIONS, async (t) => {
      const fixture = await startFixture(t);
      const { socket } = client(t, fixture.url, { transports: [transport] });
      await connected(socket);
      assert.equal(socket.io.engine.transport.name, transport);
      if (transport === "polling") {
        // A server can only tell a polling client it is closing through an
        // outstanding GET; without one the client just sees its next request
        // fail ("transport error", the reference server behaves the same).
        // The ack arrives on a GET, after which the client re-polls at once
        // ("poll"); the short settle lets that GET reach the server, which no
        // client-side event can signal. It stays far from the 300 ms ping.
        const polled = nextEvent(socket.io.engine.transport, "poll");
        assert.deepEqual(await emitAck(socket, "message-with-ack", "sync"), ["sync"]);
        await polled;
        await new Promise((resolve) => setTimeout(resolve, POLL_SETTLE_MS));
      }
      const disconnected = nextEvent(socket, "disconnect");
      fixture.terminate();
      const [reason] = await disconnected;
      t.diagnostic(`disconnect reason: ${reason}`);
      assert.equal(reason, "transport close");
      assert.equal(socket.connected, false);
      const { code, signal } = await withTimeout(fixture.exited, 3000, "fixture to exit");
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, fixture.stderr());
    });
  }
});
