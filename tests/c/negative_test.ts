// Copyright 2026 the wskemu authors. MIT license.
// Small buggy C drivers, each caught with the bug check Windows (with Driver
// Verifier) would raise, or listed in the unload report; and correct drivers for
// what the kernel's scheduling gives them: interleaved threads keep their stacks
// intact, a work item may block, timers signal and run their DPCs.
import assert from "node:assert/strict";
import { assertClean, driverWasm, haveToolchain, runOnce, startDriver } from "./_driver.ts";

const crashes: [string, RegExp][] = [
  [
    "bad_completion.c",
    /bug check DRIVER_IRQL_NOT_LESS_OR_EQUAL \(0xD1\): .*STATUS_MORE_PROCESSING_REQUIRED/,
  ],
  [
    "double_free.c",
    /bug check DRIVER_VERIFIER_IOMANAGER_VIOLATION \(0xC9\): IoFreeIrp on an IRP that was already freed/,
  ],
  [
    "wait_in_completion.c",
    /bug check IRQL_NOT_LESS_OR_EQUAL \(0x0A\): KeWaitForSingleObject waited at IRQL 2/,
  ],
  [
    "addrinfo_use_after_free.c",
    /bug check PAGE_FAULT_IN_NONPAGED_AREA \(0x50\): .*0xDDDDDDDD is freed, poisoned pool/,
  ],
  ["stack_overflow.c", /bug check UNEXPECTED_KERNEL_MODE_TRAP \(0x7F\): kernel stack overflow/],
  [
    "dispatch_wait.c",
    /bug check KMODE_EXCEPTION_NOT_HANDLED \(0x1E\): the dispatch routine Blocker blocks \(KeDelayExecutionThread\).*pend the IRP/,
  ],
];

for (const [source, stop] of crashes) {
  Deno.test({
    name: `tests/c/drivers/${source} is stopped with its bug check`,
    ignore: !haveToolchain,
    async fn() {
      const { code, output } = await startDriver(await driverWasm(`tests/c/drivers/${source}`))
        .exited();
      assert.match(output, stop, output);
      assert.doesNotMatch(output, /\bat \S+:\d+:\d+/, "no stack trace");
      assert.equal(code, 1);
    },
  });
}

Deno.test({
  name:
    "tests/c/drivers/pool_leak.c: the unload report lists the leaked block by tag, size and allocating function",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/pool_leak.c");
    assert.match(output, /Pool blocks still allocated: 1/);
    assert.match(
      output,
      /pool block 'Leak' 100 bytes at 0x[0-9a-f]+\s+allocated at AllocateTable \(.*pool_leak\.c:\d+\)/,
    );
    assert.equal(code, 1);
  },
});

Deno.test({
  name:
    "tests/c/drivers/interleaved_threads.c: four threads suspended mid-call, with completions between, keep their stacks",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/interleaved_threads.c");
    assert.match(output, /4 threads, 500 rounds, 4000 completions in between: every stack intact/);
    assertClean(output);
    assert.equal(code, 0);
  },
});

Deno.test({
  name:
    "tests/c/drivers/work_item.c: a work item runs at PASSIVE_LEVEL on its own stack and may block",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/work_item.c");
    assert.match(output, /work item ran at IRQL 0 with context hello/);
    assert.equal(code, 0, output);
  },
});

Deno.test({
  name:
    "tests/c/drivers/timer.c: a periodic timer's DPC runs at DISPATCH_LEVEL; a synchronization timer is waited for",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/timer.c");
    assert.match(
      output,
      /timer: 3 DPC ticks at DISPATCH_LEVEL; one-shot wait 0x00000000, then reset by the wait/,
    );
    assertClean(output);
    assert.equal(code, 0, output);
  },
});

Deno.test({
  name:
    "tests/c/drivers/multi_wait.c: KeWaitForMultipleObjects wakes on any (worker loop) or all, with timeouts",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/multi_wait.c");
    assert.match(
      output,
      /worker handled 3 work items; WaitAll 0x00000102 then 0x00000000, B consumed/,
    );
    assertClean(output);
    assert.equal(code, 0, output);
  },
});
