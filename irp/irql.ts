// Copyright 2026 the wskemu authors. MIT license.
/**
 * The emulated IRQL. JavaScript runs one thing at a time, so one number is the
 * IRQL of "the processor". It matters for the rules it polices: completion
 * routines, cancel routines and DPCs run at DISPATCH_LEVEL, where nothing may
 * wait.
 *
 * @module
 */
import {
  DRIVER_VERIFIER_DETECTED_VIOLATION,
  IRQL_NOT_GREATER_OR_EQUAL,
  IRQL_NOT_LESS_OR_EQUAL,
  KeBugCheckEx,
  objectAddress,
} from "./bugcheck.ts";

/** An interrupt request level, as `KIRQL` in wdm.h. */
export type KIRQL = number;

/** `PASSIVE_LEVEL` (0): where threads run and may wait. */
export const PASSIVE_LEVEL: KIRQL = 0;
/** `APC_LEVEL` (1). */
export const APC_LEVEL: KIRQL = 1;
/** `DISPATCH_LEVEL` (2): DPCs, completion routines and spin-lock holders; no waiting. */
export const DISPATCH_LEVEL: KIRQL = 2;

let currentIrql: KIRQL = PASSIVE_LEVEL;

/**
 * The current IRQL of the emulated processor.
 *
 * @example Usage
 * ```ts
 * import { KeGetCurrentIrql, PASSIVE_LEVEL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
 * ```
 */
export function KeGetCurrentIrql(): KIRQL {
  return currentIrql;
}

/**
 * Raises the IRQL to `NewIrql` and stores the previous one in `OldIrql.value`.
 * Raising to a lower level bug checks IRQL_NOT_GREATER_OR_EQUAL (0x09).
 *
 * @example Usage
 * ```ts
 * import { KeGetCurrentIrql, KeLowerIrql, KeRaiseIrql, DISPATCH_LEVEL, type KIRQL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const OldIrql = { value: 0 as KIRQL };
 * KeRaiseIrql(DISPATCH_LEVEL, OldIrql);
 * assert.equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
 * KeLowerIrql(OldIrql.value);
 * ```
 */
export function KeRaiseIrql(NewIrql: KIRQL, OldIrql: { value: KIRQL }): void {
  if (NewIrql < currentIrql) {
    KeBugCheckEx(
      IRQL_NOT_GREATER_OR_EQUAL,
      currentIrql,
      NewIrql,
      0,
      0,
      `KeRaiseIrql to ${NewIrql} from the higher IRQL ${currentIrql}`,
    );
  }
  OldIrql.value = currentIrql;
  currentIrql = NewIrql;
}

/**
 * Lowers the IRQL back to `NewIrql` (the value KeRaiseIrql saved). Lowering to
 * a higher level bug checks IRQL_NOT_LESS_OR_EQUAL (0x0A).
 *
 * @example Usage
 * ```ts
 * import { KeGetCurrentIrql, KeLowerIrql, KeRaiseIrql, DISPATCH_LEVEL, PASSIVE_LEVEL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const OldIrql = { value: PASSIVE_LEVEL };
 * KeRaiseIrql(DISPATCH_LEVEL, OldIrql);
 * KeLowerIrql(OldIrql.value);
 * assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
 * ```
 */
export function KeLowerIrql(NewIrql: KIRQL): void {
  if (NewIrql > currentIrql) {
    KeBugCheckEx(
      IRQL_NOT_LESS_OR_EQUAL,
      0,
      currentIrql,
      0,
      0,
      `KeLowerIrql to ${NewIrql} from the lower IRQL ${currentIrql}`,
    );
  }
  currentIrql = NewIrql;
}

/**
 * Raises the IRQL to DISPATCH_LEVEL and returns the previous IRQL, as
 * `KeRaiseIrqlToDpcLevel` in wdm.h.
 *
 * @example Usage
 * ```ts
 * import { KeGetCurrentIrql, KeLowerIrql, KeRaiseIrqlToDpcLevel, DISPATCH_LEVEL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const OldIrql = KeRaiseIrqlToDpcLevel();
 * assert.equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
 * KeLowerIrql(OldIrql);
 * ```
 */
