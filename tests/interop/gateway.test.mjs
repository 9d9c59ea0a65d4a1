// Interop tests of sockio-server, the gateway binary, against its contract in
// docs/gateway.md, with the official socket.io-client / engine.io-client and raw HTTP.
//
//   SOCKIO_GATEWAY=build/debug/apps/sockio-server/sockio-server \
//     node --test tests/interop/gateway.test.mjs
//
// Every test starts its own gateway(s) on 127.0.0.1 with "--port 0" (or a port
// picked just before) and stops them by pid after the test.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Socket as EngineSocket } from "engine.io-client";
import { nextEvent, withTimeout } from "./helpers.mjs";
import {
  connectedClient,
  emitAck,
  freePort,
  boundedFetch,
  hs256,
  nowSeconds,
  onClose,
  pollingHandshake,
  rawRequest,
  refusal,
  rs256,
  runGateway,
  scrape,
  startGateway,
  tempDir,
  tempFile,
  waitForLog,
} from "./gateway_helpers.mjs";

// Per-test cap, so that a missed bounded wait still cannot block the run.
const TEST_OPTIONS = { timeout: 20000 };
const SECRET = "test-secret-\u00e9";
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

const sortedSids = (members) => members.map((m) => m.sid).sort();

// ---------------------------------------------------------------------------
describe("configuration", () => {
  it("unknown key in the file: exit 2, file:line and the key", TEST_OPTIONS, async (t) => {
    const file = tempFile(t, "bad.toml", '[server]\nhost = "127.0.0.1"\nprot = 3000\n');
    const r = await runGateway(t, ["--config", file]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.ok(r.stderr.includes(`${file}:3: unknown key 'server.prot'`), `stderr: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, `not one line: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it("bad value type in the file: line, key and what was expected", TEST_OPTIONS, async (t) => {
    const file = tempFile(t, "bad.toml", '# comment\n[server]\nhost = "127.0.0.1"\nport = "abc"\n');
    const r = await runGateway(t, ["--config", file]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.ok(r.stderr.includes(`${file}:4: server.port: expected an integer from 0 to 65535`), `stderr: ${r.stderr}`);

    const list = tempFile(t, "list.toml", '[cors]\norigins = "http://a.example"\n');
    const r2 = await runGateway(t, ["--config", list]);
    assert.equal(r2.code, 2, `stderr: ${r2.stderr}`);
    assert.ok(r2.stderr.includes(`${list}:2: cors.origins: expected`), `stderr: ${r2.stderr}`);
  });

  it("bad flag values: exit 2 naming the flag", TEST_OPTIONS, async (t) => {
    const r = await runGateway(t, ["--port", "abc", "--host", "127.0.0.1"]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /--port: expected an integer from 0 to 65535 \(got "abc"\)/);

    const r2 = await runGateway(t, ["--limits-max-connections", "many"]);
    assert.equal(r2.code, 2, `stderr: ${r2.stderr}`);
    assert.ok(
      r2.stderr.includes('sockio-server: --limits-max-connections: expected an integer from 1 to 10000000 (got "many")'),
      `stderr: ${r2.stderr}`,
    );

    const r3 = await runGateway(t, ["--auth-anonymous", "maybe"]);
    assert.equal(r3.code, 2, `stderr: ${r3.stderr}`);
    assert.match(r3.stderr, /--auth-anonymous: expected true or false/);
  });

  it("unknown section: exit 2 with its line", TEST_OPTIONS, async (t) => {
    const file = tempFile(t, "bad.toml", '[server]\nhost = "127.0.0.1"\n\n[srever]\nport = 1\n');
    const r = await runGateway(t, ["--config", file]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.ok(r.stderr.includes(`${file}:4:`), `no line 4 in: ${r.stderr}`);
    assert.match(r.stderr, /unknown section.*'srever'/);
  });

  it("tls.cert without tls.key: exit 2 naming the place", TEST_OPTIONS, async (t) => {
    const dir = tempDir(t);
    const cert = join(dir, "cert.pem");
    writeFileSync(cert, "not used\n");
    const file = join(dir, "tls.toml");
    writeFileSync(file, `[tls]\ncert = "${cert}"\n`);
    const r = await runGateway(t, ["--config", file]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.ok(
      r.stderr.includes(`${file}:2: tls.cert: tls.cert and tls.key must be set together`),
      `stderr: ${r.stderr}`,
    );
  });

  it("files named by the configuration are checked at start-up", TEST_OPTIONS, async (t) => {
    const missing = join(tempDir(t), "missing.pem");
    let r = await runGateway(t, ["--auth-algorithm", "RS256", "--auth-public-key", missing]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /--auth-public-key: .*missing\.pem/);

    const notAKey = tempFile(t, "key.pem", "hello\n");
    r = await runGateway(t, ["--auth-algorithm", "RS256", "--auth-public-key", notAKey]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /--auth-public-key: auth\.public_key: not a PEM public key/);

    r = await runGateway(t, ["--static-dir", join(tempDir(t), "nope")]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /--static-dir: server\.static_dir: not a directory/);

    r = await runGateway(t, ["--auth-anonymous", "false"]);
    assert.equal(r.code, 2, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /--auth-anonymous: .*no auth\.secret/);
  });

  it("--check-config on the example file: exit 0, configuration OK", TEST_OPTIONS, async (t) => {
    const example = join(REPO_ROOT, "apps/sockio-server/sockio.example.toml");
    const r = await runGateway(t, ["--config", example, "--check-config"]);
    assert.equal(r.code, 0, `stderr: ${r.stderr}`);
    assert.match(r.stdout, /configuration OK/);
    assert.doesNotMatch(r.stdout, /listening/);
    // And a broken file fails the check.
    const bad = tempFile(t, "bad.toml", "[server]\nprot = 1\n");
    const r2 = await runGateway(t, ["--config", bad, "--check-config"]);
    assert.equal(r2.code, 2);
    assert.doesNotMatch(r2.stdout, /configuration OK/);
  });

  it("flags override the file; the file's other keys apply", TEST_OPTIONS, async (t) => {
    const file = tempFile(t, "gw.toml", '[server]\nport = 1\nhost = "192.0.2.1"\n\n[api]\nkey = "file-key"\n');
    const gw = await startGateway(t, ["--config", file]); // adds --port 0 --host 127.0.0.1
    assert.notEqual(gw.port, 1);
    assert.ok(gw.port > 0);
    const res = await boundedFetch(`${gw.url}/api/rooms/x`, { headers: { authorization: "Bearer file-key" } });
    assert.equal(res.status, 200, "api.key from the file was not applied");
    assert.equal((await res.json()).count, 0);
  });
});

// ---------------------------------------------------------------------------
describe("authentication", () => {
  const ISSUER = "https://issuer.example";
  const claims = (extra = {}) => ({ sub: "alice", name: "Alice", iss: ISSUER, aud: "chat", exp: nowSeconds() + 300, ...extra });
  const hsArgs = ["--auth-secret", SECRET, "--auth-anonymous", "false", "--auth-issuer", ISSUER, "--auth-audience", "chat"];

  it("HS256: every refusal reason as connect_error", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, hsArgs);
    const refused = async (opts) => (await refusal(t, gw.url, opts)).message;

    assert.equal(await refused({}), "authentication required");
    assert.equal(await refused({ auth: { token: hs256(claims(), "wrong secret") } }), "invalid token");
    assert.equal(await refused({ auth: { token: "not.a.jwt" } }), "invalid token");
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}.`;
    assert.equal(await refused({ auth: { token: unsigned } }), "invalid token");
    assert.equal(await refused({ auth: { token: hs256(claims({ exp: nowSeconds() - 10 }), SECRET) } }), "token expired");
    assert.equal(await refused({ auth: { token: hs256(claims({ nbf: nowSeconds() + 300 }), SECRET) } }), "token not yet valid");
    assert.equal(await refused({ auth: { token: hs256(claims({ aud: "other" }), SECRET) } }), "invalid audience");
    assert.equal(await refused({ auth: { token: hs256(claims({ aud: undefined }), SECRET) } }), "invalid audience");
    assert.equal(await refused({ auth: { token: hs256(claims({ iss: "https://evil.example" }), SECRET) } }), "invalid issuer");
    assert.equal(await refused({ auth: { token: hs256(claims({ iss: undefined }), SECRET) } }), "invalid issuer");
    // A bad token in the header is refused too (the header is read).
    assert.equal(
      await refused({ transports: ["polling"], extraHeaders: { authorization: `Bearer ${hs256(claims(), "nope")}` } }),
      "invalid token",
    );
  });

  it("HS256: valid token via auth.token, header and query; sub is the presence user", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, hsArgs);
    const a = await connectedClient(t, gw.url, { auth: { token: hs256(claims(), SECRET) } });
    const b = await connectedClient(t, gw.url, {
      transports: ["polling"],
      extraHeaders: { authorization: `Bearer ${hs256(claims({ sub: "bob", name: "Bob" }), SECRET)}` },
    });
    const c = await connectedClient(t, gw.url, {
      query: { token: hs256(claims({ sub: "carol", name: undefined, aud: ["x", "chat"] }), SECRET) },
      auth: { name: "Caro" },
    });
    for (const { socket } of [a, b, c]) {
      assert.deepEqual(await emitAck(socket, "join", "lobby"), { ok: true, room: "lobby" });
    }
    const reply = await emitAck(a.socket, "presence", "lobby");
    assert.equal(reply.ok, true);
    assert.equal(reply.room, "lobby");
    const bySid = Object.fromEntries(reply.members.map((m) => [m.sid, m]));
    assert.deepEqual(bySid[a.socket.id], { sid: a.socket.id, user: "alice", name: "Alice" });
    assert.deepEqual(bySid[b.socket.id], { sid: b.socket.id, user: "bob", name: "Bob" });
    // Without a name claim, auth.name of the CONNECT payload is the name.
    assert.deepEqual(bySid[c.socket.id], { sid: c.socket.id, user: "carol", name: "Caro" });
    assert.equal(reply.members.length, 3);
    await waitForLog(gw, new RegExp(`connect sid=${a.socket.id} .*user=alice`));
  });

  it("token sources in order: auth.token, then the header, then the query", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, hsArgs);
    const good = hs256(claims(), SECRET);
    const bad = hs256(claims(), "wrong");
    const polling = { transports: ["polling"] };
    await connectedClient(t, gw.url, { ...polling, auth: { token: good }, extraHeaders: { authorization: `Bearer ${bad}` }, query: { token: bad } });
    await connectedClient(t, gw.url, { ...polling, extraHeaders: { authorization: `Bearer ${good}` }, query: { token: bad } });
    assert.equal((await refusal(t, gw.url, { ...polling, auth: { token: bad }, extraHeaders: { authorization: `Bearer ${good}` } })).message, "invalid token");
    assert.equal((await refusal(t, gw.url, { ...polling, extraHeaders: { authorization: `Bearer ${bad}` }, query: { token: good } })).message, "invalid token");
  });

  it("RS256: valid token accepted; HS256 signed with the public key refused", TEST_OPTIONS, async (t) => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" });
    const keyFile = join(tempDir(t), "jwt.pub.pem");
    writeFileSync(keyFile, pem);
    const gw = await startGateway(t, [
      "--auth-algorithm", "RS256", "--auth-public-key", keyFile, "--auth-anonymous", "false",
    ]);
    const good = { sub: "rita", exp: nowSeconds() + 300 };

    const { socket } = await connectedClient(t, gw.url, { auth: { token: rs256(good, privateKey) } });
    assert.deepEqual(await emitAck(socket, "join", "r"), { ok: true, room: "r" });
    const reply = await emitAck(socket, "presence", "r");
    assert.deepEqual(reply.members, [{ sid: socket.id, user: "rita", name: "rita" }]);

    // Algorithm confusion: HMAC with the public PEM as the secret.
    assert.equal((await refusal(t, gw.url, { auth: { token: hs256(good, pem) } })).message, "invalid token");
    // Another key pair's signature.
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    assert.equal((await refusal(t, gw.url, { auth: { token: rs256(good, other) } })).message, "invalid token");
    assert.equal((await refusal(t, gw.url, { auth: { token: rs256({ ...good, exp: nowSeconds() - 5 }, privateKey) } })).message, "token expired");
    assert.equal((await refusal(t, gw.url, {})).message, "authentication required");
  });
});

// ---------------------------------------------------------------------------
describe("access control", () => {
  it("ACL claim: join and publish patterns; a refused publish reaches nobody", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--auth-secret", SECRET]);
    const token = (sub, acl) => hs256({ sub, acl, exp: nowSeconds() + 300 }, SECRET);
    const limited = await connectedClient(t, gw.url, { auth: { token: token("lim", { join: ["chat:*"], publish: [] }) } });
    const publisher = await connectedClient(t, gw.url, {
      auth: { token: token("pub", { join: ["chat:*"], publish: ["chat:*"] }) },
    });
    const joinOnly = await connectedClient(t, gw.url, { auth: { token: token("jo", { join: ["*"] }) } });
    const member = await connectedClient(t, gw.url); // anonymous: defaults ["*"]

    assert.deepEqual(await emitAck(limited.socket, "join", "chat:1"), { ok: true, room: "chat:1" });
    const news = await emitAck(limited.socket, "join", "news");
    assert.match(news.error, /not allowed/);
    assert.equal(news.error, "not allowed to join news");
    assert.equal((await emitAck(limited.socket, "presence", "news")).error, "not allowed to see news");
    assert.equal((await emitAck(publisher.socket, "join", "news")).error, "not allowed to join news");
    assert.deepEqual(await emitAck(member.socket, "join", "chat:1"), { ok: true, room: "chat:1" });

    assert.deepEqual(await emitAck(limited.socket, "publish", "chat:1", "msg", "from limited"), {
      error: "not allowed to publish to chat:1",
    });
    // An ACL without "publish" denies publishing.
    assert.deepEqual(await emitAck(joinOnly.socket, "publish", "chat:1", "msg", "from join-only"), {
      error: "not allowed to publish to chat:1",
    });
    assert.deepEqual(await emitAck(publisher.socket, "publish", "chat:1", "msg", "marker"), { ok: true });
    assert.deepEqual(await member.rec.waitFor("msg"), ["marker"]);
    assert.deepEqual(member.rec.all("msg"), [["marker"]], "a refused publish was delivered");
    // The refused "news" join changed nothing: the limited socket is in chat:1 only.
    const presence = await emitAck(member.socket, "presence", "news");
    assert.deepEqual(presence.members, []);
  });

  it("clients without an ACL claim get default_join / default_publish", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, [
      "--auth-secret", SECRET,
      "--auth-default-join", "public:*,lobby",
      "--auth-default-publish", "public:news",
    ]);
    const anon = await connectedClient(t, gw.url);
    const noClaim = await connectedClient(t, gw.url, { auth: { token: hs256({ sub: "n", exp: nowSeconds() + 60 }, SECRET) } });
    const withClaim = await connectedClient(t, gw.url, {
      auth: { token: hs256({ sub: "w", exp: nowSeconds() + 60, acl: { join: ["private"], publish: ["private"] } }, SECRET) },
    });

    for (const { socket } of [anon, noClaim]) {
      assert.deepEqual(await emitAck(socket, "join", "public:1"), { ok: true, room: "public:1" });
      assert.deepEqual(await emitAck(socket, "join", "lobby"), { ok: true, room: "lobby" });
      assert.equal((await emitAck(socket, "join", "private")).error, "not allowed to join private");
      assert.equal((await emitAck(socket, "publish", "public:1", "x")).error, "not allowed to publish to public:1");
    }
    assert.deepEqual(await emitAck(withClaim.socket, "join", "private"), { ok: true, room: "private" });
    assert.equal((await emitAck(withClaim.socket, "join", "public:1")).error, "not allowed to join public:1");

    assert.deepEqual(await emitAck(anon.socket, "publish", "public:news", "headline", 1), { ok: true });
    assert.deepEqual(await emitAck(anon.socket, "join", "public:news"), { ok: true, room: "public:news" });
    assert.deepEqual(await emitAck(noClaim.socket, "join", "public:news"), { ok: true, room: "public:news" });
    assert.deepEqual(await emitAck(anon.socket, "publish", "public:news", "headline", 2), { ok: true });
    assert.deepEqual(await noClaim.rec.waitFor("headline"), [2]);
    assert.deepEqual(noClaim.rec.all("headline"), [[2]]);
  });
});

// ---------------------------------------------------------------------------
describe("client protocol", () => {
  it("join, leave, publish, presence and presence events", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t);
    const a = await connectedClient(t, gw.url, { auth: { name: "Ann" } });
    const b = await connectedClient(t, gw.url, { auth: { name: "Bob\u0007\n" }, transports: ["polling"] });
    const bob = { room: "room1", sid: b.socket.id, user: null, name: "Bob" };

    assert.deepEqual(await emitAck(a.socket, "join", "room1"), { ok: true, room: "room1" });
    // Joining twice is fine.
    assert.deepEqual(await emitAck(a.socket, "join", "room1"), { ok: true, room: "room1" });
    assert.deepEqual(await emitAck(b.socket, "join", "room1"), { ok: true, room: "room1" });
    assert.deepEqual(await a.rec.waitFor("presence:join"), [bob]);

    const presence = await emitAck(a.socket, "presence", "room1");
    assert.equal(presence.ok, true);
    assert.equal(presence.room, "room1");
    assert.deepEqual(sortedSids(presence.members), [a.socket.id, b.socket.id].sort());
    assert.deepEqual(presence.members.find((m) => m.sid === a.socket.id), { sid: a.socket.id, user: null, name: "Ann" });
    assert.deepEqual((await emitAck(a.socket, "presence", "empty-room")).members, []);

    // publish reaches the other members, not the sender.
    assert.deepEqual(await emitAck(a.socket, "publish", "room1", "chat", "hi", { n: 1 }), { ok: true });
    assert.deepEqual(await b.rec.waitFor("chat"), ["hi", { n: 1 }]);
    assert.deepEqual(await emitAck(b.socket, "publish", "room1", "reply", "yo"), { ok: true });
    assert.deepEqual(await a.rec.waitFor("reply"), ["yo"]);
    assert.deepEqual(a.rec.all("chat"), [], "the sender received its own publish");
    assert.deepEqual(b.rec.all("reply"), [], "the sender received its own publish");
    assert.deepEqual(b.rec.all("presence:join"), [], "a socket was told of its own join");

    // leave, with presence:leave to the others.
    assert.deepEqual(await emitAck(b.socket, "leave", "room1"), { ok: true, room: "room1" });
    assert.deepEqual(await a.rec.waitFor("presence:leave"), [bob]);
    assert.deepEqual(await emitAck(b.socket, "leave", "room1"), { error: "not in room room1" });
    assert.deepEqual(await emitAck(b.socket, "leave", b.socket.id), { error: `not in room ${b.socket.id}` });
    assert.deepEqual(await emitAck(a.socket, "publish", "room1", "after-leave", 1), { ok: true });

    // presence:leave on disconnect too.
    assert.deepEqual(await emitAck(b.socket, "join", "room1"), { ok: true, room: "room1" });
    assert.deepEqual(await a.rec.waitFor("presence:join", { count: 2 }), [bob]);
    b.socket.close();
    assert.deepEqual(await a.rec.waitFor("presence:leave", { count: 2 }), [bob]);
    assert.deepEqual(b.rec.all("after-leave"), [], "a socket that left received a room publish");
    assert.deepEqual(sortedSids((await emitAck(a.socket, "presence", "room1")).members), [a.socket.id]);
  });

  it("refusals: reserved events, reserved room names, invalid rooms and events", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t);
    const a = await connectedClient(t, gw.url);
    const c = await connectedClient(t, gw.url);
    assert.equal(c.socket.id.length, 20);
    assert.deepEqual(await emitAck(c.socket, "join", "r"), { ok: true, room: "r" });

    for (const event of ["disconnect", "connect", "presence:join", "error", "join"]) {
      assert.deepEqual(await emitAck(a.socket, "publish", "r", event, "x"), { error: `reserved event ${event}` });
    }
    // Another client's private room: refused, and nothing sent there reaches it.
    assert.deepEqual(await emitAck(a.socket, "join", c.socket.id), { error: "reserved room name" });
    assert.deepEqual(await emitAck(a.socket, "join", "x".repeat(20)), { error: "reserved room name" });
    assert.deepEqual(await emitAck(a.socket, "join", ""), { error: "invalid room" });
    assert.deepEqual(await emitAck(a.socket, "join", "x".repeat(129)), { error: "invalid room" });
    assert.deepEqual(await emitAck(a.socket, "join", "x".repeat(128)), { ok: true, room: "x".repeat(128) });
    assert.deepEqual(await emitAck(a.socket, "join", 42), { error: "invalid room" });
    assert.deepEqual(await emitAck(a.socket, "publish", "r", ""), { error: "invalid event" });
    assert.deepEqual(await emitAck(a.socket, "publish", "r"), { error: "invalid event" });
    assert.deepEqual(await emitAck(a.socket, "publish", "r", 5), { error: "invalid event" });
    assert.deepEqual(await emitAck(a.socket, "presence", ""), { error: "invalid room" });

    assert.deepEqual(await emitAck(a.socket, "publish", "r", "marker"), { ok: true });
    await c.rec.waitFor("marker");
    assert.deepEqual(c.rec.names(), ["marker"], "a refused publish reached a member");
  });
});

describe("presence details", () => {
  // Joins one client per case to a room; asserts presence() lists each as expected.
  async function checkNames(t, gw, cases) {
    const expected = new Map();
    for (const [opts, user, name] of cases) {
      const { socket } = await connectedClient(t, gw.url, opts);
      assert.deepEqual(await emitAck(socket, "join", "names"), { ok: true, room: "names" });
      expected.set(socket.id, { sid: socket.id, user, name });
    }
    const observer = await connectedClient(t, gw.url);
    const { members } = await emitAck(observer.socket, "presence", "names");
    assert.equal(members.length, expected.size);
    for (const m of members) assert.deepEqual(m, expected.get(m.sid));
    for (const m of members) {
      assert.ok(Buffer.byteLength(m.name) <= 32, `name of ${Buffer.byteLength(m.name)} bytes: ${JSON.stringify(m.name)}`);
    }
  }

  it("names: token name, else auth.name, else sub, else anonymous; control characters removed", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--auth-secret", SECRET]);
    const token = (c) => hs256({ exp: nowSeconds() + 60, ...c }, SECRET);
    const cases = [
      [{ auth: { token: token({ sub: "u1", name: "Claim" }), name: "Ignored" } }, "u1", "Claim"],
      [{ auth: { token: token({ sub: "u2" }), name: "Auth\tName\u007f" } }, "u2", "AuthName"],
      [{ auth: { token: token({ sub: "u3" }) } }, "u3", "u3"],
      [{}, null, "anonymous"],
      [{ auth: { name: "\u0001\u0002" } }, null, "anonymous"],
      [{ auth: { name: "n".repeat(40) } }, null, "n".repeat(32)],
      [{ auth: { name: "\u00e9".repeat(20) } }, null, "\u00e9".repeat(16)],
    ];
    await checkNames(t, gw, cases);
  });

  it("names: cut to at most 32 bytes between UTF-8 sequences", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t);
    // 1 + 2 × 20 bytes: the longest prefix of whole characters within 32 bytes is
    // "a" and 15 × "é" (31 bytes).
    await checkNames(t, gw, [
      [{ auth: { name: "a" + "\u00e9".repeat(20) } }, null, "a" + "\u00e9".repeat(15)],
      [{ auth: { name: "ab" + "\u4e2d".repeat(12) } }, null, "ab" + "\u4e2d".repeat(10)],
    ]);
  });

  it("presence.rooms: only matching rooms get presence events", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--presence-rooms", "chat:*"]);
    const a = await connectedClient(t, gw.url);
    const b = await connectedClient(t, gw.url);
    for (const room of ["quiet", "chat:1"]) {
      assert.deepEqual(await emitAck(a.socket, "join", room), { ok: true, room });
    }
    assert.deepEqual(await emitAck(b.socket, "join", "quiet"), { ok: true, room: "quiet" });
    assert.deepEqual(await emitAck(b.socket, "join", "chat:1"), { ok: true, room: "chat:1" });
    const [event] = await a.rec.waitFor("presence:join");
    assert.equal(event.room, "chat:1");
    assert.deepEqual(a.rec.all("presence:join").map(([e]) => e.room), ["chat:1"]);
    // presence() itself still answers for any room.
    assert.deepEqual(sortedSids((await emitAck(a.socket, "presence", "quiet")).members), [a.socket.id, b.socket.id].sort());
  });

  it("namespaces: wildcard namespaces are served, others refused", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--namespaces", "/tenant-*", "--api-key", "k"]);
    const root = await connectedClient(t, gw.url); // "/" is always served
    const tenant = await connectedClient(t, `${gw.url}/tenant-a`);
    assert.equal((await refusal(t, `${gw.url}/other`)).message, "Invalid namespace");
    assert.deepEqual(await emitAck(tenant.socket, "join", "r"), { ok: true, room: "r" });
    assert.deepEqual(await emitAck(root.socket, "join", "r"), { ok: true, room: "r" });
    const res = await boundedFetch(`${gw.url}/api/emit`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ namespace: "/tenant-a", rooms: ["r"], event: "tenant-news" }),
    });
    assert.equal(res.status, 200);
    await tenant.rec.waitFor("tenant-news");
    const marker = await boundedFetch(`${gw.url}/api/emit`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ rooms: ["r"], event: "root-news" }),
    });
    assert.equal(marker.status, 200);
    await root.rec.waitFor("root-news");
    assert.deepEqual(root.rec.all("tenant-news"), [], "an emit to /tenant-a reached /");
    assert.deepEqual(tenant.rec.all("root-news"), [], "an emit to / reached /tenant-a");
  });
});

// ---------------------------------------------------------------------------
describe("CORS", () => {
  it("allowed origin gets the header, others do not; preflight", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--cors-origins", "http://allowed.example,http://other.example"]);
    const allowed = await pollingHandshake(gw.port, { headers: { origin: "http://allowed.example" } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers["access-control-allow-origin"], "http://allowed.example");
    const second = await pollingHandshake(gw.port, { headers: { origin: "http://other.example" } });
    assert.equal(second.headers["access-control-allow-origin"], "http://other.example");

    const refused = await pollingHandshake(gw.port, { headers: { origin: "http://evil.example" } });
    assert.equal(refused.headers["access-control-allow-origin"], undefined, JSON.stringify(refused.headers));

    const preflight = await rawRequest(gw.port, {
      method: "OPTIONS",
      path: "/socket.io/?EIO=4&transport=polling",
      headers: {
        origin: "http://allowed.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.ok(preflight.status === 204 || preflight.status === 200, `preflight status ${preflight.status}`);
    assert.equal(preflight.headers["access-control-allow-origin"], "http://allowed.example");
    assert.match(preflight.headers["access-control-allow-methods"] ?? "", /POST/);

    const badPreflight = await rawRequest(gw.port, {
      method: "OPTIONS",
      path: "/socket.io/?EIO=4&transport=polling",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(badPreflight.headers["access-control-allow-origin"], undefined);
    assert.equal(allowed.headers["access-control-allow-credentials"], undefined);

    const withCredentials = await startGateway(t, ["--cors-origins", "http://allowed.example", "--cors-credentials", "true"]);
    const res = await pollingHandshake(withCredentials.port, { headers: { origin: "http://allowed.example" } });
    assert.equal(res.headers["access-control-allow-origin"], "http://allowed.example");
    assert.equal(res.headers["access-control-allow-credentials"], "true");

    const any = await startGateway(t, ["--cors-origins", "*"]);
    const anyRes = await pollingHandshake(any.port, { headers: { origin: "http://whatever.example" } });
    assert.ok(["*", "http://whatever.example"].includes(anyRes.headers["access-control-allow-origin"]),
      `allow-origin: ${anyRes.headers["access-control-allow-origin"]}`);
  });
});

// ---------------------------------------------------------------------------
describe("limits", () => {
  const refusedBody = (res, message) => {
    assert.equal(res.status, 403, `status ${res.status}: ${res.body}`);
    assert.deepEqual(JSON.parse(res.body), { code: 4, message });
  };

  it("max_connections: the third handshake gets 403", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--limits-max-connections", "2"]);
    assert.equal((await pollingHandshake(gw.port)).status, 200);
    assert.equal((await pollingHandshake(gw.port)).status, 200);
    refusedBody(await pollingHandshake(gw.port), "too many connections");
    const { metrics } = await scrape(gw);
    assert.equal(metrics.value("sockio_handshake_failures_total", { reason: "too many connections" }), 1);
  });

  it("max_connections_per_ip: the second handshake from one address gets 403", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--limits-max-connections-per-ip", "1"]);
    assert.equal((await pollingHandshake(gw.port)).status, 200);
    refusedBody(await pollingHandshake(gw.port), "too many connections from this address");
    // Another loopback address is another client.
    const other = await pollingHandshake(gw.port, { localAddress: "127.0.0.2" });
    assert.equal(other.status, 200, `from 127.0.0.2: ${other.body}`);
  });

  it("rate limit: burst passes, then rate_limited, then a disconnect", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, [
      "--limits-events-per-second", "1", "--limits-event-burst", "3", "--limits-max-dropped-events", "5",
    ]);
    const { socket, rec } = await connectedClient(t, gw.url, { transports: ["websocket"] });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await emitAck(socket, "join", `r${i}`), { ok: true, room: `r${i}` });
    }
    let acked = false;
    socket.emit("join", "over", () => (acked = true));
    const [error] = await rec.waitFor("error");
    assert.equal(error.code, "rate_limited");
    assert.equal(typeof error.message, "string");
    assert.equal(acked, false, "a rate-limited event was acknowledged");

    const disconnected = nextEvent(socket, "disconnect");
    for (let i = 0; i < 10; i++) socket.emit("flood", i);
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    assert.equal(rec.all("error").length, 1, "more than one error event for one run of drops");
    assert.equal(acked, false);
    const { metrics } = await scrape(gw);
    assert.ok(metrics.value("sockio_dropped_events_total", { reason: "rate_limited" }) >= 5);
  });

  it("max_rooms_per_socket: join acks too many rooms", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--limits-max-rooms-per-socket", "2"]);
    const { socket } = await connectedClient(t, gw.url);
    assert.deepEqual(await emitAck(socket, "join", "a"), { ok: true, room: "a" });
    assert.deepEqual(await emitAck(socket, "join", "b"), { ok: true, room: "b" });
    assert.deepEqual(await emitAck(socket, "join", "c"), { error: "too many rooms" });
    assert.deepEqual(await emitAck(socket, "join", "a"), { ok: true, room: "a" });
    assert.deepEqual(await emitAck(socket, "leave", "a"), { ok: true, room: "a" });
    assert.deepEqual(await emitAck(socket, "join", "c"), { ok: true, room: "c" });
    assert.deepEqual(sortedSids((await emitAck(socket, "presence", "c")).members), [socket.id]);
  });

  it("max_payload: a larger WebSocket message closes; a larger polling body gets 413", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--max-payload", "1000"]);
    const { socket } = await connectedClient(t, gw.url, { transports: ["websocket"] });
    assert.deepEqual(await emitAck(socket, "join", "x".repeat(100)), { ok: true, room: "x".repeat(100) });
    const disconnected = nextEvent(socket, "disconnect");
    socket.emit("big", "x".repeat(5000));
    const [reason] = await disconnected;
    assert.match(reason, /^transport (close|error)$/);

    const hs = await pollingHandshake(gw.port);
    assert.equal(hs.status, 200);
    assert.equal(JSON.parse(hs.body.slice(1)).maxPayload, 1000);
    const path = `/socket.io/?EIO=4&transport=polling&sid=${hs.sid}`;
    const small = await rawRequest(gw.port, { method: "POST", path, body: "40", headers: { "content-type": "text/plain" } });
    assert.equal(small.status, 200, small.body);
    const big = await rawRequest(gw.port, {
      method: "POST", path, body: `42["big","${"y".repeat(2000)}"]`, headers: { "content-type": "text/plain" },
    }).catch((err) => ({ status: `error ${err.code ?? err.message}` }));
    assert.equal(big.status, 413);
  });

  it("http_timeout: half a request header is cut off", TEST_OPTIONS, async (t) => {
    const timeoutMs = 500;
    const gw = await startGateway(t, ["--limits-http-timeout-ms", String(timeoutMs)]);
    const sock = net.connect(gw.port, "127.0.0.1");
    t.after(() => sock.destroy());
    await nextEvent(sock, "connect", { rejectOn: ["error"] });
    const start = Date.now();
    const closed = nextEvent(sock, "close", { ms: timeoutMs + 3000 });
    sock.on("error", () => {}); // a reset is a close too
    sock.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    await closed;
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= timeoutMs * 0.8, `closed after ${elapsed} ms, before the timeout`);
    // A complete request is answered.
    assert.equal((await boundedFetch(`${gw.url}/healthz`)).status, 200);

    // A body slower than the timeout is cut off too.
    const slowBody = net.connect(gw.port, "127.0.0.1");
    t.after(() => slowBody.destroy());
    await nextEvent(slowBody, "connect", { rejectOn: ["error"] });
    slowBody.on("error", () => {});
    let answer = "";
    slowBody.setEncoding("utf8").on("data", (c) => (answer += c));
    const bodyClosed = nextEvent(slowBody, "close", { ms: timeoutMs + 3000 });
    const bodyStart = Date.now();
    slowBody.write("POST /api/emit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ev");
    await bodyClosed;
    assert.ok(Date.now() - bodyStart >= timeoutMs * 0.8, "closed before the timeout");
    assert.doesNotMatch(answer, /^HTTP\/1\.1 [245]0[0-4] /, `answered as if complete: ${answer}`);
  });

  it("connect_timeout: an Engine.IO connection that joins no namespace is closed", TEST_OPTIONS, async (t) => {
    const timeoutMs = 500;
    // Heartbeats every 800 ms: a ping after the connect timeout shows a live connection.
    const gw = await startGateway(t, ["--connect-timeout-ms", String(timeoutMs), "--ping-interval-ms", "800"]);
    const engine = new EngineSocket(gw.url, { path: "/socket.io/", transports: ["websocket"] });
    onClose(t, () => engine.close());
    await nextEvent(engine, "open", { rejectOn: ["close", "error"] });
    const start = Date.now();
    await nextEvent(engine, "close", { ms: timeoutMs + 3000 });
    assert.ok(Date.now() - start >= timeoutMs * 0.5, "closed before the connect timeout");

    // A socket.io client that connects in time is not closed by it.
    const { socket } = await connectedClient(t, gw.url, { transports: ["websocket"] });
    const connectedAt = Date.now();
    await nextEvent(socket.io.engine, "ping", { rejectOn: ["close"] });
    assert.ok(Date.now() - connectedAt > timeoutMs * 0.5);
    assert.ok(socket.connected);
    assert.deepEqual(await emitAck(socket, "join", "still-here"), { ok: true, room: "still-here" });
  });
});

// ---------------------------------------------------------------------------
describe("metrics and health", () => {
  it("/metrics: families, types and values that move", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--auth-secret", SECRET]);
    const first = await scrape(gw);
    assert.match(first.contentType, /^text\/plain; version=0\.0\.4/);
    const expected = {
      sockio_connections: "gauge",
      sockio_sockets: "gauge",
      sockio_rooms: "gauge",
      sockio_events_received_total: "counter",
      sockio_messages_total: "counter",
      sockio_bytes_total: "counter",
      sockio_handshake_failures_total: "counter",
      sockio_disconnects_total: "counter",
      sockio_dropped_events_total: "counter",
      sockio_ack_duration_seconds: "histogram",
      sockio_broadcast_recipients: "histogram",
    };
    for (const [name, type] of Object.entries(expected)) {
      assert.equal(first.metrics.types.get(name), type, `# TYPE of ${name}`);
    }

    const ws = await connectedClient(t, gw.url, { transports: ["websocket"] });
    const poll = await connectedClient(t, gw.url, { transports: ["polling"] });
    let m = (await scrape(gw)).metrics;
    assert.equal(m.value("sockio_sockets", { namespace: "/" }), 2);
    assert.equal(m.value("sockio_connections", { transport: "websocket" }), 1);
    assert.equal(m.value("sockio_connections", { transport: "polling" }), 1);
    const events0 = m.value("sockio_events_received_total");
    const acks0 = m.value("sockio_ack_duration_seconds_count");
    const recipients0 = m.value("sockio_broadcast_recipients_count");
    const oneRecipient0 = m.value("sockio_broadcast_recipients_bucket", { le: "1" });
    const noRecipient0 = m.value("sockio_broadcast_recipients_bucket", { le: "0" });
    const in0 = m.value("sockio_messages_total", { direction: "in" });
    const bytesIn0 = m.value("sockio_bytes_total", { direction: "in" });

    assert.deepEqual(await emitAck(ws.socket, "join", "m"), { ok: true, room: "m" });
    assert.deepEqual(await emitAck(poll.socket, "join", "m"), { ok: true, room: "m" });
    assert.deepEqual(await emitAck(ws.socket, "publish", "m", "hello", 1), { ok: true });
    await poll.rec.waitFor("hello");

    m = (await scrape(gw)).metrics;
    assert.equal(m.value("sockio_events_received_total"), events0 + 3);
    assert.equal(m.value("sockio_ack_duration_seconds_count"), acks0 + 3);
    assert.equal(m.value("sockio_broadcast_recipients_count"), recipients0 + 1);
    assert.equal(m.value("sockio_broadcast_recipients_bucket", { le: "1" }), oneRecipient0 + 1);
    assert.equal(m.value("sockio_broadcast_recipients_bucket", { le: "0" }), noRecipient0, "one recipient counted as 0");
    assert.equal(m.value("sockio_broadcast_recipients_sum"), 1);
    assert.equal(m.value("sockio_rooms"), 1);
    assert.ok(m.value("sockio_messages_total", { direction: "in" }) >= in0 + 3);
    assert.ok(m.value("sockio_bytes_total", { direction: "in" }) > bytesIn0);
    assert.ok(m.value("sockio_messages_total", { direction: "out" }) > 0);

    // A refused token is counted by reason.
    assert.equal(m.value("sockio_handshake_failures_total", { reason: "invalid token" }), undefined);
    assert.equal((await refusal(t, gw.url, { auth: { token: hs256({ sub: "x" }, "wrong") } })).message, "invalid token");
    m = (await scrape(gw)).metrics;
    assert.equal(m.value("sockio_handshake_failures_total", { reason: "invalid token" }), 1);
    assert.equal(m.value("sockio_sockets", { namespace: "/" }), 2, "a refused socket was counted");

    // A disconnect moves the gauges and the counter.
    const pollId = poll.socket.id;
    poll.socket.close();
    await waitForLog(gw, new RegExp(`disconnect sid=${pollId} `));
    m = (await scrape(gw)).metrics;
    assert.equal(m.value("sockio_sockets", { namespace: "/" }), 1);
    const disconnects = m.samples.filter((s) => s.name === "sockio_disconnects_total");
    assert.equal(disconnects.reduce((n, s) => n + s.value, 0), 1, JSON.stringify(disconnects));

    // Histograms: cumulative buckets, ending with +Inf = _count.
    for (const name of ["sockio_ack_duration_seconds", "sockio_broadcast_recipients"]) {
      const buckets = m.samples.filter((s) => s.name === `${name}_bucket`);
      assert.ok(buckets.length >= 2, `${name}: no buckets`);
      const les = buckets.map((b) => (b.labels.le === "+Inf" ? Infinity : Number(b.labels.le)));
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(les[i] > les[i - 1], `${name}: le not increasing`);
        assert.ok(buckets[i].value >= buckets[i - 1].value, `${name}: buckets not cumulative`);
      }
      assert.equal(les.at(-1), Infinity, `${name}: last bucket is not +Inf`);
      assert.equal(m.value(`${name}_count`), buckets.at(-1).value, `${name}: _count != +Inf bucket`);
      assert.equal(typeof m.value(`${name}_sum`), "number");
    }
    assert.ok(m.value("sockio_ack_duration_seconds_count") >= 3);
  });

  it("log.format json: one JSON object per line, connect and disconnect lines", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--log-format", "json"]);
    const { socket } = await connectedClient(t, gw.url, { auth: { name: "J" } });
    const id = socket.id;
    socket.close();
    await waitForLog(gw, new RegExp(`disconnect sid=${id}`));
    const lines = gw.stdoutText.split("\n").filter((l) => l !== "");
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        assert.fail(`not JSON: ${l}`);
      }
    });
    for (const p of parsed) {
      assert.deepEqual(Object.keys(p).sort(), ["level", "msg", "time"]);
      assert.ok(!Number.isNaN(Date.parse(p.time)), p.time);
    }
    const connect = parsed.find((p) => p.msg.startsWith(`connect sid=${id}`));
    assert.ok(connect, "no connect line");
    assert.match(connect.msg, /nsp=\/ address=127\.0\.0\.1 /);
    assert.match(connect.msg, /transport=(polling|websocket)/);
    assert.ok(parsed.find((p) => p.msg.startsWith(`disconnect sid=${id}`) && /reason=/.test(p.msg)));
    assert.ok(parsed.find((p) => /listening on port/.test(p.msg)));
    // The level is a string ("info"), as spdlog names it.
    assert.equal(connect.level, "info", `level: ${JSON.stringify(connect.level)}`);
    for (const p of parsed) assert.equal(typeof p.level, "string", `level: ${JSON.stringify(p.level)}`);
  });

  it("/healthz and /readyz", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t);
    const health = await boundedFetch(`${gw.url}/healthz`);
    assert.equal(health.status, 200);
    assert.match(health.headers.get("content-type"), /application\/json/);
    assert.deepEqual(await health.json(), { status: "ok", cluster: { adapter: "none" } });
    const ready = await boundedFetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready" });
  });
});

