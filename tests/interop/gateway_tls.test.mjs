// sockio-server over TLS: a certificate made at test time with openssl, verified by
// socket.io-client (rejectUnauthorized, the test CA as the only trusted root), on
// polling, WebSocket and the upgrade between them. The gateway runs two event loops,
// so upgrades also cross shards (the TLS session moves with the socket).
//
//   SOCKIO_GATEWAY=build/debug/apps/sockio-server/sockio-server \
//     node --test tests/interop/gateway_tls.test.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { fixturePathFromEnv, nextEvent, startFixture, withTimeout, EVENT_TIMEOUT_MS } from "./helpers.mjs";

const GATEWAY = fixturePathFromEnv("SOCKIO_GATEWAY", "sockio-server");

/// A CA and a server certificate for 127.0.0.1 signed by it.
function makeCertificates(dir) {
  const run = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=sockio test CA",
      "-keyout", "ca.key", "-out", "ca.pem");
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
      "-extfile", "san.cnf", "-out", "server.pem", "-sha256");
}

describe("sockio-server over TLS", () => {
  let dir;
  let gateway;
  let ca;
  const clients = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sockio-tls-"));
    execFileSync("sh", ["-c", "printf 'subjectAltName=IP:127.0.0.1\\n' > san.cnf"], { cwd: dir });
    makeCertificates(dir);
    ca = readFileSync(join(dir, "ca.pem"));
    gateway = await startFixture(GATEWAY, ["--threads", "2", "--tls-cert", join(dir, "server.pem"),
                                           "--tls-key", join(dir, "server.key")]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `https://127.0.0.1:${gateway.port}`;
  const connect = (options) => {
    const socket = io(url(), { ca, rejectUnauthorized: true, forceNew: true, reconnection: false, ...options });
    clients.push(socket);
    return socket;
  };

  for (const [name, transports] of [["polling", ["polling"]], ["websocket", ["websocket"]],
                                    ["upgrade", ["polling", "websocket"]]]) {
    it(`chats over ${name} with a verified certificate`, async () => {
      const a = connect({ transports });
      const b = connect({ transports });
      await Promise.all([nextEvent(a, "connect", { rejectOn: ["connect_error"] }),
                         nextEvent(b, "connect", { rejectOn: ["connect_error"] })]);
      if (name === "upgrade") {
        // Several upgrades, so that with two shards some cross from one to the other.
        for (const s of [a, b]) {
          if (s.io.engine.transport.name !== "websocket") await nextEvent(s.io.engine, "upgrade");
        }
      }
      for (const s of [a, b]) assert.deepEqual(await s.timeout(EVENT_TIMEOUT_MS).emitWithAck("join", "tls"), { ok: true, room: "tls" });
      const received = nextEvent(b, "greeting");
      assert.deepEqual(await a.timeout(EVENT_TIMEOUT_MS).emitWithAck("publish", "tls", "greeting", "over TLS"), { ok: true });
      assert.deepEqual(await received, ["over TLS"]);
      assert.equal(a.io.engine.transport.name, transports.at(-1));
    });
  }

  it("upgrades many clients, across both shards", async () => {
    const sockets = Array.from({ length: 8 }, () => connect({ transports: ["polling", "websocket"] }));
    await Promise.all(sockets.map((s) => nextEvent(s, "connect", { rejectOn: ["connect_error"] })));
    await Promise.all(sockets.map((s) =>
      s.io.engine.transport.name === "websocket" ? null : nextEvent(s.io.engine, "upgrade")));
    const acks = await Promise.all(sockets.map((s) => s.timeout(EVENT_TIMEOUT_MS).emitWithAck("join", "many")));
    for (const ack of acks) assert.deepEqual(ack, { ok: true, room: "many" });
  });

  it("refuses a client that does not trust the certificate", async () => {
    const s = io(url(), { rejectUnauthorized: true, forceNew: true, reconnection: false, transports: ["polling"] });
    clients.push(s);
    const [err] = await nextEvent(s, "connect_error", { rejectOn: ["connect"] });
    assert.match(String(err.message), /error/);
    assert.equal(s.connected, false);
  });

  it("serves the health endpoint over https only", async () => {
    const body = await withTimeout(new Promise((resolve, reject) => {
      request(`${url()}/healthz`, { ca }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, text }));
      }).on("error", reject).end();
    }), EVENT_TIMEOUT_MS, "https /healthz");
    assert.equal(body.status, 200);
    assert.deepEqual(JSON.parse(body.text), { status: "ok", cluster: { adapter: "none" } });
    // Plain HTTP on the TLS port gets no HTTP answer.
    const plain = await withTimeout(fetch(`http://127.0.0.1:${gateway.port}/healthz`).then(
      (r) => r.status, () => "failed"), EVENT_TIMEOUT_MS, "plain http attempt");
    assert.equal(plain, "failed");
  });
});
