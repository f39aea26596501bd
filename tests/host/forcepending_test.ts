// Copyright 2026 the wskemu authors. MIT license.
// Randomised completion timing must never make wskemu hang: the echo server,
// loaded and unloaded again and again under forcepending while real clients
// come and go, unloads clean every time; and a DriverUnload that never returns
// (or bug checks while it waits) does not hang the host.
import assert from "node:assert/strict";
import { DriverHost } from "../../host/mod.ts";
import { KeBugCheckEx, queueDpc, STATUS_SUCCESS } from "../../irp/mod.ts";
import { echo, startEchoServer } from "./_echosrv.ts";

const quiet = { log: () => {} };

Deno.test("under forcepending, echosrv serves clients and unloads clean, round after round", async () => {
  for (let round = 1; round <= 4; round++) {
    const { host, port } = await startEchoServer("pooltracking,forcepending=2", round);
    await Promise.all([1, 2, 3].map(() => echo(port, 64 * 1024)));
    const report = await host.stop();
    assert.equal(report.reason, "clean: DriverEntry succeeded, no bug check, nothing leaked");
  }
});

Deno.test("under forcepending, unloading while clients are still connected closes them and is clean", async () => {
  for (let round = 1; round <= 3; round++) {
    const { host, port } = await startEchoServer("pooltracking,forcepending=2", round);
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