// ---------------------------------------------------------------------------
describe("HTTP API", () => {
  const KEY = "api-key-1";
  const api = (gw, path, { body, key = KEY, method = body === undefined ? "GET" : "POST" } = {}) => {
    const headers = { "content-type": "application/json" };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    return boundedFetch(`${gw.url}${path}`, { method, headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  };

  it("emit, rooms, disconnect, keys and bad bodies", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t, ["--api-key", KEY]);
    const a = await connectedClient(t, gw.url, { auth: { name: "A" } });
    const b = await connectedClient(t, gw.url, { transports: ["polling"] });
    const c = await connectedClient(t, gw.url);
    for (const { socket } of [a, b]) assert.deepEqual(await emitAck(socket, "join", "r"), { ok: true, room: "r" });

    let res = await api(gw, "/api/emit", { body: { rooms: ["r"], event: "news", args: [1, "two", { three: 3 }] } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    assert.deepEqual(await a.rec.waitFor("news"), [1, "two", { three: 3 }]);
    assert.deepEqual(await b.rec.waitFor("news"), [1, "two", { three: 3 }]);

    res = await api(gw, "/api/emit", { body: { rooms: ["r"], except: [a.socket.id], event: "only-b" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await b.rec.waitFor("only-b"), []);

    // Keys.
    for (const key of [null, "wrong", `${KEY}x`]) {
      res = await api(gw, "/api/emit", { key, body: { event: "unauthorised" } });
      assert.equal(res.status, 401, `key ${key}`);
      assert.deepEqual(await res.json(), { error: "invalid API key" });
    }
    // Bad bodies.
    const bad = async (body, pattern) => {
      const r = await api(gw, "/api/emit", { body });
      assert.equal(r.status, 400, `body ${body}`);
      const json = await r.json();
      assert.equal(typeof json.error, "string");
      assert.match(json.error, pattern);
    };
    await bad('{"event": "broken"', /JSON/i);
    await bad({ event: "unknown-field", room: "r" }, /unknown field/);
    await bad({ rooms: "r", event: "wrong-type" }, /rooms/);
    await bad({ rooms: ["r"], event: "wrong-args", args: "x" }, /args/);
    await bad({ rooms: ["r"], event: 7 }, /event/);

    // A marker to every socket proves what was not delivered.
    res = await api(gw, "/api/emit", { body: { event: "marker" } });
    assert.equal(res.status, 200);
    for (const x of [a, b, c]) await x.rec.waitFor("marker");
    const delivered = (x) => x.rec.names().filter((name) => !name.startsWith("presence:"));
    assert.deepEqual(delivered(a), ["news", "marker"]);
    assert.deepEqual(delivered(b), ["news", "only-b", "marker"]);
    assert.deepEqual(delivered(c), ["marker"]);

    // Rooms.
    res = await api(gw, "/api/rooms/r");
    assert.equal(res.status, 200);
    const room = await res.json();
    assert.equal(room.namespace, "/");
    assert.equal(room.room, "r");
    assert.equal(room.presence, true);
    assert.equal(room.count, 2);
    assert.deepEqual(sortedSids(room.members), [a.socket.id, b.socket.id].sort());
    assert.deepEqual(room.members.find((m) => m.sid === a.socket.id), { sid: a.socket.id, user: null, name: "A" });
    assert.equal((await api(gw, "/api/rooms/r", { key: null })).status, 401);
    assert.equal((await (await api(gw, "/api/rooms/nobody")).json()).count, 0);

    // Disconnect.
    const aGone = nextEvent(a.socket, "disconnect");
    const bGone = nextEvent(b.socket, "disconnect");
    res = await api(gw, "/api/disconnect", { body: { rooms: ["r"] } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, disconnected: 2 });
    assert.equal((await aGone)[0], "io server disconnect");
    assert.equal((await bGone)[0], "io server disconnect");
    assert.ok(c.socket.connected);
    res = await api(gw, "/api/emit", { body: { event: "marker2" } });
    assert.equal(res.status, 200);
    await c.rec.waitFor("marker2");
    assert.equal((await (await api(gw, "/api/rooms/r")).json()).count, 0);
    assert.equal((await api(gw, "/api/disconnect", { body: { rooms: ["r"], close: "yes" } })).status, 400);
  });

  it("without api.key the API is disabled (404)", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t);
    const res = await api(gw, "/api/emit", { key: "anything", body: { event: "x" } });
    assert.equal(res.status, 404);
    assert.equal((await api(gw, "/api/rooms/r", { key: null })).status, 404);
  });
});

// ---------------------------------------------------------------------------
describe("shutdown", () => {
  it("SIGTERM: clients see transport close, exit 0, they reconnect to the next server", TEST_OPTIONS, async (t) => {
    const shutdownMs = 2000;
    const port = await freePort();
    const first = await startGateway(t, ["--shutdown-timeout-ms", String(shutdownMs)], { port });
    assert.equal(first.port, port);
    const opts = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 };
    const a = await connectedClient(t, first.url, { ...opts, transports: ["websocket"] });
    // Default transports: wait for the upgrade, so the close reaches it over WebSocket
    // (polling clients: see the next test).
    const { socket: bSocket } = await connectedClient(t, first.url, opts);
    if (bSocket.io.engine.transport.name !== "websocket") await nextEvent(bSocket.io.engine, "upgrade");
    const ids = [a.socket.id, bSocket.id];

    const sockets = [a.socket, bSocket];
    const gone = sockets.map((socket) => nextEvent(socket, "disconnect"));
    const attempts = sockets.map((socket) => nextEvent(socket.io, "reconnect_attempt"));
    for (const p of attempts) p.catch(() => {}); // awaited below; no unhandled rejection if a step before fails
    const start = Date.now();
    first.terminate();
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, "transport close");
    for (const socket of sockets) assert.equal(socket.active, true, "the client would not reconnect");
    // Once clients were told, the shutdown has started: /readyz, if still served, is 503.
    const ready = await rawRequest(port, { path: "/readyz" }).catch(() => null);
    if (ready) {
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { status: "shutting down" });
    }
    // And a new handshake, if still answered, is refused.
    const late = await pollingHandshake(port).catch(() => null);
    if (late) assert.deepEqual([late.status, JSON.parse(late.body).message], [503, "server shutting down"]);
    await Promise.all(attempts);

    const { code, signal } = await withTimeout(first.exited, shutdownMs + 3000, "gateway to exit after SIGTERM");
    assert.equal(code, 0);
    assert.equal(signal, null);
    assert.ok(Date.now() - start < shutdownMs + 3000);
    assert.match(first.stdoutText, /disconnect sid=.* reason="server shutting down"/);

    const reconnected = sockets.map((socket) => nextEvent(socket, "connect", { ms: 8000 }));
    const second = await startGateway(t, [], { port });
    await Promise.all(reconnected);
    for (const socket of sockets) {
      assert.ok(socket.connected);
      assert.ok(!ids.includes(socket.id), "same socket id after reconnecting to a new server");
    }
    assert.deepEqual(await emitAck(a.socket, "join", "again"), { ok: true, room: "again" });
    await waitForLog(second, new RegExp(`connect sid=${a.socket.id}`));
  });

  it("SIGTERM: a polling session between two GETs gets its close packet", TEST_OPTIONS, async (t) => {
    // A long-polling client is, right after each poll response, without a GET at the
    // server. Its close must reach it as a close packet on its next GET ("transport
    // close" for socket.io-client), within shutdown_timeout_ms.
    const shutdownMs = 3000;
    const gw = await startGateway(t, ["--shutdown-timeout-ms", String(shutdownMs)]);
    const hs = await pollingHandshake(gw.port);
    assert.equal(hs.status, 200);
    const path = `/socket.io/?EIO=4&transport=polling&sid=${hs.sid}`;
    assert.equal((await rawRequest(gw.port, { method: "POST", path, body: "40" })).status, 200);
    const poll = await rawRequest(gw.port, { path });
    assert.match(poll.body, /^40\{"sid":/, "no socket.io CONNECT reply");
    await waitForLog(gw, /connect sid=/);

    gw.terminate();
    await waitForLog(gw, /received SIGTERM/);
    const next = await rawRequest(gw.port, { path }).catch((err) => ({ error: err.code ?? err.message }));
    assert.deepEqual(
      { status: next.status, packets: next.body?.split("\x1e"), error: next.error },
      { status: 200, packets: ["1"], error: undefined },
      "the next GET of a polling session did not get the close packet",
    );
    const { code } = await withTimeout(gw.exited, shutdownMs + 3000, "gateway to exit");
    assert.equal(code, 0);
  });
});

// ---------------------------------------------------------------------------
describe("static files and the client bundle", () => {
  it("serves the demo and the bundle; no path traversal", TEST_OPTIONS, async (t) => {
    const gw = await startGateway(t);
    const index = await boundedFetch(`${gw.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type"), /^text\/html/);
    assert.match(await index.text(), /socket\.io\.min\.js/);

    const bundle = await boundedFetch(`${gw.url}/socket.io/socket.io.min.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get("content-type"), /^application\/javascript/);
    const text = await bundle.text();
    assert.ok(text.length > 10000, `bundle is ${text.length} bytes`);
    const onDisk = readFileSync(join(REPO_ROOT, "node_modules/socket.io-client/dist/socket.io.min.js"), "utf8");
    assert.equal(text, onDisk, "the bundle is not socket.io-client's socket.io.min.js");

    for (const path of [
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2f..%2fetc%2fpasswd",
      "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
      "/static/../../../../etc/passwd",
      "/nonexistent.html",
    ]) {
      const res = await rawRequest(gw.port, { path });
      assert.equal(res.status, 404, `${path}: ${res.status}`);
      assert.doesNotMatch(res.body, /root:/);
    }
  });
});
