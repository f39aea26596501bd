// Copyright 2026 the wskemu authors. MIT license.
// The example servers' work queue: a bug check in a work item stops the
// machine, as it would on Windows, instead of being logged and forgotten.
import assert from "node:assert/strict";
import {
  completionQueueIdle,
  KeBugCheckEx,
  MULTIPLE_IRP_COMPLETE_REQUESTS,
  nextBugCheck,
} from "../../mod.ts";
import { WorkQueue } from "../../examples/_server.ts";
import { runExample } from "./_spawn.ts";

Deno.test("a bug check in a work item reaches the bug-check listeners (the driver host)", async () => {
  const bugCheck = nextBugCheck();
  const work = new WorkQueue();
  work.enqueue(function completeTwice() {
    KeBugCheckEx(MULTIPLE_IRP_COMPLETE_REQUESTS, 0x1000, 0, 0, 0, "completed twice");
  });
  assert.equal((await bugCheck).BugCheckCode, MULTIPLE_IRP_COMPLETE_REQUESTS);
  await work.drain();
  await completionQueueIdle();
});

Deno.test("any other exception in a work item is KMODE_EXCEPTION_NOT_HANDLED naming the item", async () => {
  const bugCheck = nextBugCheck();
  const work = new WorkQueue();
  work.enqueue(function readsNull() {
    throw new TypeError("Cannot read properties of null");
  });
  const error = await bugCheck;
  assert.equal(error.BugCheckCode, 0x1E);
  assert.match(error.message, /work item readsNull threw .*TypeError/);
  await work.drain();
  await completionQueueIdle();
});

for (const script of ["examples/echosrv.ts", "examples/echo_events.ts", "examples/udp_echo.ts"]) {
  Deno.test(`deno run ${script} --port 0 hands the server to the driver host`, async () => {
    const { code, stdout } = await runExample(script, "--port", "0", "--for", "0");
    assert.equal(code, 0);
    assert.match(stdout, /^listening on .*:\d+\n/);
    assert.match(stdout, /clean: DriverEntry succeeded, no bug check, nothing leaked\n$/);
  });
}
