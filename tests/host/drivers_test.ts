// Copyright 2026 the wskemu authors. MIT license.
// One deliberately buggy driver per Driver Verifier option, each run as a user
// would (`deno task driver run`): each is caught with the right code, and the
// report names the file and line.
import assert from "node:assert/strict";
import { runExample, startServer } from "../examples/_spawn.ts";
import type { TraceEvent } from "../../host/mod.ts";

function driver(name: string, ...options: string[]) {
  return runExample("host/cli.ts", "run", `tests/drivers/${name}.ts`, "--for", "0.2", ...options);
}

Deno.test("pool tracking: a driver that unloads holding pool, an IRP, an MDL and its NPI is 0xC4/0x62, each with its line", async () => {
  const { code, stdout, stderr } = await driver("leaks");
  assert.equal(code, 1);
  assert.match(
    stdout,
    /pool block 'Leak' 128 bytes\n\s+allocated at DriverEntry .*tests\/drivers\/leaks\.ts:24:/,
  );
  assert.match(stdout, /IRP 0x[0-9A-F]+ \(2 stack locations\)\n\s+allocated at .*leaks\.ts:25:/);
  assert.match(stdout, /MDL 0x[0-9A-F]+ \(64 bytes\)\n\s+allocated at .*leaks\.ts:26:/);
  assert.match(stdout, /Provider NPIs not released: 1/);
  assert.match(
    stderr.trim().split("\n").at(-1)!,
    /^FAILED: DRIVER_VERIFIER_DETECTED_VIOLATION \(0xC4, P1 0x62\) at unload/,
  );
});

Deno.test("a system thread still running at unload is listed with the line that created it", async () => {
  const { code, stdout } = await driver("thread_left_running");
  assert.equal(code, 1);
  assert.match(
    stdout,
    /System threads still running: 1\n\s+system thread Worker still running\n\s+allocated at DriverEntry .*thread_left_running\.ts:25:/,
  );
});

Deno.test("I/O verification: reusing an IRP the provider holds is 0xC9/0x310, with the IRP's !irp", async () => {
  const { code, stderr } = await driver("reuse_in_flight");
  assert.equal(code, 1);
  assert.match(stderr, /DRIVER_VERIFIER_IOMANAGER_VIOLATION \(C9\)\n/);
  assert.match(stderr, /Arg1: 0000000000000310/);
  assert.match(stderr, /DRIVER FRAME: DriverEntry .*reuse_in_flight\.ts:31:/);
  assert.match(stderr, /!irp\nIrp 0x[0-9A-F]+ is active with 1 stacks 1 is current/);
  assert.match(stderr, /QueryComplete-0x[0-9A-F]+/);
  assert.match(stderr, /Owner: the WSK client \(WskControlClient/);
});

Deno.test("special pool: a read of freed pool is 0xCC at the line that reads it", async () => {
  const { code, stderr } = await driver("use_after_free", "--verifier", "specialpool");
  assert.equal(code, 1);
  assert.match(stderr, /PAGE_FAULT_IN_FREED_SPECIAL_POOL \(CC\)/);
  assert.match(stderr, /DRIVER FRAME: DriverEntry .*tests\/drivers\/use_after_free\.ts:21:/);
});

Deno.test("special pool: a write past the end is 0xC1/0x24 when the block is freed", async () => {
  const { code, stderr } = await driver("overrun", "--verifier", "specialpool");
  assert.equal(code, 1);
  assert.match(stderr, /SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION \(C1\)/);
  assert.match(stderr, /Arg4: 0000000000000024/);
  assert.match(stderr, /DRIVER FRAME: DriverEntry .*tests\/drivers\/overrun\.ts:19:/);
});

Deno.test("IRQL checking: ZwOpenKey in a completion routine is 0xC4 with the DDI rule, the routine's line named", async () => {
  const { code, stderr } = await driver("zw_at_dispatch", "--verifier", "irqlchecking");
  assert.equal(code, 1);
  assert.match(stderr, /Arg1: 000000000002001F/);
  assert.match(stderr, /ZwOpenKey called at IRQL 2.*IrqlZwPassive/);
  assert.match(stderr, /DRIVER FRAME: QueryComplete .*zw_at_dispatch\.ts:\d+/);
});

Deno.test("a wait at DISPATCH_LEVEL (an async completion routine) is 0x0A, the routine's line named", async () => {
  const { code, stderr } = await driver("wait_at_dispatch");
  assert.equal(code, 1);
  assert.match(stderr, /IRQL_NOT_LESS_OR_EQUAL \(A\)/);
  assert.match(stderr, /DRIVER FRAME: QueryComplete .*wait_at_dispatch\.ts:28/);
});

Deno.test("randomised completion timing: a driver that assumes its completion came first loses its IRP", async () => {
  const calm = await driver("lost_irp");
  assert.equal(calm.code, 0, "without the option its assumption holds");
  const { code, stdout } = await driver("lost_irp", "--verifier", "pooltracking,forcepending=20");
  assert.equal(code, 1);
  assert.match(
    stdout,
    /IRPs still allocated: 1\n\s+IRP .*\n\s+allocated at DriverEntry .*lost_irp\.ts:35:/,
  );
});

Deno.test("low resources simulation: a driver that never checks for NULL is 0x1E at the line that uses it", async () => {
  const { code, stderr } = await driver("no_null_check", "--verifier", "faults=0.5", "--seed", "3");
  assert.equal(code, 1);
  assert.match(stderr, /low resources: ExAllocatePool2 fails \(tag 'Null'\)/);
  assert.match(stderr, /KMODE_EXCEPTION_NOT_HANDLED \(1E\)/);
  assert.match(stderr, /DRIVER FRAME: DriverEntry .*no_null_check\.ts:20:/);
});

Deno.test("hang detection: a datagram receive for a reply from a peer that is gone is reported with its !irp, and unloading with it pending is 0xCE", async () => {
  const { code, stdout, stderr } = await runExample(
    "host/cli.ts",
    "run",
    "tests/drivers/hang.ts",
    "--for",
    "0.6",
    "--verifier",
    "pooltracking,deadlock=200",
  );
  assert.equal(code, 1);
  assert.match(stderr, /possible hang\nWskReceiveFrom: IRP pending \d+ ms/);
  assert.match(stderr, /ReceiveComplete-NULL/);
  assert.match(stderr, /Owner: socket 0x[0-9A-F]+ \(WskReceiveFrom/);
  assert.match(stdout, /Sockets not closed: 1/);
  assert.match(stdout, /Pending IRPs at unload: 1/);
  assert.match(stdout, /DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS \(0xCE\)/);
});

Deno.test("hang detection: a stream receive on a live, idle connection waits past the threshold and is not reported", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const server = await startServer(
      "examples/echosrv.ts",
      "--verifier",
      "pooltracking,deadlock=100",
      "--trace",
      file,
    );
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    // The client stays quiet for 4 thresholds: the server's receives wait, legitimately.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await conn.write(new Uint8Array([1, 2, 3]));
    assert.equal(await conn.read(new Uint8Array(3)), 3);
    conn.close();
    const { code, output } = await server.stop();
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /hang/);
    const events: TraceEvent[] = JSON.parse(await Deno.readTextFile(file)).traceEvents;
    const waited = events.filter((e) => e.name.startsWith("WskReceive ") && e.dur! > 300_000);
    assert.ok(waited.length > 0, "a receive pended through the quiet 400 ms");
    assert.ok(!events.some((e) => e.name.startsWith("hang")), "and no hang was recorded");
  } finally {
    await Deno.remove(file);
  }
});
