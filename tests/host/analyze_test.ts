// Copyright 2026 the wskemu authors. MIT license.
// The bug-check report as `!analyze -v` lays it out: the code by name, what
// each parameter means, the rule, and the run's last 20 trace events.
import assert from "node:assert/strict";
import { analyzeBugCheck, type TraceEvent } from "../../host/mod.ts";
import { BugCheckError, MULTIPLE_IRP_COMPLETE_REQUESTS } from "../../irp/mod.ts";

function instant(i: number): TraceEvent {
  return { name: `event ${i}`, cat: "irp", ph: "i", ts: i * 1000, pid: 1, tid: 2, s: "t" };
}

Deno.test("a bug-check report ends with the last 20 trace events, oldest first", () => {
  const error = new BugCheckError(MULTIPLE_IRP_COMPLETE_REQUESTS, [0x1000, 0, 0, 0], "twice");
  const trace = Array.from({ length: 25 }, (_, i) => instant(i));
  const text = analyzeBugCheck(error, trace);
  assert.match(text, /LAST 20 EVENTS:\n/);
  const shown = [...text.matchAll(/\[irp\] event (\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(shown, Array.from({ length: 20 }, (_, i) => i + 5));
});

Deno.test("a bug-check report without a trace says how to get one", () => {
  const error = new BugCheckError(MULTIPLE_IRP_COMPLETE_REQUESTS, [0x1000, 0, 0, 0], "twice");
  assert.match(analyzeBugCheck(error, []), /LAST 0 EVENTS:\n {2}\(none recorded/);
});
