// The JS side of bench/compare's client row: N socket.io-client 4.8 sockets (forceNew: one
// Engine.IO connection each) in this one Node process, each in a closed loop of
// emit("echo", payload, ack) -> ack -> next emit; the same run and figures as
// bench/client_bench.cpp.
//
//   node bench/node/client_bench.mjs --url http://127.0.0.1:PORT --clients N --seconds S
//        [--transport websocket|polling] [--warmup S] [--payload BYTES]
//
// The clients connect first; once all are connected (or failed, or 30 s passed) each
// starts its loop, and `--warmup` seconds later the window of `--seconds` starts. (Loops
// started at connect saturate the server while the others connect: its accept queue
// overflowed and the last handshakes waited for SYN retransmissions, so connect_seconds
// measured the server's backlog, not the client.) Over the
// window only: acks, the process's CPU time (process.cpuUsage, user + system), threads;
// memory per client is the RSS after the warm-up minus the RSS before the clients were
// made, over the connected clients. One JSON line on stdout.
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const url = option("--url", "");
const clients = Number(option("--clients", "1"));
const seconds = Number(option("--seconds", "5"));
const warmup = Number(option("--warmup", "1"));
const transport = option("--transport", "websocket");
const payload = "x".repeat(Number(option("--payload", "32")));
if (!url || !(clients >= 1 && clients <= 1000) || !(seconds > 0) || !["websocket", "polling"].includes(transport)) {
  process.stderr.write("usage: node bench/node/client_bench.mjs --url http://127.0.0.1:PORT --clients N (1..1000) " +
    "--seconds S [--transport websocket|polling] [--warmup S] [--payload BYTES]\n");
  process.exit(2);
}

const threads = () => Number(/^Threads:\s*(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? -1);

let acks = 0;
let ackErrors = 0;
let connected = 0;
let failures = 0;
let firstError = "";
let stopping = false;
let warming = false;
const fail = (what) => {
  if (!firstError) firstError = what;
};

const rssBeforeKb = process.memoryUsage().rss / 1024;
const created = performance.now();
const sockets = [];

// The closed loop: the next emit leaves from the previous one's ack.
function emitNext(socket) {
  socket.emit("echo", payload, () => {
    if (stopping) return;
    ++acks;
    emitNext(socket);
  });
}

let startWarmup;
const allSettled = new Promise((resolve) => { startWarmup = resolve; });
const settle = () => {
  if (!warming && connected + failures === clients) {
    warming = true;
    startWarmup();
  }
};

for (let i = 0; i < clients; i++) {
  const socket = io(url, { transports: [transport], upgrade: false, forceNew: true, reconnection: false });
  let started = false;
  socket.on("connect", () => {
    if (started) return;
    started = true;
    ++connected;
    settle();
  });
  socket.on("connect_error", (err) => {
    fail(`connect_error: ${err.message}`);
    ++failures;
    settle();
  });
  socket.on("disconnect", (reason) => {
    if (stopping) return;
    fail(`disconnect: ${reason}`);
    ++failures;
    if (started) ++ackErrors;  // its loop ends with the connection (the C++ ack fails)
  });
  sockets.push(socket);
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
await Promise.race([allSettled, sleep(30)]);
const connectSeconds = (performance.now() - created) / 1000;
warming = true;
for (const socket of sockets) if (socket.connected) emitNext(socket);
let result;
if (connected === 0) {
  result = { clients, acks: 0, seconds: 0, acks_per_s: 0, cpu_us_per_ack: 0, rss_kb_per_client: 0, threads: threads(),
    client: "socket.io-client", transport, connected, failures, ack_errors: ackErrors, connect_seconds: connectSeconds };
} else {
  await sleep(warmup);
  const rssAfterKb = process.memoryUsage().rss / 1024;
  const begin = { at: performance.now(), cpu: process.cpuUsage(), acks };
  await sleep(seconds);
  const end = { at: performance.now(), cpu: process.cpuUsage(begin.cpu), acks };  // a delta
  const window = (end.at - begin.at) / 1000;
  const n = end.acks - begin.acks;
  const cpu = end.cpu.user + end.cpu.system;
  result = {
    clients, acks: n, seconds: window, acks_per_s: n / window, cpu_us_per_ack: n ? cpu / n : 0,
    rss_kb_per_client: (rssAfterKb - rssBeforeKb) / connected, threads: threads(),
    client: "socket.io-client", transport, connected, failures, ack_errors: ackErrors, connect_seconds: connectSeconds,
    cpu_user_us_per_ack: n ? end.cpu.user / n : 0, cpu_sys_us_per_ack: n ? end.cpu.system / n : 0,
    cpu_utilization: cpu / (window * 1e6), rss_before_kb: rssBeforeKb, rss_after_kb: rssAfterKb,
  };
}
if (firstError) result.first_error = firstError;
stopping = true;
for (const s of sockets) s.close();
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(connected === clients && failures === 0 ? 0 : 1);
