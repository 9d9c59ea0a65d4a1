// Helpers of the sockio-server (gateway) interop tests: starting the binary with
// flags or a TOML file, JWTs, socket.io clients, raw HTTP and a Prometheus parser.
import { createHmac, sign as cryptoSign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { EVENT_TIMEOUT_MS, fixturePathFromEnv, runToExit, spawnFixture, withTimeout } from "./helpers.mjs";

export const GATEWAY = fixturePathFromEnv("SOCKIO_GATEWAY", "sockio-server");

// ---------------------------------------------------------------------------
// Processes

// Clean-ups to run before a test's gateways stop (its clients' close), by test.
// node:test runs a test's after hooks in registration order, so a gateway started
// before its clients would otherwise be stopped while they are still connected.
const closers = new WeakMap();

// Registers `fn` (closing a client) to run at the end of `t`, before its gateways stop.
export function onClose(t, fn) {
  if (!closers.has(t)) closers.set(t, []);
  closers.get(t).push(fn);
  t.after(fn); // in case no gateway of this test runs the list
}

function closeAll(t) {
  for (const fn of closers.get(t) ?? []) fn();
}

// Starts the gateway on 127.0.0.1 (port 0 unless `port` is given) with `args`;
// its stop (by its own pid) is registered on `t`, after closing the test's
// clients. Resolves once it listens. Unless `args` set it, the shutdown timeout is
// 1 s, which bounds the teardown of a gateway that still has requests under way.
export async function startGateway(t, args = [], { port = 0 } = {}) {
  const extra = args.includes("--shutdown-timeout-ms") ? [] : ["--shutdown-timeout-ms", "1000"];
  const fixture = spawnFixture(GATEWAY, ["--port", String(port), "--host", "127.0.0.1", ...extra, ...args]);
  watchStdout(fixture);
  t.after(() => {
    closeAll(t);
    return fixture.stop();
  });
  await fixture.listening();
  return fixture;
}

// Keeps the gateway's stdout, so tests can wait for its log lines.
function watchStdout(fixture) {
  fixture.stdoutText = "";
  fixture.logWaiters = [];
  fixture.proc.stdout.on("data", (chunk) => {
    fixture.stdoutText += chunk;
    fixture.logWaiters = fixture.logWaiters.filter((w) => !w());
  });
}

// Resolves with the first stdout line matching `regex` (already printed or to come).
export function waitForLog(fixture, regex, ms = EVENT_TIMEOUT_MS) {
  let waiter;
  const waiting = new Promise((resolve) => {
    waiter = () => {
      const line = fixture.stdoutText.split("\n").find((l) => regex.test(l));
      if (line === undefined) return false;
      resolve(line);
      return true;
    };
    if (!waiter()) fixture.logWaiters.push(waiter);
  });
  return withTimeout(waiting, ms, `gateway log line ${regex}`).finally(() => {
    fixture.logWaiters = fixture.logWaiters.filter((w) => w !== waiter);
  });
}

// Runs the gateway to completion (config checks): resolves with { code, signal,
// stdout, stderr }. "--port 0 --host 127.0.0.1" come first unless `args` name a port
// (flags win over a --config file, which is read first). A process still running
// after `ms` is killed (by its pid) and the wait fails.
export async function runGateway(t, args, ms = 5000) {
  const listen = args.includes("--port") ? [] : ["--port", "0", "--host", "127.0.0.1"];
  return runToExit(t, GATEWAY, [...listen, ...args], { ms, what: "sockio-server" });
}

// A temporary directory removed after the test.
export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), "sockio-gateway-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Writes `text` to `name` in a fresh temporary directory; returns the path.
export function tempFile(t, name, text) {
  const path = join(tempDir(t), name);
  writeFileSync(path, text);
  return path;
}

// A loopback port that was free a moment ago (listen on 0, then close).
export async function freePort() {
  const server = net.createServer();
  await withTimeout(new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  }), 2000, "a free port");
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------
// JWTs (made here with node:crypto)

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
export const nowSeconds = () => Math.floor(Date.now() / 1000);

// An HS256 token of `claims` signed with `secret` (a string or Buffer); `header`
// overrides header fields (e.g. a different "alg").
export function hs256(claims, secret, header = {}) {
  const input = `${b64url({ alg: "HS256", typ: "JWT", ...header })}.${b64url(claims)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

// An RS256 token of `claims` signed with an RSA private KeyObject.
export function rs256(claims, privateKey) {
  const input = `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims)}`;
  return `${input}.${cryptoSign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
}

// ---------------------------------------------------------------------------
// socket.io clients

// Records every application event a socket receives from its creation on.
export class Recorder {
  constructor(socket) {
    this.socket = socket;
    this.events = [];
    this.waiters = [];
    socket.on("disconnect", (reason) => (this.disconnectReason = reason));
    socket.onAny((event, ...args) => {
      this.events.push({ event, args });
      this.waiters = this.waiters.filter((w) => !w());
    });
  }

