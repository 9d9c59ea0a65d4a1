// Smoke test of the benchmark tools: every sockio-bench scenario runs for about a second
// with a few clients against bench_server and produces its figures. No timing is
// asserted: speed is measured by bench/compare, not by tests.
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { promisify } from "node:util";
import { fixturePathFromEnv, startFixture } from "../interop/helpers.mjs";

const SERVER = fixturePathFromEnv("SOCKIO_BENCH_SERVER", "bench_server");
const BENCH = fixturePathFromEnv("SOCKIO_BENCH", "sockio-bench");
const RAW = fixturePathFromEnv("SOCKIO_RAW_WS_ECHO", "raw_ws_echo");
const run = promisify(execFile);

async function bench(port, scenario, extra = []) {
  const { stdout } = await run(BENCH, ["--port", String(port), "--scenario", scenario, "--clients", "20",
    "--duration", "1", "--json", ...extra], { timeout: 60000 });
  return JSON.parse(stdout.trim().split("\n").pop());
}

describe("sockio-bench scenarios against bench_server", () => {
  let server;
  before(async () => { server = await startFixture(SERVER, ["--threads", "1"]); });
  after(async () => { await server?.stop(); });

  it("connect opens every connection", async () => {
    const r = await bench(server.port, "connect");
    assert.equal(r.connected, 20);
    assert.equal(r.failures, 0);
    assert.ok(r.connections_per_second > 0);
  });

  it("echo reports acks and latency percentiles", async () => {
    const r = await bench(server.port, "echo");
    assert.equal(r.failures, 0);
    assert.ok(r.acks > 0 && r.acks_per_second > 0, JSON.stringify(r));
    assert.ok(r.latency_ms.p50 > 0 && r.latency_ms.p99 >= r.latency_ms.p50);
  });

  it("polling-echo reports acks over long-polling", async () => {
    const r = await bench(server.port, "polling-echo");
    assert.equal(r.failures, 0);
    assert.equal(r.connected, 20);
    assert.ok(r.acks > 0 && r.acks_per_second > 0, JSON.stringify(r));
    assert.ok(r.latency_ms.p50 > 0 && r.latency_ms.p99 >= r.latency_ms.p50);
  });

  it("fanout delivers every broadcast to every member", async () => {
    const r = await bench(server.port, "fanout", ["--bursts", "10"]);
    assert.equal(r.failures, 0);
    assert.equal(r.deliveries, 200);
    assert.equal(r.expected_deliveries, 200);
    assert.ok(r.deliveries_per_second > 0);
  });

  it("idle measures the server's memory", async () => {
    const r = await bench(server.port, "idle", ["--server-pid", String(server.proc.pid)]);
    assert.equal(r.connected, 20);
    assert.ok(r.server_rss_after_kib > 0);
    assert.ok("bytes_per_connection" in r);
  });

  it("an unreachable server is a clear error", async () => {
    await assert.rejects(run(BENCH, ["--port", "1", "--scenario", "echo"]), (err) => {
      assert.match(err.stderr, /cannot reach 127\.0\.0\.1:1/);
      return true;
    });
  });
});

describe("sockio-bench --raw against raw_ws_echo", () => {
  let server;
  before(async () => { server = await startFixture(RAW); });
  after(async () => { await server?.stop(); });

  it("echo reports acks from a plain WebSocket echo", async () => {
    const r = await bench(server.port, "echo", ["--raw"]);
    assert.equal(r.failures, 0);
    assert.ok(r.acks > 0, JSON.stringify(r));
  });
});
