// bench/soak's driver: sockio-server (the demo, in-memory) against bench/sockio-soak's churn
// (connect, join a room, publish with an ack, receive the room's ticks, leave, again), one
// line of figures per interval; then the checks: no failure, the server's sessions,
// sockets and descriptors back to where they were, its RSS back within 10 % of the
// post-warm-up figure and at most half of its growth kept once the clients are gone, the
// acks' p99 steady over the run.
//   node bench/soak.mjs --build DIR [--clients N] [--seconds S] [--interval S] [--warmup S]
//                       [--lifetime-s MIN,MAX] [--publish-ms MS] [--room-size N] [--record]
// --record writes bench/results/soak.json (every interval's row and the checks). Exit code 1 when a check fails.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const build = arg("--build", path.join(here, "../build/release"));
const clients = Number(arg("--clients", "15000"));
const seconds = Number(arg("--seconds", "600"));
const interval = Number(arg("--interval", "60"));
const warmup = Number(arg("--warmup", "60"));
const lifetime = arg("--lifetime-s", "10,60");
const publishMs = arg("--publish-ms", "5000");
const roomSize = arg("--room-size", "10");
const record = args.includes("--record");
const GATEWAY = path.join(build, "apps/sockio-server/sockio-server");
const SOAK = path.join(build, "bench/sockio-soak");
const cores = os.cpus().length;
const pin = (core) => (cores >= 2 ? ["taskset", "-c", String(core)] : []);

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const descriptors = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[(s.length >> 1) - 1] + s[s.length >> 1]) / 2) : 0;
};

// The gateway's Engine.IO sessions and sockets, from its Prometheus text.
async function serverCounts(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (family) => [...text.matchAll(new RegExp(`^${family}(?:\\{[^}]*\\})? (\\d+)`, "gm"))]
    .reduce((n, m) => n + Number(m[1]), 0);
  return { sessions: sum("sockio_connections"), sockets: sum("sockio_sockets") };
}

