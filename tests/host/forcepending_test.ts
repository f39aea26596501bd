// Copyright 2026 the wskemu authors. MIT license.
// Randomised completion timing must never make wskemu hang: the echo server,
// loaded and unloaded again and again under forcepending while real clients
// come and go, unloads clean every time; and a DriverUnload that never returns
// (or bug checks while it waits) does not hang the host.
import assert from "node:assert/strict";
import { DriverHost, parseVerifierFlags } from "../../host/mod.ts";
import * as echosrv from "../../examples/echosrv.ts";
import { KeBugCheckEx, queueDpc, STATUS_SUCCESS } from "../../irp/mod.ts";

const quiet = { log: () => {} };

/**
 * Loads echosrv under forcepending (seeded with `seed`) on port 0; returns the
 * host and the port echosrv says it listens on.
 */
async function startEchoServer(seed: number): Promise<{ host: DriverHost; port: number }> {
  const host = new DriverHost(echosrv, {
    ...quiet,
    name: "echosrv",
    parameters: { Port: "0" },
    verifier: parseVerifierFlags("pooltracking,forcepending=2"),
    seed,
  });
  const log = console.log;
  let port = 0;
  console.log = (text: string) => port = Number(/listening on \[::\]:(\d+)/.exec(text)?.[1] ?? 0);
  try {
    assert.equal(await host.start(), STATUS_SUCCESS);
  } finally {
    console.log = log;
  }
  assert.ok(port > 0);
  return { host, port };
}

/** One client: sends `size` bytes, half-closes, reads them all back. */
async function echo(port: number, size: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const writing = (async () => {
    await conn.write(new Uint8Array(size).fill(7));
    await conn.closeWrite();
  })();
  const buffer = new Uint8Array(16 * 1024);
  let got = 0;
  for (let n; (n = await conn.read(buffer)) !== null;) got += n;
  await writing;
  conn.close();
  return got;
}

Deno.test("under forcepending, echosrv serves clients and unloads clean, round after round", async () => {
  for (let round = 1; round <= 4; round++) {
    const { host, port } = await startEchoServer(round);
    const echoed = await Promise.all([1, 2, 3].map(() => echo(port, 64 * 1024)));
    assert.deepEqual(echoed, [65536, 65536, 65536]);
    const report = await host.stop();
    assert.equal(report.reason, "clean: DriverEntry succeeded, no bug check, nothing leaked");
  }
});

Deno.test("under forcepending, unloading while clients are still connected closes them and is clean", async () => {
  for (let round = 1; round <= 3; round++) {
    const { host, port } = await startEchoServer(round);
    const idle = await Promise.all([1, 2].map(() => Deno.connect({ hostname: "127.0.0.1", port })));
    await idle[0]!.write(new Uint8Array([1, 2, 3]));
    assert.equal(await idle[0]!.read(new Uint8Array(3)), 3);
    const report = await host.stop();
    assert.equal(report.reason, "clean: DriverEntry succeeded, no bug check, nothing leaked");
    for (const conn of idle) {
      assert.equal(await conn.read(new Uint8Array(8)).catch(() => null), null);
      conn.close();
    }
  }
});

Deno.test("a DriverUnload that never returns is reported stuck after the timeout, not waited for forever", async () => {
  const host = new DriverHost({
    DriverEntry(DriverObject) {
      DriverObject.DriverUnload = () => new Promise(() => {});
      return STATUS_SUCCESS;
    },
  }, { ...quiet, name: "stuck", unloadTimeoutMs: 50 });
  await host.start();
  const report = await host.stop();
  assert.equal(report.clean, false);
  assert.equal(report.unloadStuckMs, 50);
  assert.match(report.reason, /^FAILED: DriverUnload has not returned after 50 ms/);
  assert.match(DriverHost.format(report), /DriverUnload: still waiting after 50 ms/);
});

Deno.test("a bug check while DriverUnload waits ends the wait at once: the machine stopped", async () => {
  const host = new DriverHost({
    DriverEntry(DriverObject) {
      DriverObject.DriverUnload = () => {
        queueDpc(() => KeBugCheckEx(0xC4, 0x62, 0, 0, 0));
        return new Promise(() => {}); // what it waits for would have come after the DPC
      };
      return STATUS_SUCCESS;
    },
  }, { ...quiet, name: "stopped", unloadTimeoutMs: 60_000 });
  await host.start();
  const report = await host.stop();
  assert.equal(report.bugChecks[0]?.BugCheckCode, 0xC4);
  assert.equal(report.unloadStuckMs, undefined);
  assert.match(report.reason, /^FAILED: bug check/);
});
