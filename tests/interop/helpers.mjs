// Helpers shared by the interop tests (engineio_client, socketio_client and
// browser): bounded waits and the lifecycle of a fixture binary.
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

// How long a fixture may take to print "listening on port N" (a bound, not a wait: a
// loaded CI machine running every suite at once has taken more than 5 s).
export const STARTUP_TIMEOUT_MS = 10000;
// Default bound for waiting on one event (or ack) from a client.
export const EVENT_TIMEOUT_MS = 5000;

// Reads the fixture path from `name` and throws if it is unset: failing loudly
// rather than skipping, because a silently skipped interop suite looks green.
export function fixturePathFromEnv(name, binary) {
  const path = process.env[name];
  if (!path) throw new Error(`${name} is not set (path to the ${binary} binary)`);
  return path;
}

// Rejects if `promise` does not settle within `ms`, so a hang fails the test.
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs `command` with `args` to its end: resolves with { code, signal, stdout, stderr }.
// `input` (if given) is written to its stdin, which is then closed (otherwise stdin is
// /dev/null). A process still running after `ms` is killed (by its pid) and the wait fails.
export async function runToExit(t, command, args, { input, ms = 5000, what = command } = {}) {
  const proc = spawn(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
  proc.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
  const exited = new Promise((resolve, reject) => {
    proc.once("error", reject);
    proc.once("close", (code, signal) => resolve({ code, signal }));
  });
  const running = () => proc.exitCode === null && proc.signalCode === null;
  t.after(() => {
    if (running()) process.kill(proc.pid, "SIGKILL");
  });
  if (input !== undefined) proc.stdin.end(input);
  const { code, signal } = await withTimeout(exited, ms, `${what} ${args.join(" ")} to exit`);
  return { code, signal, stdout, stderr };
}

// Resolves with the arguments of the next `event` on an emitter (an
// engine.io or socket.io socket, or a Manager). Any event named in `rejectOn`
// rejects at once, so e.g. a close or connect_error does not sit out the
// whole timeout. All listeners are removed when the wait ends.
export function nextEvent(emitter, event, { ms = EVENT_TIMEOUT_MS, rejectOn = [] } = {}) {
  const handlers = [];
  const waiting = new Promise((resolve, reject) => {
    const onEvent = (...args) => resolve(args);
    emitter.once(event, onEvent);
    handlers.push([event, onEvent]);
    for (const bad of rejectOn) {
      const onBad = (...args) => {
        const details = args.filter((a) => a !== undefined).map((a) => a?.message ?? a).join(": ");
        reject(new Error(`"${bad}" while waiting for "${event}": ${details}`));
      };
      emitter.once(bad, onBad);
      handlers.push([bad, onBad]);
    }
  });
  return withTimeout(waiting, ms, `"${event}" event`).finally(() => {
    for (const [name, fn] of handlers) emitter.off(name, fn);
  });
}

// Spawns a fixture binary with `args` (which should ask for "--port 0" or a
// known port). The returned handle is usable at once, for teardown
// registration; call listening() to wait for the port. Signals go to this
// fixture's pid only, never to processes found by name.
export function spawnFixture(binary, args) {
  const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const running = () => proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null;

  const ready = new Promise((resolve, reject) => {
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /listening on port (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    proc.once("error", reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`fixture exited before listening (code ${code}, signal ${signal}): ${stderr}`)));
  });

  const fixture = {
    proc,
    // Resolves with { code, signal } once the process has exited.
    exited,
    stderr: () => stderr,
    stdout: () => stdout,  // its log lines, where it logs to stdout (spdlog's default)
    running,
    // Waits (bounded) for "listening on port N"; then sets port and url.
    // A timeout names the fixture and shows what it printed, so a slow or stuck start
    // can be told apart in the CI log.
    async listening(ms = STARTUP_TIMEOUT_MS) {
      try {
        fixture.port = await withTimeout(ready, ms, "fixture to print 'listening on port N'");
      } catch (e) {
        const tail = (text) => JSON.stringify(text.slice(-2000));
        e.message += ` (${binary} ${args.join(" ")}; pid ${proc.pid}, ${running() ? "running" : "exited"}; ` +
          `stdout ${tail(stdout)}; stderr ${tail(stderr)})`;
        throw e;
      }
      fixture.url = `http://127.0.0.1:${fixture.port}`;
      return fixture.port;
    },
    // Sends SIGTERM to this fixture only; the server-close tests use it.
    terminate() {
      if (running()) process.kill(proc.pid, "SIGTERM");
    },
    // Teardown: graceful stop first, SIGKILL if it does not exit within 3 s.
    // The wait after SIGKILL is unbounded unless `killWaitMs` is given.
    async stop({ killWaitMs } = {}) {
      if (!running()) return;
      process.kill(proc.pid, "SIGTERM");
      try {
        await withTimeout(exited, 3000, "fixture to exit after SIGTERM");
      } catch {
        if (running()) process.kill(proc.pid, "SIGKILL");
        if (killWaitMs === undefined) await exited;
        else await withTimeout(exited, killWaitMs, "fixture to exit after SIGKILL");
      }
    },
  };
  return fixture;
}

// Spawns a fixture on a free loopback port and waits until it listens; if it
// does not, it is killed (SIGKILL, by pid) before the error is rethrown.
export async function startFixture(binary, extraArgs = []) {
  const fixture = spawnFixture(binary, ["--port", "0", "--host", "127.0.0.1", ...extraArgs]);
  try {
    await fixture.listening();
  } catch (err) {
    if (fixture.running()) process.kill(fixture.proc.pid, "SIGKILL");
    throw err;
  }
  return fixture;
}

// Collects what browser pages report: console lines (for failure messages) and errors
// that fail a test. Failed requests count as errors unless `toleratingFailedRequests`
// (set it around an intentional disconnect or the teardown).
export class BrowserWatch {
  errors = [];
  log = [];
  toleratingFailedRequests = false;

  watch(page, label) {
    page.on("console", (msg) => {
      const where = msg.location()?.url;
      const line = `[${label}] console.${msg.type()}: ${msg.text()}${where ? ` (${where})` : ""}`;
      this.log.push(line);
      if (msg.type() === "error") this.errors.push(line);
    });
    page.on("pageerror", (err) => this.errors.push(`[${label}] page error: ${err.stack ?? err.message ?? err}`));
    page.on("crash", () => this.errors.push(`[${label}] page crashed`));
    page.on("requestfailed", (req) => {
      const line = `[${label}] request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? "unknown"}`;
      this.log.push(line);
      if (!this.toleratingFailedRequests) this.errors.push(line);
    });
  }

  // The errors and the console, for a failure message.
  report() {
    return (this.errors.length ? `\nbrowser errors:\n${this.errors.join("\n")}` : "") +
      (this.log.length ? `\nbrowser console:\n${this.log.join("\n")}` : "");
  }
}

// Debian's Chromium, headless, driven by playwright-core.
export function launchChromium(timeout) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    timeout,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// A teardown that tries every step even when one fails: `attempt(what, fn)` runs a step
// and records its error; `check()` then throws one error listing them all.
export function teardown() {
  const problems = [];
  return {
    async attempt(what, fn) {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${err.message}`);
      }
    },
    check() {
      if (problems.length) throw new Error(`teardown problems:\n${problems.join("\n")}`);
    },
  };
}