// Polls `probe` (every 100 ms, at most `ms`) until it returns true: the server offers no
// event for "every session is gone", so its counters are read until they say so.
async function until(probe, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const port = await freePort();
const limit = String(clients * 2 + 100);
const server = spawn(pin(0)[0] ?? GATEWAY, [...pin(0).slice(1), ...(cores >= 2 ? [GATEWAY] : []), "--port", String(port),
  "--host", "127.0.0.1", "--log-level", "warn", "--limits-max-connections", limit, "--limits-max-connections-per-ip", limit],
{ stdio: ["ignore", "inherit", "inherit"] });
let soak;
const stopAll = () => {
  for (const p of [soak, server]) if (p && p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
};
process.on("exit", stopAll);
const serverExit = new Promise((resolve) => server.once("exit", (code, signal) => resolve({ code, signal })));

const checks = [];
const check = (ok, what) => checks.push({ ok: Boolean(ok), what });
const rows = [];
let baseline = null;
let final = null;
try {
  // Listening: its /metrics answers (at log level warn it prints no line for it).
  if (!(await until(() => serverCounts(port).then(() => true, () => false), 10000))) {
    throw new Error("sockio-server did not start listening");
  }
  const start = { rss: rssKib(server.pid), fds: descriptors(server.pid) };
  process.stdout.write(`soak: ${clients} clients for ${seconds} s against sockio-server (pid ${server.pid}, ` +
    `RSS ${(start.rss / 1024).toFixed(1)} MB, ${start.fds} descriptors at start)\n`);
  process.stdout.write("   t s |   open | connects | leaves |   acks | deliveries | failures | ack p50 ms | p99 ms | RSS MB | fds\n");
  soak = spawn(pin(1)[0] ?? SOAK, [...pin(1).slice(1), ...(cores >= 2 ? [SOAK] : []), "--port", String(port),
    "--clients", String(clients), "--duration", String(seconds), "--interval", String(interval),
    "--lifetime-s", lifetime, "--publish-ms", publishMs, "--room-size", roomSize,
    "--ramp-s", String(Math.min(warmup, 10))], { stdio: ["ignore", "pipe", "inherit"] });
  const soakExit = new Promise((resolve) => soak.once("exit", (code) => resolve(code)));
  for await (const text of readline.createInterface({ input: soak.stdout })) {
    const line = JSON.parse(text);
    if (line.done) {
      final = line;
      continue;
    }
    const row = { ...line, rss_kib: rssKib(server.pid), fds: descriptors(server.pid) };
    rows.push(row);
    if (baseline === null && row.t >= warmup - 1e-6) baseline = row.rss_kib;
    process.stdout.write(`${row.t.toFixed(0).padStart(6)} | ${String(row.open).padStart(6)} | ${String(row.connects).padStart(8)} | ` +
      `${String(row.leaves).padStart(6)} | ${String(row.acks).padStart(6)} | ${String(row.deliveries).padStart(10)} | ` +
      `${String(row.failures).padStart(8)} | ${row.ack_ms.p50.toFixed(2).padStart(10)} | ${row.ack_ms.p99.toFixed(2).padStart(6)} | ` +
      `${(row.rss_kib / 1024).toFixed(1).padStart(6)} | ${row.fds}\n`);
  }
  const soakCode = await soakExit;
  check(final !== null && soakCode !== 2, `sockio-soak ran to its end (exit code ${soakCode})`);
  check(final?.failures === 0, `no client failed (${final?.failures} failures${final?.first_error ? `; first: ${final.first_error}` : ""})`);
  check(final?.acks > 0 && final?.deliveries > 0, `traffic flowed (${final?.acks} acks, ${final?.deliveries} ticks delivered)`);
  check(rows.reduce((n, r) => n + r.leaves, 0) > 0, `connections came and went (${rows.reduce((n, r) => n + r.leaves, 0)} left)`);
  let counts = null;
  const drained = await until(async () => {
    counts = await serverCounts(port);
    return counts.sessions === 0 && counts.sockets === 0;
  }, 15000);
  check(drained, `sessions and sockets back to zero (${counts?.sessions} sessions, ${counts?.sockets} sockets)`);
  let fds = null;
  const closed = await until(() => (fds = descriptors(server.pid)) <= start.fds, 15000);
  check(closed, `descriptors back to ${start.fds} (${fds})`);
  // Memory given back once the clients are gone (the server trims its heap a second after
  // a shard's sessions halved): at least a quarter of the growth to the peak. Not all of
  // it: the objects that outlive the connections (Asio's descriptor pool, the rooms'
  // tables) pin the pages they share with freed ones (docs/performance.md).
  const peakRss = Math.max(...rows.map((r) => r.rss_kib));
  const keptAtMost = peakRss - (peakRss - start.rss) / 4;
  let endRss = null;
  const givenBack = await until(() => (endRss = rssKib(server.pid)) <= keptAtMost, 5000);
  check(baseline !== null && endRss <= baseline * 1.1,
    `RSS back within 10 % of the post-warm-up ${(baseline / 1024).toFixed(1)} MB (${(endRss / 1024).toFixed(1)} MB)`);
  check(givenBack, `memory given back: RSS ${(endRss / 1024).toFixed(1)} MB after the clients left, at most ` +
    `${(keptAtMost / 1024).toFixed(1)} MB (start ${(start.rss / 1024).toFixed(1)} MB, peak ${(peakRss / 1024).toFixed(1)} MB)`);
  // Steady latency: the later half's intervals no worse than twice the earlier half's
  // (plus 2 ms, the noise of a shared machine at sub-millisecond figures).
  const measured = rows.filter((r) => r.t > warmup + 1e-6 && r.acks > 0).map((r) => r.ack_ms.p99);
  const half = Math.floor(measured.length / 2);
  const early = median(measured.slice(0, Math.max(half, 1)));
  const late = median(measured.slice(half));
  check(measured.length >= 2 && late <= 2 * early + 2,
    `ack p99 steady (median of the earlier intervals ${early.toFixed(2)} ms, of the later ${late.toFixed(2)} ms)`);
  check(server.exitCode === null && server.signalCode === null, "sockio-server still running");
  server.kill("SIGTERM");
  const { code, signal } = await serverExit;
  check(code === 0, `sockio-server stopped cleanly on SIGTERM (code ${code}, signal ${signal})`);
  for (const c of checks) process.stdout.write(`${c.ok ? "ok  " : "FAIL"} ${c.what}\n`);
  if (record) {
    const out = path.join(here, "results");
    mkdirSync(out, { recursive: true });
    const report = { date: new Date().toISOString(), machine: `${os.cpus()[0]?.model} x${cores}`, clients, seconds,
      interval, warmup, lifetime, publish_ms: Number(publishMs), room_size: Number(roomSize), start, baseline_rss_kib: baseline,
      peak_rss_kib: peakRss, end_rss_kib: endRss, rows, final, checks };
    writeFileSync(path.join(out, "soak.json"), JSON.stringify(report, null, 2) + "\n");
  }
} catch (err) {
  process.stdout.write(`FAIL ${err.message}\n`);
  process.exitCode = 1;
} finally {
  stopAll();
}
if (checks.some((c) => !c.ok)) process.exitCode = 1;
