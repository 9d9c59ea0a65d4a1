// Interop tests of sockio-cli, the command-line client, against the official Node
// socket.io server (pinned in package.json) running in this test process.
//
//   SOCKIO_CLI=build/debug/apps/sockio-cli/sockio-cli node --test tests/interop/cli.test.mjs
//
// Every test starts its own server on 127.0.0.1 (port 0) and runs the CLI to its end;
// the child is killed by pid if a test fails before it exits. The server, in "/":
// acks "echo" with its arguments, answers "hello" with "greeting" ("hi", bytes 1,2,3),
// acks "whoami" with the handshake's query parameter "room" and header "x-test",
// disconnects the socket on "kick", emits "tick" 0..n-1 on "burst" (n), and never acks
// anything else. "/admin" refuses ("not authorized", {code: 401}) unless
// auth.token is "secret".
import { createServer } from "node:http";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Server } from "socket.io";
import { freePort } from "./gateway_helpers.mjs";
import { fixturePathFromEnv, runToExit, withTimeout } from "./helpers.mjs";

const CLI = fixturePathFromEnv("SOCKIO_CLI", "sockio-cli");

// Per-test cap, so that a missed bounded wait still cannot block the run.
const TEST_OPTIONS = { timeout: 15000 };
// How long one CLI run may take before the test fails (and kills it).
const RUN_TIMEOUT_MS = 8000;

// Starts the socket.io server described above; closed after the test. `connections`
// lists the ids of the sockets that connected, per namespace.
async function startServer(t) {
  const httpServer = createServer();
  const io = new Server(httpServer);
  const connections = { "/": [], "/admin": [] };
  io.on("connection", (socket) => {
    connections["/"].push(socket.id);
    socket.on("echo", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("hello", () => socket.emit("greeting", "hi", Buffer.from([1, 2, 3])));
    socket.on("whoami", (ack) => ack({ room: socket.handshake.query.room, header: socket.handshake.headers["x-test"] }));
    socket.on("kick", () => socket.disconnect());
    socket.on("burst", (n) => {
      for (let i = 0; i < n; i++) socket.emit("tick", i);
    });
  });
  const admin = io.of("/admin");
  admin.use((socket, next) => {
    if (socket.handshake.auth?.token === "secret") return next();
    const err = new Error("not authorized");
    err.data = { code: 401 };
    next(err);
  });
  admin.on("connection", (socket) => connections["/admin"].push(socket.id));

  await withTimeout(new Promise((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, "127.0.0.1", resolve);
  }), 2000, "the socket.io server to listen");
  t.after(async () => {
    const closed = new Promise((resolve) => io.close(() => resolve()));
    httpServer.closeAllConnections();
    await withTimeout(closed, 3000, "the socket.io server to close");
  });
  return { url: `http://127.0.0.1:${httpServer.address().port}`, connections };
}