  all(event) {
    return this.events.filter((e) => e.event === event).map((e) => e.args);
  }

  names() {
    return this.events.map((e) => e.event);
  }

  // Resolves with the arguments of the `count`-th `event` (counted from creation).
  waitFor(event, { count = 1, ms = EVENT_TIMEOUT_MS } = {}) {
    let waiter;
    const waiting = new Promise((resolve) => {
      waiter = () => {
        const seen = this.all(event);
        if (seen.length < count) return false;
        resolve(seen[count - 1]);
        return true;
      };
      if (!waiter()) this.waiters.push(waiter);
    });
    return withTimeout(waiting, ms, `"${event}" event #${count}`).catch((e) => {
      // Say where the socket stands: a wait that times out on a closed socket is another failure.
      const state = this.socket.connected ? "connected" : `not connected (${this.disconnectReason ?? "never connected"})`;
      throw new Error(`${e.message} on socket ${this.socket.id ?? "-"}, ${state}; events seen: ${this.names().join(", ") || "none"}`);
    }).finally(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    });
  }
}

// A client on its own Manager (no reconnection unless asked) closed after the
// test, with a recorder of its events.
export function client(t, url, opts = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  onClose(t, () => socket.close());
  return { socket, rec: new Recorder(socket) };
}

// Waits for "connect"; a connect_error fails at once with its message.
export async function connected(socket, ms = EVENT_TIMEOUT_MS) {
  if (socket.connected) return;
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
  }), ms, "connect");
}

// A connected client (see client()).
export async function connectedClient(t, url, opts = {}) {
  const c = client(t, url, opts);
  await connected(c.socket);
  return c;
}

// Resolves with the connect_error of a client that must be refused.
export async function refusal(t, url, opts = {}) {
  const { socket } = client(t, url, opts);
  const err = await withTimeout(new Promise((resolve, reject) => {
    socket.once("connect_error", resolve);
    socket.once("connect", () => reject(new Error("connected, but a refusal was expected")));
  }), EVENT_TIMEOUT_MS, "connect_error");
  return err;
}

// Emits with an acknowledgement (bounded); resolves with the first ack argument.
export function emitAck(socket, event, ...args) {
  const acked = new Promise((resolve) => socket.emit(event, ...args, (reply) => resolve(reply)));
  return withTimeout(acked, EVENT_TIMEOUT_MS, `ack of "${event}" ${JSON.stringify(args)}`);
}

// ---------------------------------------------------------------------------
// HTTP

// A raw HTTP request (the path is sent as given, unlike fetch which normalises
// "/../"). Resolves with { status, headers, body }.
export function rawRequest(port, { method = "GET", path = "/", headers = {}, body, localAddress } = {}) {
  const done = new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, localAddress, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
  return withTimeout(done, EVENT_TIMEOUT_MS, `${method} ${path}`);
}

// An Engine.IO polling handshake; resolves with { status, headers, body, sid }.
export async function pollingHandshake(port, opts = {}) {
  const res = await rawRequest(port, { path: "/socket.io/?EIO=4&transport=polling", ...opts });
  const match = /^0(\{.*\})$/.exec(res.body);
  return { ...res, sid: match ? JSON.parse(match[1]).sid : undefined };
}

// fetch, bounded (a hung response fails the test).
export function boundedFetch(url, init = {}) {
  return withTimeout(fetch(url, { ...init, signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) }), EVENT_TIMEOUT_MS + 500, `${init.method ?? "GET"} ${url}`);
}

// ---------------------------------------------------------------------------
// Prometheus text format

// Parses exposition text into { types: Map(family -> type), samples: [{name, labels, value}] }.
export function parseMetrics(text) {
  const types = new Map();
  const samples = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`unparsable metrics line: ${JSON.stringify(line)}`);
    const labels = {};
    if (sample[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
      let m;
      let consumed = 0;
      while ((m = re.exec(sample[2])) !== null) {
        labels[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
        consumed = re.lastIndex;
      }
      if (consumed !== sample[2].length) throw new Error(`bad labels in metrics line: ${JSON.stringify(line)}`);
    }
    const value = sample[3] === "+Inf" ? Infinity : Number(sample[3]);
    if (Number.isNaN(value)) throw new Error(`bad value in metrics line: ${JSON.stringify(line)}`);
    samples.push({ name: sample[1], labels, value });
  }
  return {
    types,
    samples,
    // The value of the sample `name` whose labels include `labels`; undefined if absent.
    value(name, labels = {}) {
      const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
      return s?.value;
    },
  };
}

export async function scrape(fixture) {
  const res = await boundedFetch(`${fixture.url}/metrics`);
  assertOk(res.status === 200, `GET /metrics: ${res.status}`);
  return { contentType: res.headers.get("content-type"), metrics: parseMetrics(await res.text()) };
}

function assertOk(ok, message) {
  if (!ok) throw new Error(message);
}
