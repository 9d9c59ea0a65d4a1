// End-to-end test of the demo chat served by sockio-server: two Chromium pages
// (Debian's chromium, driven by playwright-core) log in as "alice" and "bob" on
// the page the gateway serves at "/" (web/), which talks to the gateway through
// the socket.io browser bundle the gateway serves at /socket.io/socket.io.min.js.
//
//   SOCKIO_GATEWAY=build/debug/apps/sockio-server/sockio-server \
//     node --test tests/interop/gateway_browser.test.mjs
//
// Only the page's documented hooks are used (ids, data attributes, window.chat).
// Every wait is a bounded Playwright wait on the DOM; there are no sleeps.
// A screenshot of alice's page is written to test-artifacts/gateway-chat.png.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { EVENT_TIMEOUT_MS, fixturePathFromEnv, spawnFixture, withTimeout, BrowserWatch, launchChromium, teardown } from "./helpers.mjs";

const GATEWAY = fixturePathFromEnv("SOCKIO_GATEWAY", "sockio-server");

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");
const SCREENSHOT_PATH = join(ARTIFACTS_DIR, "gateway-chat.png");

const BROWSER_TIMEOUT_MS = 15000;
// Bound of one wait for something the other page or the server causes.
const WAIT_MS = EVENT_TIMEOUT_MS;
// Per-test cap, so that a missed bounded wait still cannot block the run.
const TEST_OPTIONS = { timeout: 20000 };

// ---------------------------------------------------------------------------
// Browser diagnostics
// ---------------------------------------------------------------------------

const watch = new BrowserWatch();

function assertNoBrowserErrors() {
  assert.deepEqual(watch.errors, [], `the browser reported errors:\n${watch.errors.join("\n")}`);
}

// What a page shows, for failure messages.
function snapshot(page) {
  return withTimeout(page.evaluate(() => {
    const text = (sel) => document.querySelector(sel)?.textContent ?? null;
    const status = document.getElementById("status");
    return {
      status: status && { state: status.dataset.state, transport: status.dataset.transport, text: status.textContent },
      notice: text("#notice"),
      room: text("#room-title"),
      rooms: [...document.querySelectorAll("#rooms li[data-room]")].map((li) => `${li.dataset.room} ${li.className}`),
      presence: [...document.querySelectorAll("#presence li[data-sid]")]
        .map((li) => `${li.querySelector(".member-name")?.textContent} (${li.dataset.sid})`),
      messages: [...document.querySelectorAll("#messages li")].map((li) => li.textContent),
      typing: text("#typing"),
      sid: window.chat?.socket?.id ?? null,
    };
  }), 3000, "a page snapshot").catch((err) => `(no snapshot: ${err.message})`);
}

// Runs a bounded Playwright wait; on failure, the error names what was awaited
// and shows both pages, the browser's reports and the server's log.
async function step(what, fn) {
  try {
    return await fn();
  } catch (err) {
    const pages = [];
    for (const [label, page] of [["alice", alice], ["bob", bob]]) {
      if (page && !page.isClosed()) pages.push(`${label}: ${JSON.stringify(await snapshot(page), null, 1)}`);
    }
    throw new Error(`${what}: ${err.message}\n${pages.join("\n")}` +
      watch.report() +
      `\nserver log:\n${serverLog.slice(-4000) || "(empty)"}\nserver stderr: ${gateway?.stderr() || "(empty)"}`);
  }
}

// ---------------------------------------------------------------------------
// Page helpers (the page's test hooks only)
// ---------------------------------------------------------------------------

async function openChat(label) {
  const context = await withTimeout(browser.newContext({ viewport: { width: 1100, height: 720 } }),
    BROWSER_TIMEOUT_MS, "a new browser context");
  context.setDefaultTimeout(WAIT_MS);
  contexts.push(context);
  const page = await context.newPage();
  watch.watch(page, label);
  await page.goto(`${gateway.url}/`, { timeout: BROWSER_TIMEOUT_MS, waitUntil: "load" });
  await page.waitForFunction(() => typeof window.io === "function", null, { timeout: WAIT_MS });
  return page;
}

async function login(page, name) {
  await page.fill("#name", name);
  await page.click("#connect");
  await page.waitForSelector('#status[data-state="connected"]', { timeout: WAIT_MS });
  await page.waitForSelector("#chat-view:not([hidden])", { timeout: WAIT_MS });
}

const transportOf = (page) => page.getAttribute("#status", "data-transport");
const socketId = (page) => page.evaluate(() => window.chat.socket.id);

