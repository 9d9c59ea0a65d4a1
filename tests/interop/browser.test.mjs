// Browser interop test: the official socket.io-client *browser bundle*
// (node_modules/socket.io-client/dist/socket.io.min.js, pinned in package.json)
// running in Debian's Chromium (driven by playwright-core) against sockio's
// socketio_fixture.
//
//   SOCKIO_SOCKETIO_FIXTURE=build/debug/examples/socketio_fixture \
//     node --test tests/interop/browser.test.mjs
//
// The test page is served by a tiny Node http server on its own loopback port,
// so every request from the page to the fixture is cross-origin and goes through
// the server's CORS handling (HTTP long-polling first, then the websocket upgrade).
// A screenshot of the first page is written to test-artifacts/browser-interop.png.
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { EVENT_TIMEOUT_MS, fixturePathFromEnv, STARTUP_TIMEOUT_MS, startFixture, withTimeout, BrowserWatch, launchChromium, teardown } from "./helpers.mjs";

const FIXTURE = fixturePathFromEnv("SOCKIO_SOCKETIO_FIXTURE", "socketio_fixture");

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");
const SCREENSHOT_PATH = join(ARTIFACTS_DIR, "browser-interop.png");
const require = createRequire(import.meta.url);
const BUNDLE_PATH = join(dirname(require.resolve("socket.io-client/package.json")), "dist", "socket.io.min.js");

const BROWSER_TIMEOUT_MS = 15000;
// EVENT_TIMEOUT_MS (from helpers.mjs) bounds one in-page wait (an event, an
// ack); the Node-side bound of a page.evaluate call is a little longer so the
// page's own, more precise timeout message wins when both could fire.
const EVALUATE_TIMEOUT_MS = EVENT_TIMEOUT_MS + 2000;
// Per-test cap, so that a missed bounded wait still cannot block the run.
const TEST_OPTIONS = { timeout: 20000 };

// ---------------------------------------------------------------------------
// Test page (served by a tiny http server on a different origin)
// ---------------------------------------------------------------------------

