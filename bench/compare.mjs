// Drives bench/compare: each server pinned to one core (taskset), the load generator on
// the other; every scenario against Node socket.io and sockio (threads=1) in the same run,
// then sockio with threads=2 for the scaling row, and the raw WebSocket echo ceiling; last,
// the client row: sockio::client against socket.io-client, both against the Node server;
// and the Redis rows: four nodes on a local Redis Cluster (classic and sharded adapters),
// and the recovery time after a node stops (Streams adapter).
// Each scenario runs `--rounds` times (3; 1 with --quick), the servers alternating within a
// round; the report gives the median with min–max, ratios are medians of same-round pairs,
// and the JSON keeps every run. Every run also records the CPU each side used (percent of
// its core), so that a figure bound by the load generator is seen as such.
//   node bench/compare.mjs --build DIR [--quick] [--rounds N] [--only client|redis]
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const build = args[args.indexOf("--build") + 1];
// --only client: the client row alone, written to bench/results/client.{json,md}; --only
// redis: the Redis rows alone, to bench/results/redis.{json,md}.
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
if (only !== null && only !== "client" && only !== "redis") {
  process.stderr.write(`compare: --only takes "client" or "redis" (got ${only})\n`);
  process.exit(2);
}
const rounds = args.includes("--rounds") ? Number(args[args.indexOf("--rounds") + 1]) : quick ? 1 : 3;
if (!(rounds >= 1)) {
  process.stderr.write("compare: --rounds takes a count of at least 1\n");
  process.exit(2);
}
const BENCH = path.join(build, "bench/sockio-bench");
const SERVER = path.join(build, "bench/bench_server");
const RAW = path.join(build, "bench/raw_ws_echo");
const CLIENT = path.join(build, "bench/client_bench");
const cores = os.cpus().length;
const pin = (core) => (cores >= 2 ? ["taskset", "-c", String(core)] : []);
const serverCores = cores >= 2 ? "0" : null;
const generatorCore = cores >= 2 ? 1 : null;

const plan = quick
  ? { connect: 1000, echoClients: 50, echoSeconds: 3, fanout1k: [1000, 20], fanout10k: [10000, 3], idle: 5000,
      cluster: [400, 10], clusterPaced: [50, 50], client: { counts: [1, 100, 300], seconds: 3, warmup: 0.5 },
      redis: { clients: 400, bursts: 10, recoveryClients: 100 } }
  : { connect: 5000, echoClients: 100, echoSeconds: 10, fanout1k: [1000, 100], fanout10k: [10000, 20], idle: 15000,
      cluster: [1000, 100], clusterPaced: [100, 200], client: { counts: [1, 100, 1000], seconds: 8, warmup: 1 },
      redis: { clients: 2000, bursts: 50, recoveryClients: 500 } };