// Waits until the presence list shows exactly `names` (sorted), and returns
// the entries as [{sid, name}].
async function waitForPresence(page, names) {
  await page.waitForFunction((want) => {
    const got = [...document.querySelectorAll("#presence li[data-sid] .member-name")].map((n) => n.textContent).sort();
    return JSON.stringify(got) === JSON.stringify(want);
  }, [...names].sort(), { timeout: WAIT_MS });
  return page.$$eval("#presence li[data-sid]",
    (lis) => lis.map((li) => ({ sid: li.dataset.sid, name: li.querySelector(".member-name").textContent })));
}

// Waits until the active room's message list has a message with this name and text.
async function waitForMessage(page, name, text) {
  await page.waitForFunction(([n, t]) => [...document.querySelectorAll("#messages li.message")].some((li) =>
    li.querySelector(".name")?.textContent === n && li.querySelector(".text")?.textContent === t),
  [name, text], { timeout: WAIT_MS });
}

const messagesOf = (page) => page.$$eval("#messages li.message", (lis) =>
  lis.map((li) => ({ name: li.querySelector(".name").textContent, text: li.querySelector(".text").textContent })));

async function send(page, text) {
  await page.fill("#message-input", text);
  await page.click("#send");
  // The own message is shown at once and loses .pending when the publish is acknowledged.
  await page.waitForFunction((t) => [...document.querySelectorAll("#messages li.message.own")].some((li) =>
    li.querySelector(".text")?.textContent === t && !li.classList.contains("pending") &&
    !li.classList.contains("failed")), text, { timeout: WAIT_MS });
}

async function joinRoom(page, room) {
  await page.fill("#room-input", room);
  await page.click("#join");
  // Joined (acknowledged) rooms lose the "pending" class; the joined room becomes active.
  await page.waitForSelector(`#rooms li[data-room="${room}"].active:not(.pending)`, { timeout: WAIT_MS });
  await page.waitForFunction((r) => document.getElementById("room-title").textContent === r, room, { timeout: WAIT_MS });
}

