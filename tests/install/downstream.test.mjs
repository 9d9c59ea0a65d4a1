// The installed package: `cmake --install` into a fresh prefix, then a program outside
// the tree (examples/downstream) configured with find_package(sockio), built, run, and
// spoken to by the official socket.io-client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { spawnFixture, withTimeout, EVENT_TIMEOUT_MS } from "../interop/helpers.mjs";

const buildDir = process.env.SOCKIO_BUILD_DIR;
if (!buildDir) throw new Error("SOCKIO_BUILD_DIR is not set (the sockio build tree to install)");

test("an installed sockio builds and serves a downstream program", { timeout: 280_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), "sockio-install-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const prefix = join(work, "prefix");
  const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

  run("cmake", ["--install", buildDir, "--prefix", prefix]);
  for (const f of ["include/sockio/sio/server.hpp", "include/sockio/client/manager.hpp", "include/sockio/codec/ws/frame_reader.hpp",
                   "lib/cmake/sockio/sockioConfig.cmake", "lib/cmake/sockio/sockioConfigVersion.cmake",
                   "lib/pkgconfig/sockio.pc", "bin/sockio-server", "share/sockio/sockio.example.toml"]) {
    assert.ok(existsSync(join(prefix, f)), `${f} is installed`);
  }

  const downstream = join(work, "build");
  run("cmake", ["-S", "examples/downstream", "-B", downstream, "-G", "Ninja",
                `-DCMAKE_PREFIX_PATH=${prefix}`, "-DCMAKE_BUILD_TYPE=Release"]);
  run("cmake", ["--build", downstream, "-j", "2"]);

  const server = spawnFixture(join(downstream, "echo_server"), ["0"]);
  t.after(() => server.stop());
  await server.listening();
  const socket = io(server.url, { transports: ["websocket"], reconnection: false });
  t.after(() => socket.close());
  const answer = await withTimeout(socket.emitWithAck("echo", "hello", { n: 1 }), EVENT_TIMEOUT_MS, "echo ack");
  assert.deepEqual(answer, "hello");

  // The installed client library, against the installed server.
  const reply = run(join(downstream, "echo_client"), [server.url]);
  assert.equal(reply.trim(), '["hello from C++",{"n":1}]');
});