export function KeRaiseIrqlToDpcLevel(): KIRQL {
  const OldIrql = { value: currentIrql };
  KeRaiseIrql(DISPATCH_LEVEL, OldIrql);
  return OldIrql.value;
}

/** True for a promise or anything else with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/** Names a routine in messages: a string, or a function of the routine, called only when needed. */
export type RoutineName = string | ((routine: { name: string }) => string);

/** The routine's name for a message, computed only when a bug check needs it. */
function nameOf(what: RoutineName, routine: { name: string }): string {
  return typeof what === "string" ? what : what(routine);
}

/**
 * Runs `routine` at DISPATCH_LEVEL, the way Windows runs completion routines,
 * cancel routines, DPCs and event callbacks, and puts the IRQL back afterwards
 * (even if it throws). `what` names the routine in bug check messages.
 *
 * Two rules are policed:
 * - the routine must not wait: if it returns a promise (an `async` function, or
 *   one that awaited something), that is IRQL_NOT_LESS_OR_EQUAL (0x0A), as
 *   waiting at DISPATCH_LEVEL is on Windows; the promise's own outcome is
 *   ignored after that;
 * - it must return at the IRQL it was called at, else
 *   DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) with P1 = 0xFA, P3 and P4 the
 *   IRQL before and after.
 *
 * The routine gets `a`, `b` and `c`: callers on hot paths pass a routine's
 * arguments this way rather than through a new closure per call.
 *
 * @typeParam T What the routine returns.
 * @param routine The routine to run.
 * @param what Names the routine in messages, e.g. `"the completion routine ConnectComplete"`,
 *   or a function of the routine giving that name when it is needed.
 * @param a The routine's first argument.
 * @param b The routine's second argument.
 * @param c The routine's third argument.
 * @returns What the routine returned.
 *
 * @example Usage
 * ```ts
 * import { callAtDispatchLevel, KeGetCurrentIrql, DISPATCH_LEVEL, BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(callAtDispatchLevel(() => KeGetCurrentIrql(), "a probe"), DISPATCH_LEVEL);
 * assert.equal(callAtDispatchLevel((a: number, b: number) => a + b, "an adder", 1, 2), 3);
 * assert.throws(
 *   () => callAtDispatchLevel(async () => {}, "an async routine"),
 *   (e) => e instanceof BugCheckError && e.BugCheckCode === 0x0A,
 * );
 * ```
 */
export function callAtDispatchLevel<T, A = undefined, B = undefined, C = undefined>(
  routine: (a: A, b: B, c: C) => T,
  what: RoutineName,
  a?: A,
  b?: B,
  c?: C,
): T {
  const entryIrql = currentIrql;
  const runIrql = entryIrql > DISPATCH_LEVEL ? entryIrql : DISPATCH_LEVEL;
  currentIrql = runIrql;
  try {
    const result = routine(a as A, b as B, c as C);
    if (isThenable(result)) {
      // The routine is already suspended in an await; whatever it does later
      // is noise after the bug check, so its rejection must not be reported.
      Promise.resolve(result).catch(() => {});
      KeBugCheckEx(
        IRQL_NOT_LESS_OR_EQUAL,
        objectAddress(result),
        runIrql,
        0,
        objectAddress(routine),
        `${nameOf(what, routine)} returned a Promise: it waited at DISPATCH_LEVEL ` +
          "(completion routines and event callbacks must not wait)",
      );
    }
    if (currentIrql !== runIrql) {
      KeBugCheckEx(
        DRIVER_VERIFIER_DETECTED_VIOLATION,
        0xFA,
        objectAddress(routine),
        runIrql,
        currentIrql,
        `${
          nameOf(what, routine)
        } returned at IRQL ${currentIrql} but was called at IRQL ${runIrql}`,
      );
    }
    return result;
  } finally {
    currentIrql = entryIrql;
  }
}
