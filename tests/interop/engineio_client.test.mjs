// Interop tests: the official engine.io-client (pinned in package.json) against
// sockio's engineio_fixture (an Engine.IO v4 echo server).
//
//   SOCKIO_ENGINEIO_FIXTURE=build/debug/examples/engineio_fixture \
//     node --test tests/interop/engineio_client.test.mjs
//
// The fixture runs with pingInterval 300 ms, pingTimeout 200 ms and
// maxPayload 1,000,000, so heartbeat and size-limit behaviour are observable
// in a few seconds.
import { randomBytes } from "node:crypto";
import diagnostics_channel from "node:diagnostics_channel";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Socket } from "engine.io-client";
import {
  EVENT_TIMEOUT_MS,
  fixturePathFromEnv,
  nextEvent as nextEmitterEvent,
  startFixture,
  withTimeout,
} from "./helpers.mjs";

const FIXTURE = fixturePathFromEnv("SOCKIO_ENGINEIO_FIXTURE", "engineio_fixture");

// Per-test cap, so that a missed bounded wait still cannot block the run.
const TEST_OPTIONS = { timeout: 15000 };

// Resolves with the arguments of the next `event` on an engine.io-client
// socket. Unless we are waiting for "close" itself, an early close rejects
// at once instead of letting the wait run into its timeout.
function nextEvent(socket, event, ms = EVENT_TIMEOUT_MS) {
  return nextEmitterEvent(socket, event, { ms, rejectOn: event === "close" ? [] : ["close"] });
}

// Opens a client and registers its close with the test context so that a
// failing assertion never leaves a socket (and its timers) behind.
async function connect(t, fixture, opts = {}) {
  const socket = new Socket(fixture.url, opts);
  t.after(() => socket.close());
  let openTransport;
  socket.once("open", () => (openTransport = socket.transport.name));
  await nextEvent(socket, "open");
  return { socket, openTransport, sid: socket.id };
}

// Sends `data` and resolves with the first message that comes back.
async function echo(socket, data) {
  const reply = nextEvent(socket, "message");
  socket.send(data);
  const [received] = await reply;
  return received;
}

function assertSameBytes(received, sent) {
  assert.notEqual(typeof received, "string", "binary message came back as text");
  assert.ok(Buffer.isBuffer(received), `expected a Buffer, got ${Object.prototype.toString.call(received)}`);
  assert.equal(received.length, sent.length, "binary echo length differs");
  // Buffer#equals instead of deepEqual: a 1 MB diff would drown the report.
  assert.ok(received.equals(Buffer.from(sent)), "binary echo content differs");
}

function allByteValues() {
  return Uint8Array.from({ length: 256 }, (_, i) => i);
}

const POLLING_ONLY = { transports: ["polling"], upgrade: false };
const WEBSOCKET_ONLY = { transports: ["websocket"] };

