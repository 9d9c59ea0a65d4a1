// The recovery row of bench/compare: how long clients whose node stops take to get back
// every event they missed, with connection state recovery on the Streams adapter.
//
//   node bench/node/recovery_bench.mjs --url NGINX --publisher URL --victim-pid PID
//        [--clients N] [--interval MS] [--signal SIGTERM]
//
// N socket.io-client clients connect through nginx (which sends them all to the victim
// while it lives, then to the next node) and join "live"; a publisher on a third node asks
// for one broadcast of "tick"(seq) to the room every MS. Once every client has seen ten
// ticks the victim gets the signal; each client then reconnects (reconnectionDelay 100 ms,
// no jitter) and is recovered. Its recovery time runs from its disconnect to the moment
// it holds every tick published before its reconnection. Prints one JSON line: recovery
// time p50 / p99 / max, how many were recovered, and the ticks lost or received twice.
import { io } from "socket.io-client";

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const url = arg("--url");
const clients = Number(arg("--clients", "200"));
const interval = Number(arg("--interval", "5"));
const victim = Number(arg("--victim-pid"));
const signal = arg("--signal", "SIGTERM");
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);

const options = { forceNew: true, transports: ["websocket"], reconnectionDelay: 100, reconnectionDelayMax: 1000,
  randomizationFactor: 0 };
const publisher = io(arg("--publisher"), { forceNew: true, transports: ["websocket"] });
await within(new Promise((r) => publisher.once("connect", r)), 10000, "the publisher");

const states = [];
for (let i = 0; i < clients; ++i) {
  const socket = io(url, options);
  const s = { socket, seen: new Map(), disconnectedAt: 0, reconnectedAt: 0, target: 0, recoveredAt: 0, recovered: false };
  states.push(s);
  socket.on("tick", (seq) => {
    s.seen.set(seq, (s.seen.get(seq) ?? 0) + 1);
    if (s.target && !s.recoveredAt && s.seen.has(s.target)) s.recoveredAt = performance.now();
  });
  socket.on("disconnect", () => { if (!s.disconnectedAt) s.disconnectedAt = performance.now(); });
  socket.on("connect", () => {
    if (!s.disconnectedAt) return;
    s.reconnectedAt = performance.now();
    s.recovered = socket.recovered;
    s.target = seq;  // every tick asked for before the reconnection
    if (s.seen.has(s.target)) s.recoveredAt = s.reconnectedAt;
  });
}
await within(Promise.all(states.map((s) => new Promise((resolve) => {
  s.socket.once("connect", () => s.socket.emit("join", "live", resolve));
}))), 60000, "the clients to connect and join");

// Ticks until the end; the seq of a tick counts once its broadcast was asked for.
let seq = 0;
let ticking = true;
const ticks = (async () => {
  while (ticking) {
    ++seq;
    publisher.emit("burst", "live", 1, seq, "x");
    await new Promise((r) => setTimeout(r, interval));
  }
})();
const until = async (cond, ms, what) => {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
await until(() => states.every((s) => s.seen.size >= 10), 30000, "ten ticks at every client");
process.kill(victim, signal);
let error = null;
try {
  await until(() => states.every((s) => s.recoveredAt), 60000, "every client to recover");
} catch (e) {
  error = e.message;
}
ticking = false;
await ticks;
// The last ticks reach every client before the count.
const last = seq;
await until(() => states.every((s) => s.seen.has(last)), 10000, "the last tick").catch((e) => { error ??= e.message; });

const times = states.filter((s) => s.recoveredAt).map((s) => s.recoveredAt - s.disconnectedAt).sort((a, b) => a - b);
const pick = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * (times.length - 1)))] : 0);
let lost = 0;
let duplicated = 0;
for (const s of states) {
  const first = Math.min(...s.seen.keys());
  for (let k = first; k <= last; ++k) {
    const n = s.seen.get(k) ?? 0;
    if (n === 0) ++lost;
    if (n > 1) duplicated += n - 1;
  }
}
const reconnect = states.filter((s) => s.reconnectedAt).map((s) => s.reconnectedAt - s.disconnectedAt).sort((a, b) => a - b);
console.log(JSON.stringify({
  clients, signal, interval_ms: interval, ticks: last,
  recovered: states.filter((s) => s.recovered).length,
  recovery_ms: { p50: pick(0.5), p99: pick(0.99), max: times.at(-1) ?? 0 },
  reconnect_ms_p50: reconnect[Math.floor((reconnect.length - 1) / 2)] ?? 0,
  lost, duplicated, error,
}));
for (const s of states) s.socket.close();
publisher.close();
process.exit(error ? 1 : 0);
