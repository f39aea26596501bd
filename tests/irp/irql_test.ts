// Copyright 2026 the wskemu authors. MIT license.
// The emulated IRQL and callAtDispatchLevel, which polices what completion
// routines, DPCs and callbacks may do.
import assert from "node:assert/strict";
import {
  APC_LEVEL,
  callAtDispatchLevel,
  DISPATCH_LEVEL,
  KeGetCurrentIrql,
  KeLowerIrql,
  KeRaiseIrql,
  KeRaiseIrqlToDpcLevel,
  type KIRQL,
  PASSIVE_LEVEL,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

Deno.test("KeRaiseIrql() and KeLowerIrql() move the IRQL and report the old one", () => {
  const OldIrql = { value: -1 as KIRQL };
  KeRaiseIrql(APC_LEVEL, OldIrql);
  assert.equal(OldIrql.value, PASSIVE_LEVEL);
  assert.equal(KeRaiseIrqlToDpcLevel(), APC_LEVEL);
  assert.equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
  KeLowerIrql(APC_LEVEL);
  KeLowerIrql(OldIrql.value);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
});

Deno.test("KeRaiseIrql() down and KeLowerIrql() up bug check", () => {
  const OldIrql = { value: PASSIVE_LEVEL };
  KeRaiseIrql(DISPATCH_LEVEL, OldIrql);
  expectBugCheck(() => KeRaiseIrql(APC_LEVEL, { value: 0 }), 0x09);
  KeLowerIrql(PASSIVE_LEVEL);
  expectBugCheck(() => KeLowerIrql(DISPATCH_LEVEL), 0x0A);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
});

Deno.test("callAtDispatchLevel() runs at DISPATCH_LEVEL and restores the IRQL, even on throw", () => {
  assert.equal(callAtDispatchLevel(() => KeGetCurrentIrql(), "a probe"), DISPATCH_LEVEL);
  assert.throws(() =>
    callAtDispatchLevel(() => {
      throw new Error("driver bug");
    }, "a routine"), /driver bug/);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
});

Deno.test("callAtDispatchLevel() bug checks IRQL_NOT_LESS_OR_EQUAL when the routine waits", () => {
  const error = expectBugCheck(
    () =>
      callAtDispatchLevel(async () => {
        await Promise.resolve();
      }, "the completion routine SendComplete"),
    0x0A,
  );
  assert.equal(error.BugCheckParameters[1], DISPATCH_LEVEL);
  assert.match(error.message, /the completion routine SendComplete returned a Promise/);
  assert.match(error.message, /must not wait/);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
});

Deno.test("callAtDispatchLevel() bug checks 0xC4/0xFA when the routine returns at another IRQL", () => {
  const error = expectBugCheck(
    () => callAtDispatchLevel(() => KeLowerIrql(PASSIVE_LEVEL), "a routine"),
    0xC4,
    0xFA,
  );
  assert.deepEqual(error.BugCheckParameters.slice(2), [DISPATCH_LEVEL, PASSIVE_LEVEL]);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
});