function startServer(kind, threads = 1, extra = []) {
  const [cmd, ...rest] = {
    node: ["node", path.join(here, "node/server.mjs"), "--port", "0", ...extra],
    sockio: [SERVER, "--port", "0", "--host", "127.0.0.1", "--threads", String(threads), ...extra],
    raw: [RAW, "--port", "0", "--host", "127.0.0.1"],
  }[kind];
  const pinned = threads > 1 || !serverCores ? [] : ["taskset", "-c", serverCores];
  const argv = [...pinned, cmd, ...rest];
  const proc = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 10000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /listening on port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]) });
      }
    });
    proc.once("exit", (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
}

async function stopServer(server) {
  const exited = new Promise((r) => server.proc.once("exit", r));
  server.proc.kill("SIGTERM");
  const timer = setTimeout(() => server.proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function bench(server, scenario, extra) {
  const argv = [...(generatorCore !== null ? pin(generatorCore) : []), BENCH, "--port", String(server.port),
    "--scenario", scenario, "--json", ...extra];
  try {
    const { stdout } = await run(argv[0], argv.slice(1), { timeout: 600000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split("\n").pop());
  } catch (err) {
    // sockio-bench exits 1 when some clients failed; while others connected, its figures
    // describe them, and the failures are reported under the table.
    const partial = err.stdout?.trim() ? JSON.parse(err.stdout.trim().split("\n").pop()) : null;
    if (!partial?.connected) throw err;
    return partial;
  }
}

// One scenario on a fresh server (memory figures stay independent).
async function measure(kind, scenario, extra, threads = 1) {
  const server = await startServer(kind, threads);
  try {
    const result = await bench(server, scenario, [...extra, "--server-pid", String(server.proc.pid)]);
    process.stderr.write(`  ${kind}${threads > 1 ? ` x${threads}` : ""} ${scenario} ${extra.join(" ")}: done\n`);
    return result;
  } finally {
    await stopServer(server);
  }
}

const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const range = (values) => [Math.min(...values), Math.max(...values)];

// `rounds` rounds of `measureOne(kind)` for each kind; the kinds' order turns by one each
// round, so that neither side always runs first (or on a machine that has warmed up).
async function inRounds(label, kinds, measureOne) {
  const runs = [];
  for (let round = 0; round < rounds; ++round) {
    if (rounds > 1) process.stderr.write(`${label}: round ${round + 1} of ${rounds}\n`);
    const run = {};
    for (let i = 0; i < kinds.length; ++i) {
      const kind = kinds[(i + round) % kinds.length];
      run[kind] = await measureOne(kind);
    }
    runs.push(run);
  }
  return runs;
}

// The run of `kind` whose `figure` is the median one (the lower middle for an even count):
// its other figures (latencies, failures) go with it into the tables.
const medianRun = (runs, kind, figure) =>
  runs.map((r) => r[kind]).sort((x, y) => figure(x) - figure(y))[(runs.length - 1) >> 1];

// A figure over the rounds: median and min–max of each side, the ratio (>1: `b` better)
// as the median of the rounds' own ratios, and each side's median CPU.
function summarize(runs, figure, higher, a = "node", b = "sockio") {
  const fa = runs.map((r) => figure(r[a]));
  const fb = runs.map((r) => figure(r[b]));
  const ratios = runs.map((_, i) => (higher ? fb[i] / fa[i] : fa[i] / fb[i]));
  const cpu = (kind) => {
    const samples = runs.map((r) => r[kind].cpu_percent).filter(Boolean);
    if (!samples.length) return null;
    return { server: median(samples.map((c) => c.server ?? 0)), generator: median(samples.map((c) => c.generator)) };
  };
  return { [a]: median(fa), [`${a}_range`]: range(fa), [b]: median(fb), [`${b}_range`]: range(fb),
    ratio: median(ratios), ratio_range: range(ratios), cpu: { [a]: cpu(a), [b]: cpu(b) } };
}

// Which side a figure was bound by: the one near 100 % of its core (the generator first:
// a figure it limits measures the generator, not the server).
function boundBy(cpu) {
  if (!cpu) return "-";
  if (cpu.generator >= 90) return "generator";
  if (cpu.server >= 90) return "server";
  return "neither";
}

// The cluster row: a redis-server and two nodes (all on the servers' core), half the
// receivers on each; the broadcasts start on node A and reach node B through Redis.
async function measureCluster(kind) {
  const { createClient } = await import("redis");
  const redisPort = await new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const redisArgv = [...(serverCores ? ["taskset", "-c", serverCores] : []), "redis-server", "--port", String(redisPort),
    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const redis = spawn(redisArgv[0], redisArgv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    let out = "";
    redis.stdout.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    redis.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  const url = `redis://127.0.0.1:${redisPort}`;
  const nodes = [];
  try {
    nodes.push(await startServer(kind, 1, ["--redis", url]), await startServer(kind, 1, ["--redis", url]));
    const control = createClient({ url });
    await control.connect();
    for (let i = 0; i < 200; i++) {  // both nodes subscribed (Redis offers no event for it)
      if ((await control.pubSubNumSub("socket.io-request#/#"))["socket.io-request#/#"] === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await control.disconnect();
    const [clients, bursts] = plan.cluster;
    const port2 = ["--port2", String(nodes[1].port), "--server-pid", String(nodes[0].proc.pid)];
    const result = await bench(nodes[0], "fanout", ["--clients", String(clients), "--bursts", String(bursts), ...port2]);
    // The latency of one broadcast at a time to fewer receivers (no queueing): what the
    // Redis hop adds.
    const [pacedClients, pacedBursts] = plan.clusterPaced;
    result.paced = await bench(nodes[0], "fanout", ["--clients", String(pacedClients), "--bursts", String(pacedBursts),
      "--paced", ...port2]);
    process.stderr.write(`  ${kind} cluster fanout: done\n`);
    return result;
  } finally {
    for (const n of nodes) await stopServer(n);
    redis.kill("SIGKILL");
  }
}

// The client row: one client process (on the generator's core) with N clients in a closed
// echo-with-ack loop through a fresh Node server (on the servers' core); sockio::client
// (bench/client_bench.cpp, one thread) and socket.io-client (bench/node/client_bench.mjs).
async function measureClient(kind, clients) {
  const server = await startServer("node");
  const { seconds, warmup } = plan.client;
  const common = ["--url", `http://127.0.0.1:${server.port}`, "--clients", String(clients), "--seconds", String(seconds),
    "--warmup", String(warmup)];
  const cmd = kind === "sockio" ? [CLIENT, ...common] : ["node", path.join(here, "node/client_bench.mjs"), ...common];
  const argv = [...(generatorCore !== null ? pin(generatorCore) : []), ...cmd];
  try {
    const { stdout } = await run(argv[0], argv.slice(1), { timeout: 120000, maxBuffer: 1 << 20 });
    process.stderr.write(`  ${kind} client x${clients}: done\n`);
    return JSON.parse(stdout.trim().split("\n").pop());
  } catch (err) {
    // Exit 1: some clients failed; the figures are over the ones that connected.
    const partial = err.stdout?.trim() ? JSON.parse(err.stdout.trim().split("\n").pop()) : null;
    if (!partial?.connected) throw err;
    return partial;
  } finally {
    await stopServer(server);
  }
}

async function measureClients() {
  const rows = {};
  for (const n of plan.client.counts) {
    const runs = await inRounds(`client x${n}`, ["js", "sockio"], (kind) => measureClient(kind, n));
    const cpu = summarize(runs, (r) => r.cpu_us_per_ack, false, "js", "sockio");
    const memory = summarize(runs, (r) => r.rss_kb_per_client, false, "js", "sockio");
    rows[n] = { js: medianRun(runs, "js", (r) => r.cpu_us_per_ack), sockio: medianRun(runs, "sockio", (r) => r.cpu_us_per_ack),
      cpu_ratio: cpu.ratio, cpu_ratio_range: cpu.ratio_range, memory_ratio: memory.ratio,
      memory_ratio_range: memory.ratio_range, runs };
  }
  return rows;
}

// The Redis rows reuse the interop tests' Redis and nginx helpers (each takes a scope
// that collects its cleanups).
async function redisHelpers() {
  // The fixtures' paths are read when the helpers load; the benchmark starts none of them.
  for (const name of ["SOCKIO_CLUSTER_NODE", "SOCKIO_GATEWAY"]) process.env[name] ??= "(unused by the benchmark)";
  return import("../tests/interop/cluster_helpers.mjs");
}
function cleanupScope() {
  const cleanups = [];
  return { after: (fn) => cleanups.push(fn), close: async () => { for (const fn of cleanups.reverse()) await fn(); } };
}
const pinToServers = (pid) => serverCores && execFileSync("taskset", ["-pc", serverCores, String(pid)], { stdio: "ignore" });

// Four nodes on a local Redis Cluster of three masters (all on the servers' core), node i
// on master i % 3; client i on node i % 4 in that node's room, each room's broadcasts
// asked for on the next node: every broadcast crosses Redis to the one node holding its
// room. The classic adapter sends each to every node; the sharded one to the room's.
async function measureRedisCluster(kind, adapter) {
  const { startRedisCluster, redisClient } = await redisHelpers();
  const scope = cleanupScope();
  const nodes = [];
  try {
    const cluster = await startRedisCluster(scope, { masters: 3 });
    for (const n of cluster.nodes) pinToServers(n.proc.pid);
    for (let i = 0; i < 4; ++i) {
      nodes.push(await startServer(kind, 1, ["--redis", cluster.nodes[i % 3].url, "--adapter", adapter, "--redis-cluster"]));
    }
    // Every node subscribed: the main channel's subscribers, summed over the masters.
    const [command, channel] = adapter === "redis-sharded" ? ["SHARDNUMSUB", "socket.io#/#"]
      : ["NUMSUB", "socket.io-request#/#"];
    const clients = await Promise.all(cluster.nodes.map((n) => redisClient(scope, n)));
    for (let i = 0; ; ++i) {
      const counts = await Promise.all(clients.map((c) => c.sendCommand(["PUBSUB", command, channel])));
      if (counts.reduce((sum, [, n]) => sum + Number(n), 0) >= 4) break;
      if (i > 200) throw new Error(`${kind} ${adapter}: the four nodes did not subscribe`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { clients: n, bursts } = plan.redis;
    const result = await bench(nodes[0], "fanout", ["--clients", String(n), "--bursts", String(bursts),
      "--nodes", nodes.slice(1).map((x) => x.port).join(","), "--server-pid", String(nodes[0].proc.pid)]);
    process.stderr.write(`  ${kind} ${adapter} on a Redis Cluster, 4 nodes: done\n`);
    return result;
  } finally {
    for (const x of nodes) await stopServer(x);
    await scope.close();
  }
}

// Three nodes on one Redis with the Streams adapter and connection state recovery, nginx
// in front of two: the clients reach the first (the second is nginx's backup); a
// publisher on the third ticks to their room; the first gets SIGTERM and its clients are
// recovered on the second (bench/node/recovery_bench.mjs).
async function measureRecovery(kind) {
  const { startRedis, startNginx, redisClient, waitForReaders } = await redisHelpers();
  const scope = cleanupScope();
  const nodes = [];
  try {
    const redis = await startRedis(scope);
    pinToServers(redis.proc.pid);
    for (let i = 0; i < 3; ++i) nodes.push(await startServer(kind, 1, ["--redis", redis.url, "--adapter", "redis-streams", "--recovery"]));
    await waitForReaders(await redisClient(scope, redis), 3);
    const nginx = await startNginx(scope, [nodes[0], { port: `${nodes[1].port} backup` }], { sticky: false });
    pinToServers(nginx.pid);
    const argv = [...(generatorCore !== null ? pin(generatorCore) : []), "node", path.join(here, "node/recovery_bench.mjs"),
      "--url", nginx.url, "--publisher", `http://127.0.0.1:${nodes[2].port}`, "--victim-pid", String(nodes[0].proc.pid),
      "--clients", String(plan.redis.recoveryClients)];
    let result;
    try {
      result = JSON.parse((await run(argv[0], argv.slice(1), { timeout: 180000 })).stdout.trim().split("\n").pop());
    } catch (err) {
      if (!err.stdout?.trim()) throw err;
      result = JSON.parse(err.stdout.trim().split("\n").pop());
    }
    process.stderr.write(`  ${kind} recovery after a node stops: done\n`);
    return result;
  } finally {
    for (const x of nodes) if (x.proc.exitCode === null && x.proc.signalCode === null) await stopServer(x);
    await scope.close();
  }
}

async function measureRedisRows() {
  const rows = {};
  const deliveries = (r) => r.deliveries_per_second;
  for (const adapter of ["redis", "redis-sharded"]) {
    const runs = await inRounds(`redis ${adapter}`, ["node", "sockio"], (kind) => measureRedisCluster(kind, adapter));
    const { ratio, ratio_range, cpu } = summarize(runs, deliveries, true);
    rows[adapter] = { node: medianRun(runs, "node", deliveries), sockio: medianRun(runs, "sockio", deliveries), ratio,
      ratio_range, cpu, runs };
  }
  const runs = await inRounds("recovery", ["node", "sockio"], measureRecovery);
  // Fewer recovered is worse whatever the time; then the slower p50.
  const recovery = (r) => -r.recovered * 1e9 + (r.recovery_ms?.p50 ?? 0);
  rows.recovery = { node: medianRun(runs, "node", recovery), sockio: medianRun(runs, "sockio", recovery), runs };
  return rows;
}

const redisFailures = (rows) => [
  ...["redis", "redis-sharded"].flatMap((a) => rows[a].runs.flatMap((run, i) => ["node", "sockio"].filter((k) =>
    run[k].failures > 0 || run[k].deliveries < run[k].expected_deliveries).map((k) => `${a} ${k} (round ${i + 1}): ` +
    `${run[k].deliveries} of ${run[k].expected_deliveries} deliveries, ${run[k].failures} clients failed ` +
    `(${run[k].first_error ?? "-"})`))),
  ...rows.recovery.runs.flatMap((run, i) => ["node", "sockio"].filter((k) => run[k].error || run[k].lost || run[k].duplicated)
    .map((k) => `recovery ${k} (round ${i + 1}): ${run[k].lost} ticks lost, ${run[k].duplicated} received twice, ` +
      `${run[k].recovered} of ${run[k].clients} clients recovered` + (run[k].error ? ` (${run[k].error})` : ""))),
];

function redisTable(rows) {
  const f = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : Number(v).toFixed(2));
  const { clients, bursts, recoveryClients } = plan.redis;
  const d = (a, k) => rows[a][k].deliveries_per_second;
  const r = (k) => rows.recovery[k];
  return [
    `Redis Cluster: three masters and four nodes on core 0, the load generator on core 1; ${clients} clients, a quarter ` +
      `on each node in that node's room; ${bursts} broadcasts to each room at once, asked for on another node (every ` +
      "delivery crosses Redis; the room lives on one node).", "",
    `Each cell is the median of ${rounds} round${rounds > 1 ? "s" : ""} (the run with the median deliveries/s for ` +
      "the latencies; recovery: the median run); the ratio is the median of the rounds' ratios, with min–max.", "",
    "| adapter | deliveries/s Node | sockio | ratio | delivery p50 ms Node | sockio | p99 ms Node | sockio |",
    "|---|---|---|---|---|---|---|---|",
    ...["redis", "redis-sharded"].map((a) => `| ${a === "redis" ? "classic" : "sharded"} | ${f(d(a, "node"))} | ` +
      `${f(d(a, "sockio"))} | ${span(rows[a].ratio, rows[a].ratio_range)} | ${f(rows[a].node.latency_ms.p50)} | ` +
      `${f(rows[a].sockio.latency_ms.p50)} | ${f(rows[a].node.latency_ms.p99)} | ${f(rows[a].sockio.latency_ms.p99)} |`),
    "",
    `Recovery (Streams adapter, one Redis, nginx): ${recoveryClients} clients on a node that gets SIGTERM while a third ` +
      `node ticks to their room every ${r("sockio").interval_ms} ms; each reconnects (100 ms delay) to the next node; ` +
      "time from its disconnect to holding every tick asked for before its reconnection.", "",
    "| servers | recovered | recovery p50 ms | p99 ms | max ms | reconnect p50 ms | lost | duplicated |",
    "|---|---|---|---|---|---|---|---|",
    ...["node", "sockio"].map((k) => `| ${k === "node" ? "Node" : "sockio"} | ${r(k).recovered} of ${r(k).clients} | ` +
      `${f(r(k).recovery_ms.p50)} | ${f(r(k).recovery_ms.p99)} | ${f(r(k).recovery_ms.max)} | ${f(r(k).reconnect_ms_p50)} | ` +
      `${r(k).lost} | ${r(k).duplicated} |`),
    "",
  ];
}

const clientFailures = (rows) => Object.entries(rows).flatMap(([n, row]) => row.runs.flatMap((r, i) => ["js", "sockio"]
  .filter((k) => r[k].failures > 0 || r[k].ack_errors > 0)
  .map((k) => `client x${n} ${k} (round ${i + 1}): ${r[k].failures} of ${r[k].clients} clients failed, ` +
    `${r[k].ack_errors} loops broken (${r[k].first_error ?? "?"})`)));

function clientTable(rows) {
  const f = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : Number(v).toFixed(2));
  return [
    `Client: one process with N clients in a closed echo-with-ack loop (${plan.client.seconds} s) through the Node server ` +
      "(core 0), the client process on core 1; socket.io-client 4.8 in Node against sockio::client (one io_context, one thread). " +
      `Figures of the run with the median CPU/ack of ${rounds} round${rounds > 1 ? "s" : ""}; ratios: median of the rounds' ratios (min–max).`, "",
    "| clients | CPU/ack µs JS | sockio | ratio (goal ≥ 5) | KB/client JS | sockio | ratio (goal ≥ 10) | acks/s JS | sockio | threads JS | sockio (goal 1) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...Object.entries(rows).map(([n, r]) => `| ${n} | ${f(r.js.cpu_us_per_ack)} | ${f(r.sockio.cpu_us_per_ack)} | ` +
      `${span(r.cpu_ratio, r.cpu_ratio_range)} | ${f(r.js.rss_kb_per_client)} | ${f(r.sockio.rss_kb_per_client)} | ` +
      `${span(r.memory_ratio, r.memory_ratio_range)} | ` +
      `${f(r.js.acks_per_s)} | ${f(r.sockio.acks_per_s)} | ${r.js.threads} | ${r.sockio.threads} |`),
    "",
  ];
}

// A ratio with its min–max over the rounds (the range only when there were several).
const span = (ratio, [lo, hi] = [ratio, ratio]) =>
  rounds > 1 ? `${ratio.toFixed(2)} (${lo.toFixed(2)}–${hi.toFixed(2)})` : ratio.toFixed(2);

const commit = (() => { try { return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here }).toString().trim(); } catch { return "unknown"; } })();
const machine = `${os.cpus()[0]?.model ?? "cpu"} x${cores}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
const outDir = path.join(here, "results");

if (only === "client") {
  process.stderr.write("client\n");
  const client = await measureClients();
  const failures = clientFailures(client);
  const report = { date: new Date().toISOString(), machine, commit, quick, rounds, plan: plan.client, client, failures };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "client.json"), JSON.stringify(report, null, 2) + "\n");
  const lines = [`# Benchmark: sockio::client vs socket.io-client 4.8`, "",
    `${report.date} · ${machine} · commit ${commit}${quick ? " · --quick" : ""} · ${rounds} round(s)`, "", ...clientTable(client),
    ...failures.map((f) => `Failures: ${f}`), ...(failures.length ? [""] : [])];
  writeFileSync(path.join(outDir, "client.md"), lines.join("\n"));
  process.stdout.write(lines.join("\n") + "\n");
  process.exit(0);
}

if (only === "redis") {
  process.stderr.write("redis\n");
  const redis = await measureRedisRows();
  const failures = redisFailures(redis);
  const report = { date: new Date().toISOString(), machine, commit, quick, rounds, plan: plan.redis, redis, failures };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "redis.json"), JSON.stringify(report, null, 2) + "\n");
  const lines = [`# Benchmark: sockio vs Node socket.io on Redis`, "",
    `${report.date} · ${machine} · commit ${commit}${quick ? " · --quick" : ""} · ${rounds} round(s)`, "", ...redisTable(redis),
    ...failures.map((f) => `Failures: ${f}`), ...(failures.length ? [""] : [])];
  writeFileSync(path.join(outDir, "redis.md"), lines.join("\n"));
  process.stdout.write(lines.join("\n") + "\n");
  process.exit(0);
}

const scenarios = {
  connect_rate: { scenario: "connect", extra: ["--clients", String(plan.connect)], figure: (r) => r.connections_per_second, unit: "conn/s", higher: true },
  echo_throughput: { scenario: "echo", extra: ["--clients", String(plan.echoClients), "--duration", String(plan.echoSeconds)], figure: (r) => r.acks_per_second, unit: "acks/s", higher: true },
  echo_p99: { from: "echo_throughput", figure: (r) => r.latency_ms.p99, unit: "ms", higher: false },
  fanout_1k: { scenario: "fanout", extra: ["--clients", String(plan.fanout1k[0]), "--bursts", String(plan.fanout1k[1])], figure: (r) => r.deliveries_per_second, unit: "deliveries/s", higher: true },
  fanout_10k: { scenario: "fanout", extra: ["--clients", String(plan.fanout10k[0]), "--bursts", String(plan.fanout10k[1])], figure: (r) => r.deliveries_per_second, unit: "deliveries/s", higher: true },
  idle_memory: { scenario: "idle", extra: ["--clients", String(plan.idle), "--duration", "2"], figure: (r) => r.bytes_per_connection, unit: "bytes/conn", higher: false },
  cluster_fanout: { from: "cluster_fanout", figure: (r) => r.deliveries_per_second, unit: "deliveries/s", higher: true },
  cluster_cross_node: { from: "cluster_fanout", figure: (r) => r.cross_node_deliveries_per_second, unit: "deliveries/s", higher: true },
  cluster_paced_same_p50: { from: "cluster_fanout", figure: (r) => r.paced.latency_ms.p50, unit: "ms", higher: false },
  cluster_paced_cross_p50: { from: "cluster_fanout", figure: (r) => r.paced.cross_node_latency_ms.p50, unit: "ms", higher: false },
  cluster_paced_cross_p99: { from: "cluster_fanout", figure: (r) => r.paced.cross_node_latency_ms.p99, unit: "ms", higher: false },
  polling_echo: { scenario: "polling-echo", extra: ["--clients", String(plan.echoClients), "--duration", String(plan.echoSeconds)], figure: (r) => r.acks_per_second, unit: "acks/s", higher: true },
};

const raw = {};
const results = {};
for (const [name, s] of Object.entries(scenarios)) {
  if (s.from) continue;
  process.stderr.write(`${name}\n`);
  // The echo rounds also run the raw WebSocket echo: the ceiling the sockio echo is set against.
  const kinds = name === "echo_throughput" ? ["node", "sockio", "raw"] : ["node", "sockio"];
  raw[name] = await inRounds(name, kinds, (kind) =>
    measure(kind, s.scenario, kind === "raw" ? ["--raw", ...s.extra] : s.extra));
}
process.stderr.write("cluster_fanout\n");
raw.cluster_fanout = await inRounds("cluster_fanout", ["node", "sockio"], measureCluster);
process.stderr.write("scaling (sockio threads=2)\n");
raw.scaling = await inRounds("scaling", ["echo", "fanout_1k"], (which) => which === "echo"
  ? measure("sockio", "echo", scenarios.echo_throughput.extra, 2)
  : measure("sockio", "fanout", scenarios.fanout_1k.extra, 2));
process.stderr.write("client\n");
const client = await measureClients();
process.stderr.write("redis\n");
const redis = await measureRedisRows();

for (const [name, s] of Object.entries(scenarios)) {
  results[name] = { ...summarize(raw[s.from ?? name], s.figure, s.higher), unit: s.unit };
}
results.echo_vs_raw = { ...summarize(raw.echo_throughput, (r) => r.acks_per_second, true, "raw", "sockio"), unit: "acks/s" };

// Clients that failed in a run: its figure is over the clients that connected.
const failures = [];
for (const [name, runs] of Object.entries(raw)) {
  runs.forEach((run, i) => {
    for (const [who, v] of Object.entries(run)) {
      if (v.failures > 0) failures.push(`${name} ${who} (round ${i + 1}): ${v.failures} of ${v.clients} clients (${v.first_error ?? "?"})`);
    }
  });
}
failures.push(...clientFailures(client), ...redisFailures(redis));

const scaling = {
  echo_acks_per_second: median(raw.scaling.map((r) => r.echo.acks_per_second)),
  fanout_1k_deliveries_per_second: median(raw.scaling.map((r) => r.fanout_1k.deliveries_per_second)),
};
const report = { date: new Date().toISOString(), machine, commit, quick, rounds, plan, results, failures, scaling, client,
  redis, raw };

mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "latest.json"), JSON.stringify(report, null, 2) + "\n");