// Runs sockio-cli with `args` to its end (`input`, if given, on its stdin). Resolves with
// the exit status, the stdout lines parsed as JSON, and stderr.
async function runCli(t, args, { input, ms = RUN_TIMEOUT_MS } = {}) {
  const { code, signal, stdout, stderr } = await runToExit(t, CLI, args, { input, ms, what: "sockio-cli" });
  const lines = stdout.split("\n").filter((l) => l !== "").map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      throw new Error(`not a JSON line: ${JSON.stringify(l)}\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
  });
  return { code, signal, lines, stdout, stderr };
}

// The exit status, with what the CLI printed when it is not the expected one.
function assertExit(r, code) {
  assert.equal(r.code, code, `exit ${r.code} (signal ${r.signal})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const connectLine = (server, { nsp = "/", transport = "websocket", index = 0 } = {}) => ({
  type: "connect",
  namespace: nsp,
  id: server.connections[nsp][index],
  transport,
});

// ---------------------------------------------------------------------------
describe("sockio-cli: commands", () => {
  it("call echo: the connect line, then the ack line", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--execute", 'call echo [1,"a"]']);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [connectLine(server), { type: "ack", event: "echo", args: [1, "a"] }]);
  });

  it("binary arguments go out and come back as {_binary}", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--execute",
      'call echo [{"_binary":"AQID"}, {"nested": [{"_binary":""}]}]']);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [
      connectLine(server),
      { type: "ack", event: "echo", args: [{ _binary: "AQID" }, { nested: [{ _binary: "" }] }] },
    ]);
  });

  it("emit hello, wait greeting: the event line with binary as {_binary}", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket",
      "--execute", "emit hello", "--execute", "wait greeting 2000"]);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [
      connectLine(server),
      { type: "event", namespace: "/", event: "greeting", args: ["hi", { _binary: "AQID" }] },
    ]);
  });

  it("--count 1: exits once one event line was printed", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--count", "1", "--execute", "emit hello"]);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [
      connectLine(server),
      { type: "event", namespace: "/", event: "greeting", args: ["hi", { _binary: "AQID" }] },
    ]);
  });

  it("--count 3 in a burst: exactly three event lines", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--count", "3", "--execute", "emit burst [200]"]);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [
      connectLine(server),
      ...[0, 1, 2].map((i) => ({ type: "event", namespace: "/", event: "tick", args: [i] })),
    ]);
  });

  it("--listen filters what is printed, not what wait sees", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--listen", "other",
      "--execute", "emit hello", "--execute", "wait greeting 2000"]);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [connectLine(server)]);
  });

  it("a call the server never acks, with --ack-timeout: error line, exit 1", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--ack-timeout", "200",
      "--execute", "call ignored [1]"]);
    assertExit(r, 1);
    assert.deepEqual(r.lines, [connectLine(server), { type: "error", message: "operation has timed out" }]);
  });

  it("wait for an event that never comes: timeout line, exit 3", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--execute", "wait nothing 200"]);
    assertExit(r, 3);
    assert.deepEqual(r.lines, [connectLine(server), { type: "error", message: "timeout" }]);
  });

  it("disconnect: the disconnect line, then exit 0", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--execute", "disconnect",
      "--execute", "sleep 50"]);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [connectLine(server), { type: "disconnect", reason: "io client disconnect" }]);
  });

  it("a disconnection by the server: its disconnect line; a later wait fails, exit 1", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--execute", "emit kick",
      "--execute", "sleep 300", "--execute", "wait greeting"]);
    assertExit(r, 1);
    assert.deepEqual(r.lines, [
      connectLine(server),
      { type: "disconnect", reason: "io server disconnect" },
      { type: "error", message: "socket has been disconnected" },
    ]);
  });

  it("commands from stdin, until EOF", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket"], { input: "call echo [2]\n" });
    assertExit(r, 0);
    assert.deepEqual(r.lines, [connectLine(server), { type: "ack", event: "echo", args: [2] }]);
  });

  it("a bad command on piped stdin: error line, exit 2", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket"], { input: "emit x [1,\ncall echo [2]\n" });
    assertExit(r, 2);
    assert.equal(r.lines.length, 2, r.stdout);
    assert.deepEqual(r.lines[0], connectLine(server));
    assert.equal(r.lines[1].type, "error");
    assert.match(r.lines[1].message, /^bad JSON: /);
  });

  it("--query and --header reach the handshake", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--query", "room=a", "--header", "X-Test: yes", "--no-upgrade",
      "--execute", "call whoami"]);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [
      connectLine(server, { transport: "polling" }),
      { type: "ack", event: "whoami", args: [{ room: "a", header: "yes" }] },
    ]);
  });

  it("--verbose: Engine.IO packets on stderr", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--verbose", "--execute", "call echo [1]"]);
    assertExit(r, 0);
    assert.match(r.stderr, /^> 420\["echo",1\]$/m);
    assert.match(r.stderr, /^< 430\[1\]$/m);
    assert.deepEqual(r.lines, [connectLine(server), { type: "ack", event: "echo", args: [1] }]);
  });
});

// ---------------------------------------------------------------------------
describe("sockio-cli: namespaces and auth", () => {
  it("/admin without auth: the connect_error line with the server's message and data, exit 1", TEST_OPTIONS,
    async (t) => {
      const server = await startServer(t);
      const r = await runCli(t, [`${server.url}/admin`, "--execute", "call echo [1]"]);
      assertExit(r, 1);
      assert.deepEqual(r.lines, [{ type: "connect_error", message: "not authorized", data: { code: 401 } }]);
    });

  it("--auth and --namespace /admin: connects, exit 0 at EOF of stdin", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--transports", "websocket", "--namespace", "/admin",
      "--auth", '{"token":"secret"}']);
    assertExit(r, 0);
    assert.deepEqual(r.lines, [connectLine(server, { nsp: "/admin" })]);
  });
});