describe("engine.io-client against engineio_fixture", () => {
  let fixture;
  before(async () => {
    fixture = await startFixture(FIXTURE);
  });
  after(async () => {
    await fixture?.stop();
  });

  it("opens over polling, upgrades to websocket and echoes text", TEST_OPTIONS, async (t) => {
    const socket = new Socket(fixture.url);
    t.after(() => socket.close());
    let openTransport;
    socket.once("open", () => (openTransport = socket.transport.name));
    // Both waits are armed before any network I/O, so neither event can be missed.
    const opened = nextEvent(socket, "open");
    const upgraded = nextEvent(socket, "upgrade");
    await opened;
    assert.equal(openTransport, "polling");

    const [transport] = await upgraded;
    assert.equal(transport.name, "websocket");
    assert.equal(socket.transport.name, "websocket");

    const text = "hello after upgrade \u00e9\u4e2d";
    const received = await echo(socket, text);
    assert.equal(typeof received, "string");
    assert.equal(received, text);
  });

  it("opens websocket-only and echoes text", TEST_OPTIONS, async (t) => {
    const { socket, openTransport } = await connect(t, fixture, WEBSOCKET_ONLY);
    assert.equal(openTransport, "websocket");
    const text = "hello over websocket";
    const received = await echo(socket, text);
    assert.equal(typeof received, "string");
    assert.equal(received, text);
  });

  for (const [name, opts] of [["polling", POLLING_ONLY], ["websocket", WEBSOCKET_ONLY]]) {
    it(`echoes all 256 byte values as binary over ${name}`, TEST_OPTIONS, async (t) => {
      const { socket, openTransport } = await connect(t, fixture, opts);
      assert.equal(openTransport, name);
      const sent = allByteValues();
      assertSameBytes(await echo(socket, sent), sent);
      assert.equal(socket.transport.name, name, "transport changed during the test");
    });
  }

  it("echoes a 1,000,000-byte binary message over websocket", TEST_OPTIONS, async (t) => {
    const { socket } = await connect(t, fixture, WEBSOCKET_ONLY);
    const sent = randomBytes(1_000_000);
    assertSameBytes(await echo(socket, sent), sent);
  });

  it("echoes a 999,999-character text message over websocket (1,000,000-byte packet)", TEST_OPTIONS, async (t) => {
    // ASCII only, so characters == bytes and the "4" prefix lands exactly on maxPayload.
    // Made before connecting: building it blocks this process for up to half a second on
    // a busy machine, longer than the fixture's pingInterval + pingTimeout.
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const sent = Array.from(randomBytes(999_999), (b) => alphabet[b % alphabet.length]).join("");
    const { socket } = await connect(t, fixture, WEBSOCKET_ONLY);
    assert.equal(Buffer.byteLength("4" + sent), 1_000_000);
    const received = await echo(socket, sent);
    assert.equal(typeof received, "string");
    assert.equal(received.length, sent.length, "text echo length differs");
    assert.ok(received === sent, "text echo content differs");
  });

  for (const [name, opts] of [["polling", POLLING_ONLY], ["websocket", WEBSOCKET_ONLY]]) {
    it(`client close over ${name} removes the server session`, TEST_OPTIONS, async (t) => {
      const { socket, sid } = await connect(t, fixture, opts);
      assert.ok(sid, "no sid after open");

      const closed = nextEvent(socket, "close");
      socket.close();
      const [reason] = await closed;
      assert.equal(reason, "forced close");

      // The server learns of the close asynchronously, so poll a bounded
      // number of times until the sid is reported unknown.
      const url = `${fixture.url}/engine.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
      let last;
      for (let attempt = 0; attempt < 40; ++attempt) {
        if (attempt > 0) await sleep(25);
        // Bounded: a still-live polling session would otherwise hold this GET open.
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        last = { status: res.status, body: await res.text() };
        if (last.status === 400 && last.body.includes("Session ID unknown")) break;
      }
      assert.equal(last.status, 400, `GET ${url} -> ${last.status} ${last.body}`);
      assert.deepEqual(JSON.parse(last.body), { code: 1, message: "Session ID unknown" });
    });
  }

  for (const [name, opts] of [["polling", POLLING_ONLY], ["websocket", WEBSOCKET_ONLY]]) {
    it(`stays connected while idle over ${name} (heartbeat)`, TEST_OPTIONS, async (t) => {
      const { socket, openTransport } = await connect(t, fixture, opts);
      assert.equal(openTransport, name);
      let pings = 0;
      let closeReason;
      socket.on("ping", () => ++pings);
      socket.on("close", (reason) => (closeReason = reason));

      // The idle period is what is under test: > 3 ping intervals of 300 ms.
      // Without working pings/pongs the client would drop after
      // pingInterval + pingTimeout (500 ms), or the server after missing pongs.
      await sleep(1250);

      assert.equal(closeReason, undefined, `socket closed while idle: ${closeReason}`);
      assert.ok(pings >= 3, `expected at least 3 pings in 1250 ms, got ${pings}`);
      assert.equal(socket.readyState, "open");
      assert.equal(socket.transport.name, name);
      // The session is still usable on the server side too.
      assert.equal(await echo(socket, "still here"), "still here");
    });
  }
});

// Records the client's most recent long-poll GET for `sid` (engine.io-client
// issues it through node:http, which publishes every request on this channel).
function trackPollRequests(sid) {
  const marker = `sid=${encodeURIComponent(sid)}`;
  const tracker = { latest: undefined };
  const onStart = ({ request }) => {
    if (request.method === "GET" && request.path.includes(marker)) tracker.latest = request;
  };
  diagnostics_channel.subscribe("http.client.request.start", onStart);
  tracker.stop = () => diagnostics_channel.unsubscribe("http.client.request.start", onStart);
  return tracker;
}

// The fixture only promises a close packet to a GET it is holding. Between two
// polls there is none, so make sure the client's current GET has reached the
// server before SIGTERM: wait until it is fully written, then complete another
// round trip with the server so it has had time to read it.
async function waitForParkedPoll(fixture, request) {
  assert.ok(request, "client issued no long-poll GET after the echo");
  if (!request.writableFinished) {
    await withTimeout(new Promise((resolve) => request.once("finish", resolve)), EVENT_TIMEOUT_MS,
      "long-poll GET to be written");
  }
  const res = await fetch(`${fixture.url}/engine.io/?EIO=4&transport=polling&sid=barrier`,
    { signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) });
  await res.text();
}

describe("server-initiated close (fixture SIGTERM)", () => {
  for (const [name, opts] of [["polling", POLLING_ONLY], ["websocket", WEBSOCKET_ONLY]]) {
    it(`client over ${name} sees "transport close"`, TEST_OPTIONS, async (t) => {
      // Own fixture: this test shuts the server down.
      const fixture = await startFixture(FIXTURE);
      t.after(() => fixture.stop());
      const { socket, sid, openTransport } = await connect(t, fixture, opts);
      assert.equal(openTransport, name);

      // One round trip so the session is fully established on both sides.
      const polls = name === "polling" ? trackPollRequests(sid) : undefined;
      try {
        assert.equal(await echo(socket, "before shutdown"), "before shutdown");
        if (polls) await waitForParkedPoll(fixture, polls.latest);
      } finally {
        polls?.stop();
      }

      const closed = nextEvent(socket, "close");
      fixture.terminate();
      const [reason, details] = await closed;
      assert.equal(reason, "transport close",
        `close reason "${reason}" (${details?.message ?? details?.description ?? ""}); ` +
        (name === "polling" ? "the held GET did not receive a close packet" : "websocket failed"));
      if (name === "websocket") {
        // A dropped TCP connection also reads as "transport close"; only a
        // received close frame gives a clean close with a status code.
        const event = details?.context;
        assert.equal(event?.wasClean, true,
          `websocket closed without a close frame (code ${event?.code}, wasClean ${event?.wasClean})`);
      }

      const { code, signal } = await withTimeout(fixture.exited, EVENT_TIMEOUT_MS, "fixture to exit after SIGTERM");
      assert.equal(signal, null, `fixture died from signal ${signal}`);
      assert.equal(code, 0, "fixture exit code after SIGTERM");
    });
  }
});