const fmt = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : Number(v).toFixed(2));
const cell = (v, [lo, hi]) => (rounds > 1 ? `${fmt(v)} (${fmt(lo)}–${fmt(hi)})` : fmt(v));
const cpuCell = (cpu) => (cpu ? `${Math.round(cpu.server)} / ${Math.round(cpu.generator)}` : "-");
// The cluster text quotes the latencies of the median run of each side.
const cluster = Object.fromEntries(["node", "sockio"].map((k) =>
  [k, medianRun(raw.cluster_fanout, k, (r) => r.deliveries_per_second)]));
const lines = [
  `# Benchmark: sockio vs Node socket.io 4.8`, "",
  `${report.date} · ${machine} · commit ${commit}${quick ? " · --quick" : ""} · ${rounds} round${rounds > 1 ? "s" : ""}`, "",
  `Each figure is the median of ${rounds} run${rounds > 1 ? "s" : ""} with its min–max; the ratio is the median of the ` +
    "rounds' own ratios (>1: sockio better). CPU: percent of one core used by the server / by the load generator over " +
    "the measured window (medians); \"bound\" names the side at 90 % or more (the generator first: a figure it limits " +
    "measures the generator).", "",
  "| figure | Node socket.io | sockio | ratio | CPU % Node srv / gen | CPU % sockio srv / gen | bound (Node / sockio) |",
  "|---|---|---|---|---|---|---|",
  ...Object.entries(results).filter(([n]) => n !== "echo_vs_raw").map(([n, r]) => `| ${n} (${r.unit}) | ` +
    `${cell(r.node, r.node_range)} | ${cell(r.sockio, r.sockio_range)} | ${span(r.ratio, r.ratio_range)} | ` +
    `${cpuCell(r.cpu.node)} | ${cpuCell(r.cpu.sockio)} | ${boundBy(r.cpu.node)} / ${boundBy(r.cpu.sockio)} |`),
  `| echo_vs_raw (acks/s) | raw WS ${cell(results.echo_vs_raw.raw, results.echo_vs_raw.raw_range)} | ` +
    `${cell(results.echo_vs_raw.sockio, results.echo_vs_raw.sockio_range)} | ` +
    `${span(results.echo_vs_raw.ratio, results.echo_vs_raw.ratio_range)} | ${cpuCell(results.echo_vs_raw.cpu.raw)} (raw) | ` +
    `${cpuCell(results.echo_vs_raw.cpu.sockio)} | ${boundBy(results.echo_vs_raw.cpu.raw)} / ${boundBy(results.echo_vs_raw.cpu.sockio)} |`, "",
  `Scaling, sockio threads=2 (medians): echo ${fmt(scaling.echo_acks_per_second)} acks/s, fan-out 1k ` +
    `${fmt(scaling.fanout_1k_deliveries_per_second)} deliveries/s.`, "",
  `Cluster: two nodes and redis-server on the servers' core, ${plan.cluster[0]} receivers split over both; cluster_fanout: ` +
    `${plan.cluster[1]} broadcasts at once from node A (in that burst, same-node p50 ${fmt(cluster.node.latency_ms.p50)} ms Node / ` +
    `${fmt(cluster.sockio.latency_ms.p50)} ms sockio, cross-node ${fmt(cluster.node.cross_node_latency_ms.p50)} / ` +
    `${fmt(cluster.sockio.cross_node_latency_ms.p50)} ms: queueing); paced: ${plan.clusterPaced[0]} receivers, one broadcast at a time, the Redis hop ` +
    `adds ${fmt(cluster.sockio.paced.cross_node_latency_ms.p50 - cluster.sockio.paced.latency_ms.p50)} ms ` +
    `to sockio's p50 (Node: ${fmt(cluster.node.paced.cross_node_latency_ms.p50 - cluster.node.paced.latency_ms.p50)} ms).`, "",
  ...clientTable(client),
  ...redisTable(redis),
  ...failures.map((f) => `Failures: ${f}`), ...(failures.length ? [""] : []),
];
writeFileSync(path.join(outDir, "latest.md"), lines.join("\n"));
process.stdout.write(lines.join("\n") + "\n");

try {
  const data = Object.entries(results).map(([n, r], i) => `${i} "${n}" ${r.ratio}`).join("\n");
  const dat = path.join(outDir, "ratios.dat");
  writeFileSync(dat, data + "\n");
  execFileSync("gnuplot", ["-e", [
    `set terminal png size 900,450 noenhanced`, `set output '${path.join(outDir, "latest.png")}'`,
    `set title 'sockio / Node socket.io (>1: sockio better)'`, `set style fill solid`, `set boxwidth 0.6`,
    `set logscale y`, `set yrange [0.1:*]`, `unset key`, `set xtics rotate by -30`,
    `plot '${dat}' using 1:3:xtic(2) with boxes, 1 with lines lc rgb 'black'`].join("; ")]);
} catch (err) {
  process.stderr.write(`chart not drawn: ${err.message}\n`);
}