// ---------------------------------------------------------------------------
describe("sockio-cli: usage and connection errors", () => {
  it("an unknown command in --execute: error line, exit 2, no connection", TEST_OPTIONS, async (t) => {
    const server = await startServer(t);
    const r = await runCli(t, [server.url, "--execute", "bogus"]);
    assertExit(r, 2);
    assert.deepEqual(r.lines, [{
      type: "error",
      message: '--execute "bogus": unknown command "bogus" (emit, call, wait, sleep, disconnect)',
    }]);
    assert.deepEqual(server.connections["/"], []);
  });

  it("bad JSON in --execute: exit 2", TEST_OPTIONS, async (t) => {
    const r = await runCli(t, ["http://127.0.0.1:1", "--execute", "emit x {"]);
    assertExit(r, 2);
    assert.equal(r.lines.length, 1, r.stdout);
    assert.equal(r.lines[0].type, "error");
    assert.match(r.lines[0].message, /^--execute "emit x \{": bad JSON: /);
  });

  it("a bad URL: error line, exit 2", TEST_OPTIONS, async (t) => {
    const r = await runCli(t, ["ftp://x"]);
    assertExit(r, 2);
    assert.equal(r.lines.length, 1, r.stdout);
    assert.equal(r.lines[0].type, "error");
    assert.match(r.lines[0].message, /ftp:\/\/x/);
  });

  it("bad --auth and --header: exit 2", TEST_OPTIONS, async (t) => {
    let r = await runCli(t, ["http://127.0.0.1:1", "--auth", "{nope"]);
    assertExit(r, 2);
    assert.deepEqual(r.lines, [{ type: "error", message: "--auth: expected a JSON object, got {nope" }]);
    r = await runCli(t, ["http://127.0.0.1:1", "--header", "no colon"]);
    assertExit(r, 2);
    assert.deepEqual(r.lines, [{ type: "error", message: '--header: expected "K: V", got "no colon"' }]);
  });

  it("nothing listens, --no-reconnect: the connect_error line, exit 1", TEST_OPTIONS, async (t) => {
    const port = await freePort();  // nothing listens there
    const r = await runCli(t, [`http://127.0.0.1:${port}`, "--no-reconnect", "--timeout", "300"]);
    assertExit(r, 1);
    assert.equal(r.lines.length, 1, r.stdout);
    assert.equal(r.lines[0].type, "connect_error");
    assert.equal(typeof r.lines[0].message, "string");
    assert.notEqual(r.lines[0].message, "");
    assert.equal(r.lines[0].data, null);
  });

  it("nothing listens, reconnection on: connect_error lines, then timeout, exit 3", TEST_OPTIONS, async (t) => {
    const port = await freePort();  // nothing listens there
    const r = await runCli(t, [`http://127.0.0.1:${port}`, "--timeout", "500"]);
    assertExit(r, 3);
    assert.ok(r.lines.length >= 2, r.stdout);
    for (const l of r.lines.slice(0, -1)) assert.equal(l.type, "connect_error", r.stdout);
    assert.deepEqual(r.lines.at(-1), { type: "error", message: "timeout" });
  });
});

// ---------------------------------------------------------------------------
// The C++ client (through sockio-cli) against sockio-server's JWT authentication.
describe("sockio-cli: JWT against sockio-server", () => {
  const secret = "cli-test-secret";
  const gatewayArgs = ["--auth-secret", secret, "--auth-anonymous", "false", "--auth-default-join", "*"];

  it("a valid token connects and joins; none, a forged one and an expired one are refused", TEST_OPTIONS,
    async (t) => {
      const { startGateway, hs256, nowSeconds } = await import("./gateway_helpers.mjs");
      const gateway = await startGateway(t, gatewayArgs);
      const url = `http://127.0.0.1:${gateway.port}`;
      const token = hs256({ sub: "alice", name: "Alice", exp: nowSeconds() + 60 }, secret);
      for (const transports of ["websocket", "polling"]) {
        const r = await runCli(t, [url, "--transports", transports, "--auth", JSON.stringify({ token }),
          "--execute", 'call join ["lobby"]']);
        assertExit(r, 0);
        assert.equal(r.lines[0].type, "connect");
        assert.equal(r.lines[0].transport, transports);
        assert.deepEqual(r.lines[1], { type: "ack", event: "join", args: [{ ok: true, room: "lobby" }] });
      }
      const refusals = [
        [[], "authentication required"],
        [["--auth", JSON.stringify({ token: hs256({ sub: "alice" }, "another secret") })], "invalid token"],
        [["--auth", JSON.stringify({ token: hs256({ sub: "alice", exp: nowSeconds() - 10 }, secret) })],
          "token expired"],
      ];
      for (const [extra, message] of refusals) {
        const r = await runCli(t, [url, "--transports", "websocket", ...extra, "--execute", "call join [\"x\"]"]);
        assertExit(r, 1);
        assert.equal(r.lines.length, 1, r.stdout);
        assert.equal(r.lines[0].type, "connect_error");
        assert.equal(r.lines[0].message, message);
      }
    });
});