// Runs in the browser. Exposes window.sockioTest with a small, race-free API:
// every socket event is queued as it arrives (socket.onAny is registered before
// the connection is opened) and `next(event)` takes the oldest queued one or
// waits for it, bounded. Status lines are rendered so the screenshot shows what
// happened.
const PAGE_SCRIPT = String.raw`
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  const serverUrl = params.get("server");
  const label = params.get("label") || "page";
  const EVENT_TIMEOUT_MS = Number(params.get("timeout")) || 5000;

  const statusList = document.getElementById("status");
  function status(text, cls) {
    const li = document.createElement("li");
    li.textContent = new Date().toISOString().slice(11, 23) + "  " + text;
    if (cls) li.className = cls;
    statusList.appendChild(li);
  }
  document.getElementById("title").textContent = "sockio browser interop: " + label;
  status("page origin " + location.origin + ", server " + serverUrl + ", socket.io-client " + (typeof io === "function" ? "loaded" : "MISSING"));

  // what: a string, or a function returning one when the wait times out.
  function bounded(promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(label + ": timed out after " + EVENT_TIMEOUT_MS + " ms waiting for " +
        (typeof what === "function" ? what() : what))), EVENT_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  let socket = null;
  const queues = new Map();   // event -> [args, ...] not consumed yet
  const waiters = new Map();  // event -> [resolve, ...]
  let upgradedTo = null;
  let upgradeWaiters = [];
  let openTransport = null;
  let lastError = null;

  function deliver(event, args) {
    const w = waiters.get(event);
    if (w && w.length) { w.shift()(args); return; }
    if (!queues.has(event)) queues.set(event, []);
    queues.get(event).push(args);
  }

  function next(event) {
    const q = queues.get(event);
    if (q && q.length) return Promise.resolve(q.shift());
    return bounded(new Promise((resolve) => {
      if (!waiters.has(event)) waiters.set(event, []);
      waiters.get(event).push(resolve);
    }), () => '"' + event + '" event' + (lastError ? " (last connect_error: " + lastError + ")" : ""));
  }

  function describeValue(v) {
    if (v instanceof ArrayBuffer) return "ArrayBuffer(" + v.byteLength + ")";
    if (ArrayBuffer.isView(v)) return v.constructor.name + "(" + v.byteLength + ")";
    try { return JSON.stringify(v); } catch (e) { return String(v); }
  }

  window.sockioTest = {
    // Connects with the default options (polling first, then upgrade to websocket).
    // Resolves once "connect" has fired.
    async connect(auth) {
      if (socket) throw new Error(label + ": already connected");
      socket = io(serverUrl, { auth });
      socket.onAny((event, ...args) => {
        status("<- " + event + " " + args.map(describeValue).join(", "));
        deliver(event, args);
      });
      socket.on("connect_error", (err) => {
        lastError = err && err.message;
        status("connect_error: " + lastError, "error");
      });
      socket.on("disconnect", (reason) => status("disconnect: " + reason));
      // With autoConnect the Manager opens its engine synchronously inside io(),
      // so these listeners are attached before any network I/O completes.
      const engine = socket.io.engine;
      engine.once("open", () => {
        openTransport = engine.transport.name;
        status("engine open over " + openTransport);
      });
      engine.on("upgrade", (transport) => {
        upgradedTo = transport.name;
        status("upgraded to " + upgradedTo);
        upgradeWaiters.forEach((resolve) => resolve(upgradedTo));
        upgradeWaiters = [];
      });
      await bounded(new Promise((resolve) => socket.once("connect", resolve)),
        () => '"connect"' + (lastError ? " (last connect_error: " + lastError + ")" : " (no connect_error)"));
      status("connected, id " + socket.id, "ok");
      return { id: socket.id, openTransport };
    },

    next(event) { return next(event); },

    // Resolves with the transport name once the engine runs over websocket.
    async waitForWebsocket() {
      if (socket.io.engine.transport.name !== "websocket") {
        await bounded(new Promise((resolve) => upgradeWaiters.push(resolve)), "the upgrade to websocket");
      }
      return { upgradedTo, transport: socket.io.engine.transport.name };
    },

    async join(room) {
      status("-> join " + room);
      const rooms = await socket.timeout(EVENT_TIMEOUT_MS).emitWithAck("join", room);
      status("joined " + room + ", rooms " + JSON.stringify(rooms), "ok");
      return rooms;
    },

    // Sends the 256 byte values with "message" and returns what "message-back" carried.
    async binaryEcho() {
      const sent = Uint8Array.from({ length: 256 }, (_, i) => i);
      status("-> message Uint8Array(256)");
      const reply = next("message-back");
      socket.emit("message", sent);
      const args = await reply;
      const first = args[0];
      return {
        argCount: args.length,
        type: Object.prototype.toString.call(first),
        isArrayBuffer: first instanceof ArrayBuffer,
        bytes: first instanceof ArrayBuffer ? Array.from(new Uint8Array(first))
          : ArrayBuffer.isView(first) ? Array.from(new Uint8Array(first.buffer, first.byteOffset, first.byteLength))
          : null,
      };
    },

    async emitWithAck(event, payload) {
      status("-> " + event + " " + describeValue(payload));
      const response = await socket.timeout(EVENT_TIMEOUT_MS).emitWithAck(event, payload);
      status("ack " + describeValue(response), "ok");
      return response;
    },

    emit(event, ...args) {
      status("-> " + event + " " + args.map(describeValue).join(", "));
      socket.emit(event, ...args);
    },

    transportName() { return socket ? socket.io.engine.transport.name : null; },

    async disconnect() {
      if (!socket) return;
      socket.disconnect();
      status("disconnected by the test");
    },

    status,
  };
  window.sockioReady = true;
})();
`;

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sockio browser interop</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.5 monospace; margin: 16px; background: #fff; color: #111; }
  h1 { font-size: 18px; }
  li.ok { color: #0a6b0a; }
  li.error { color: #b00020; font-weight: bold; }
</style>
</head>
<body>
<h1 id="title">sockio browser interop</h1>
<ul id="status"></ul>
<script src="/socket.io.min.js"></script>
<script src="/test-page.js"></script>
</body>
</html>
`;

async function startPageServer() {
  const bundle = readFileSync(BUNDLE_PATH);
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    const send = (status, type, body) => {
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, "text/plain", "method not allowed");
    if (path === "/") return send(200, "text/html; charset=utf-8", PAGE_HTML);
    if (path === "/socket.io.min.js") return send(200, "text/javascript; charset=utf-8", bundle);
    if (path === "/test-page.js") return send(200, "text/javascript; charset=utf-8", PAGE_SCRIPT);
    if (path === "/favicon.ico") return send(204, "image/x-icon", "");
    return send(404, "text/plain", "not found");
  });
  await withTimeout(new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  }), STARTUP_TIMEOUT_MS, "the page server to listen");
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// ---------------------------------------------------------------------------
// Browser side
// ---------------------------------------------------------------------------

const watch = new BrowserWatch();

function assertNoBrowserErrors() {
  assert.deepEqual(watch.errors, [], `the browser reported errors:\n${watch.errors.join("\n")}`);
}

// page.evaluate with a Node-side bound; on failure, appends whatever the browser
// reported so the cause is visible in the test output.
async function run(page, what, fn, arg) {
  try {
    return await withTimeout(page.evaluate(fn, arg), EVALUATE_TIMEOUT_MS, what);
  } catch (err) {
    const extra = watch.report();
    throw new Error(`${what} failed: ${err.message}${extra}\nfixture stderr: ${fixture?.stderr() || "(empty)"}`);
  }
}

async function openPage(label) {
  const page = await context.newPage();
  watch.watch(page, label);
  const query = new URLSearchParams({ server: fixture.url, label, timeout: String(EVENT_TIMEOUT_MS) });
  await page.goto(`${pageServer.url}/?${query}`, { timeout: BROWSER_TIMEOUT_MS, waitUntil: "load" });
  await page.waitForFunction(() => window.sockioReady === true, null, { timeout: EVENT_TIMEOUT_MS });
  return page;
}

let fixture;
let pageServer;
let browser;
let context;
let page1;
let page2;
// Set once page 1 is connected, so that later tests fail at once instead of
// each running into a timeout when the first one failed.
let page1Connected = false;

function requirePage1() {
  assert.ok(page1 && page1Connected, "page 1 is not connected (the first test failed)");
}

// Responses from the fixture that the browser received, to check the CORS headers.
const fixtureResponses = [];

describe("socket.io-client browser bundle in Chromium against socketio_fixture", () => {
  before(async () => {
    fixture = await startFixture(FIXTURE);
    pageServer = await startPageServer();
    browser = await launchChromium(BROWSER_TIMEOUT_MS);
    context = await withTimeout(browser.newContext({ viewport: { width: 1000, height: 700 } }),
      BROWSER_TIMEOUT_MS, "a new browser context");
    context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
    context.on("response", (response) => {
      if (response.url().startsWith(`${fixture.url}/socket.io/`)) fixtureResponses.push(response);
    });
  }, { timeout: 30000 });

  after(async () => {
    watch.toleratingFailedRequests = true;
    const { attempt, check } = teardown();
    // The screenshot is taken last in the success path too (see the final test);
    // here it only covers a run that stopped early.
    if (page1 && !screenshotTaken) {
      await attempt("screenshot", () => takeScreenshot());
    }
    if (browser) await attempt("closing the browser", () => withTimeout(browser.close(), 10000, "browser.close()"));
    if (pageServer) await attempt("closing the page server", () => withTimeout(pageServer.close(), 3000, "page server close"));
    // Bounded after SIGKILL too, so the teardown cannot hang on the fixture.
    if (fixture) await attempt("stopping the fixture", () => fixture.stop({ killWaitMs: 3000 }));
    check();
  }, { timeout: 30000 });

  it("connects cross-origin over polling, receives the auth event and upgrades to websocket", TEST_OPTIONS, async () => {
    page1 = await openPage("page-1");
    const origin = await run(page1, "reading the page origin", () => location.origin);
    assert.notEqual(origin, new URL(fixture.url).origin, "the page must be cross-origin to the fixture");

    const auth = { token: "browser-page-1", n: 1 };
    const connected = await run(page1, "connecting page 1", (a) => window.sockioTest.connect(a), auth);
    assert.equal(typeof connected.id, "string");
    assert.ok(connected.id.length > 0, "socket id is empty");
    page1Connected = true;
    assert.equal(connected.openTransport, "polling", "the default transports start with HTTP long-polling");

    const [authArg, ...rest] = await run(page1, 'waiting for the "auth" event', () => window.sockioTest.next("auth"));
    assert.deepEqual(authArg, auth, "the auth event must carry the handshake auth");
    assert.deepEqual(rest, []);

    const upgrade = await run(page1, "waiting for the websocket upgrade", () => window.sockioTest.waitForWebsocket());
    assert.equal(upgrade.transport, "websocket");
    assert.equal(upgrade.upgradedTo, "websocket", 'the engine must emit "upgrade" with the websocket transport');

    // The polling requests went cross-origin, so they must carry CORS headers.
    const polling = fixtureResponses.filter((r) => r.url().includes("transport=polling") && r.request().method() === "GET");
    assert.ok(polling.length > 0, "no polling responses from the fixture were observed");
    for (const response of polling) {
      const headers = await withTimeout(response.allHeaders(), EVENT_TIMEOUT_MS, "response headers");
      const allow = headers["access-control-allow-origin"];
      assert.ok(allow === "*" || allow === origin,
        `polling response ${response.url()} has access-control-allow-origin ${JSON.stringify(allow)}`);
    }
    assertNoBrowserErrors();
  });

  it("joins the room 'lobby' and gets the rooms in the ack", TEST_OPTIONS, async () => {
    requirePage1();
    const rooms = await run(page1, "joining lobby from page 1", () => window.sockioTest.join("lobby"));
    assert.ok(Array.isArray(rooms), `join ack is not an array: ${JSON.stringify(rooms)}`);
    assert.ok(rooms.includes("lobby"), `join ack does not include "lobby": ${JSON.stringify(rooms)}`);
    assertNoBrowserErrors();
  });

  it("echoes a Uint8Array of all 256 byte values back as an ArrayBuffer over websocket", TEST_OPTIONS, async () => {
    requirePage1();
    const echo = await run(page1, "binary message echo", () => window.sockioTest.binaryEcho());
    assert.equal(echo.argCount, 1, "message-back must carry exactly the one argument sent");
    assert.equal(echo.type, "[object ArrayBuffer]", "binary must arrive as an ArrayBuffer in the browser");
    assert.equal(echo.isArrayBuffer, true);
    assert.equal(echo.bytes.length, 256, "binary echo length differs");
    assert.deepEqual(echo.bytes, Array.from({ length: 256 }, (_, i) => i), "binary echo content differs");
    assert.equal(await run(page1, "reading the transport", () => window.sockioTest.transportName()), "websocket");
    assertNoBrowserErrors();
  });

  it("round-trips message-with-ack via emitWithAck", TEST_OPTIONS, async () => {
    requirePage1();
    const payload = { text: "hello from chromium \u00e9\u4e2d\ud83d\ude00", n: 42, nested: { list: [1, "two", null, true] } };
    const response = await run(page1, "emitWithAck message-with-ack",
      (p) => window.sockioTest.emitWithAck("message-with-ack", p), payload);
    assert.deepEqual(response, payload);
    assertNoBrowserErrors();
  });

  it("delivers a broadcast from a second page to the first page in 'lobby'", TEST_OPTIONS, async () => {
    requirePage1();
    page2 = await openPage("page-2");
    const auth = { token: "browser-page-2" };
    await run(page2, "connecting page 2", (a) => window.sockioTest.connect(a), auth);
    const [authArg] = await run(page2, 'waiting for the "auth" event on page 2', () => window.sockioTest.next("auth"));
    assert.deepEqual(authArg, auth);
    const rooms = await run(page2, "joining lobby from page 2", () => window.sockioTest.join("lobby"));
    assert.ok(rooms.includes("lobby"), `join ack does not include "lobby": ${JSON.stringify(rooms)}`);

    // Both pages queue events as they arrive, so the emit cannot race the waits.
    await run(page2, "emitting broadcast from page 2", () => window.sockioTest.emit("broadcast", "lobby", "news", "hi"));
    const news1 = await run(page1, 'waiting for "news" on page 1', () => window.sockioTest.next("news"));
    assert.deepEqual(news1, ["hi"]);
    // The sender is in the room too, so it receives the broadcast as well.
    const news2 = await run(page2, 'waiting for "news" on page 2', () => window.sockioTest.next("news"));
    assert.deepEqual(news2, ["hi"]);
    assertNoBrowserErrors();
  });

  it("ends without browser errors and saves a screenshot of the first page", TEST_OPTIONS, async () => {
    requirePage1();
    await run(page1, "writing the final status line", () =>
      window.sockioTest.status(`all checks passed; transport ${window.sockioTest.transportName()}`, "ok"));
    await takeScreenshot();
    assertNoBrowserErrors();
  });
});

let screenshotTaken = false;
async function takeScreenshot() {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await withTimeout(page1.screenshot({ path: SCREENSHOT_PATH, fullPage: true, timeout: BROWSER_TIMEOUT_MS }),
    BROWSER_TIMEOUT_MS + 1000, "the screenshot");
  screenshotTaken = true;
}