async function switchTo(page, room) {
  await page.click(`#rooms li[data-room="${room}"] .room-name`);
  await page.waitForSelector(`#rooms li[data-room="${room}"].active`, { timeout: WAIT_MS });
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

let gateway;
let serverLog = "";
let browser;
const contexts = [];
let alice;
let bob;
// Each test builds on the previous ones; a failure makes the rest fail at once.
let broken = null;
function requireState() {
  if (broken) assert.fail(`an earlier step failed: ${broken}`);
}
function track(name, fn) {
  return async () => {
    requireState();
    try {
      await fn();
    } catch (err) {
      broken = name;
      throw err;
    }
  };
}

describe("sockio-server demo chat in Chromium", () => {
  before(async () => {
    gateway = spawnFixture(GATEWAY, ["--port", "0", "--host", "127.0.0.1"]);
    gateway.proc.stdout.on("data", (chunk) => (serverLog += chunk));
    try {
      await gateway.listening();
    } catch (err) {
      throw new Error(`${err.message}\nserver log:\n${serverLog}`);
    }
    browser = await launchChromium(BROWSER_TIMEOUT_MS);
  }, { timeout: 30000 });

  after(async () => {
    watch.toleratingFailedRequests = true;
    const { attempt, check } = teardown();
    // A run that stopped early still leaves a screenshot to look at.
    if (alice && !alice.isClosed() && !screenshotTaken) await attempt("screenshot", () => takeScreenshot());
    if (browser) await attempt("closing the browser", () => withTimeout(browser.close(), 10000, "browser.close()"));
    // Bounded after SIGKILL too, so the teardown cannot hang on the server.
    if (gateway) await attempt("stopping the server", () => gateway.stop({ killWaitMs: 3000 }));
    check();
  }, { timeout: 30000 });

  it("alice and bob log in on the served demo page and connect (upgrading to websocket)", TEST_OPTIONS,
    track("login", async () => {
      alice = await step("opening alice's page", () => openChat("alice"));
      bob = await step("opening bob's page", () => openChat("bob"));
      for (const [name, page] of [["alice", alice], ["bob", bob]]) {
        await step(`logging in ${name}`, () => login(page, name));
        const transport = await transportOf(page);
        assert.ok(transport === "websocket" || transport === "polling",
          `${name}: data-transport is ${JSON.stringify(transport)} when connected`);
        // The client starts with polling and upgrades; the page shows the upgrade.
        await step(`${name}'s transport to become websocket`,
          () => page.waitForSelector('#status[data-state="connected"][data-transport="websocket"]', { timeout: WAIT_MS }));
        assert.equal(await page.textContent("#identity"), `as ${name}`);
      }
      assertNoBrowserErrors();
    }));

  it("both are in 'lobby' and see each other in the presence list (presence:join reaches alice)", TEST_OPTIONS,
    track("lobby presence", async () => {
      for (const [name, page] of [["alice", alice], ["bob", bob]]) {
        await step(`${name} joining lobby`,
          () => page.waitForSelector('#rooms li[data-room="lobby"].active:not(.pending)', { timeout: WAIT_MS }));
        assert.equal(await page.textContent("#room-title"), "lobby");
      }
      const aliceSid = await socketId(alice);
      const bobSid = await socketId(bob);
      // bob logged in after alice's presence request: only presence:join brings him to her list.
      const atAlice = await step("alice's presence list to show alice and bob", () => waitForPresence(alice, ["alice", "bob"]));
      const atBob = await step("bob's presence list to show alice and bob", () => waitForPresence(bob, ["alice", "bob"]));
      const bySid = (list) => Object.fromEntries(list.map((m) => [m.name, m.sid]));
      assert.deepEqual(bySid(atAlice), { alice: aliceSid, bob: bobSid });
      assert.deepEqual(bySid(atBob), { alice: aliceSid, bob: bobSid });
      assert.equal(await alice.textContent("#presence-count"), "2");
      assert.equal(await bob.textContent("#presence-count"), "2");
      assertNoBrowserErrors();
    }));

  it("a message from alice reaches bob, and bob's reply reaches alice", TEST_OPTIONS, track("messages", async () => {
    await step("alice sending 'hello bob'", () => send(alice, "hello bob"));
    await step("'hello bob' from alice at bob", () => waitForMessage(bob, "alice", "hello bob"));
    await step("bob replying", () => send(bob, "hi alice, how are you?"));
    await step("bob's reply at alice", () => waitForMessage(alice, "bob", "hi alice, how are you?"));
    // publish does not echo to the sender: each page shows each message once.
    assert.deepEqual(await messagesOf(alice),
      [{ name: "alice", text: "hello bob" }, { name: "bob", text: "hi alice, how are you?" }]);
    assert.deepEqual(await messagesOf(bob),
      [{ name: "alice", text: "hello bob" }, { name: "bob", text: "hi alice, how are you?" }]);
    assertNoBrowserErrors();
  }));

  it("bob typing shows 'bob is typing' at alice", TEST_OPTIONS, track("typing", async () => {
    assert.equal(await alice.textContent("#typing"), "", "alice's typing line is not empty before bob types");
    await bob.click("#message-input");
    await bob.keyboard.type("fine, thanks");
    await step("'bob is typing' at alice",
      () => alice.waitForFunction(() => /^bob is typing/.test(document.getElementById("typing").textContent),
        null, { timeout: WAIT_MS }));
    // Sending the message replaces the indicator with the message.
    await bob.click("#send");
    await step("bob's message at alice", () => waitForMessage(alice, "bob", "fine, thanks"));
    await step("the typing line at alice to clear",
      () => alice.waitForFunction(() => document.getElementById("typing").textContent === "", null, { timeout: WAIT_MS }));
    assertNoBrowserErrors();
  }));

  it("both join 'dev'; a message there stays out of 'lobby'", TEST_OPTIONS, track("second room", async () => {
    await step("alice joining dev", () => joinRoom(alice, "dev"));
    await step("alice's dev presence", () => waitForPresence(alice, ["alice"]));
    await step("bob joining dev", () => joinRoom(bob, "dev"));
    await step("bob in alice's dev presence", () => waitForPresence(alice, ["alice", "bob"]));
    await step("bob's dev presence", () => waitForPresence(bob, ["alice", "bob"]));
    assert.deepEqual(await messagesOf(alice), [], "dev starts without messages");

    await step("alice sending in dev", () => send(alice, "build is green on dev"));
    await step("alice's dev message at bob", () => waitForMessage(bob, "alice", "build is green on dev"));
    await step("bob sending in dev", () => send(bob, "ship it"));
    await step("bob's dev message at alice", () => waitForMessage(alice, "bob", "ship it"));

    // Back in lobby, neither page shows the dev messages.
    const lobby = [{ name: "alice", text: "hello bob" }, { name: "bob", text: "hi alice, how are you?" },
      { name: "bob", text: "fine, thanks" }];
    for (const [name, page] of [["alice", alice], ["bob", bob]]) {
      await step(`${name} switching to lobby`, () => switchTo(page, "lobby"));
      assert.equal(await page.textContent("#room-title"), "lobby");
      assert.deepEqual(await messagesOf(page), lobby, `${name}'s lobby messages`);
    }
    // Both rooms stay joined.
    assert.deepEqual(await alice.$$eval("#rooms li[data-room]", (lis) => lis.map((li) => li.dataset.room)), ["lobby", "dev"]);
    assertNoBrowserErrors();
  }));

  it("bob leaving 'dev' drops him from alice's dev presence (presence:leave)", TEST_OPTIONS, track("leave", async () => {
    await step("alice switching to dev", () => switchTo(alice, "dev"));
    await step("alice's dev presence with bob", () => waitForPresence(alice, ["alice", "bob"]));
    await bob.click('#rooms li[data-room="dev"] button.leave');
    await step("dev to leave bob's room list",
      () => bob.waitForSelector('#rooms li[data-room="dev"]', { state: "detached", timeout: WAIT_MS }));
    await step("bob to leave alice's dev presence", () => waitForPresence(alice, ["alice"]));
    await step("alice switching back to lobby", () => switchTo(alice, "lobby"));
    // bob is still in lobby.
    await step("alice's lobby presence", () => waitForPresence(alice, ["alice", "bob"]));
    assertNoBrowserErrors();
  }));

  it("bob disconnects and reconnects with #toggle-connection; alice's presence follows", TEST_OPTIONS,
    track("reconnect", async () => {
      const oldSid = await socketId(bob);
      watch.toleratingFailedRequests = true;  // a disconnect may abort a request in flight
      await bob.click("#toggle-connection");
      await step("bob's status to show disconnected",
        () => bob.waitForSelector('#status[data-state="disconnected"]', { timeout: WAIT_MS }));
      assert.equal(await transportOf(bob), "", "no transport while disconnected");
      assert.equal(await bob.textContent("#toggle-connection"), "Reconnect");
      await step("bob to leave alice's lobby presence on disconnect", () => waitForPresence(alice, ["alice"]));

      await bob.click("#toggle-connection");
      await step("bob's status to show connected again",
        () => bob.waitForSelector('#status[data-state="connected"]', { timeout: WAIT_MS }));
      watch.toleratingFailedRequests = false;
      assert.equal(await bob.textContent("#toggle-connection"), "Disconnect");
      const newSid = await socketId(bob);
      assert.notEqual(newSid, oldSid, "a reconnection gets a new socket id");
      await step("bob to rejoin lobby",
        () => bob.waitForSelector('#rooms li[data-room="lobby"].active:not(.pending)', { timeout: WAIT_MS }));
      const atAlice = await step("bob back in alice's lobby presence", () => waitForPresence(alice, ["alice", "bob"]));
      assert.equal(atAlice.find((m) => m.name === "bob").sid, newSid, "alice lists bob's new socket id");
      await step("bob's lobby presence after reconnecting", () => waitForPresence(bob, ["alice", "bob"]));
      await step("bob's transport to become websocket again",
        () => bob.waitForSelector('#status[data-state="connected"][data-transport="websocket"]', { timeout: WAIT_MS }));

      // The reconnected socket chats as before.
      await step("bob sending after reconnecting", () => send(bob, "back online"));
      await step("bob's message after reconnecting at alice", () => waitForMessage(alice, "bob", "back online"));
      await step("alice answering", () => send(alice, "welcome back"));
      await step("alice's answer at bob", () => waitForMessage(bob, "alice", "welcome back"));
      assertNoBrowserErrors();
    }));

  it("saves a screenshot of alice's chat", TEST_OPTIONS, track("screenshot", async () => {
    await step("alice's presence before the screenshot", () => waitForPresence(alice, ["alice", "bob"]));
    assert.ok((await messagesOf(alice)).length >= 4, "the screenshot should show a few messages");
    await takeScreenshot();
    assertNoBrowserErrors();
  }));
});

let screenshotTaken = false;
async function takeScreenshot() {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await withTimeout(alice.screenshot({ path: SCREENSHOT_PATH, timeout: BROWSER_TIMEOUT_MS }),
    BROWSER_TIMEOUT_MS + 1000, "the screenshot");
  screenshotTaken = true;
}
