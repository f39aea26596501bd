// Copyright 2026 the wskemu authors. MIT license.
/**
 * IRP cancellation: IoCancelIrp, cancel routines and the cancel spin lock.
 * The owner of an IRP cancels it; the driver holding it supplied a cancel
 * routine that completes it with STATUS_CANCELLED. The owner must still wait
 * for the completion routine: cancellation only asks.
 *
 * @module
 */
import {
  CANCEL_STATE_IN_COMPLETED_IRP,
  DRIVER_VERIFIER_DETECTED_VIOLATION,
  formatAddress,
  IRQL_NOT_LESS_OR_EQUAL,
  KeBugCheckEx,
  objectAddress,
} from "./bugcheck.ts";
import { enterDriverCall, leaveDriverCall } from "./completion_queue.ts";
import { type DRIVER_CANCEL, IO_TYPE_IRP, IRP } from "./irp.ts";
import { DISPATCH_LEVEL, KeGetCurrentIrql, KeLowerIrql, KeRaiseIrql, type KIRQL } from "./irql.ts";
import { irpState } from "./_irp_state.ts";

// The DDI compliance rule ID Driver Verifier reports for spin-lock misuse
// (acquired twice, released when not held, still held when a cancel routine
// ends). The cancel spin lock is one global spin lock.
const SPIN_LOCK_RULE = 0x00040009;

let cancelLockHeld = false;

function spinLockViolation(rule: string): never {
  return KeBugCheckEx(DRIVER_VERIFIER_DETECTED_VIOLATION, SPIN_LOCK_RULE, 0, 0, 0, rule);
}

/**
 * Takes the global cancel spin lock, raising the IRQL to DISPATCH_LEVEL and
 * storing the previous IRQL in `Irql.value`. Taking it again before releasing
 * it (a deadlock on Windows) bug checks DRIVER_VERIFIER_DETECTED_VIOLATION
 * (0xC4) with P1 = 0x00040009.
 *
 * @example Usage
 * ```ts
 * import { IoAcquireCancelSpinLock, IoReleaseCancelSpinLock, KeGetCurrentIrql, DISPATCH_LEVEL, type KIRQL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irql = { value: 0 as KIRQL };
 * IoAcquireCancelSpinLock(Irql);
 * assert.equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
 * IoReleaseCancelSpinLock(Irql.value);
 * ```
 */
export function IoAcquireCancelSpinLock(Irql: { value: KIRQL }): void {
  if (cancelLockHeld) {
    spinLockViolation(
      "IoAcquireCancelSpinLock while the cancel spin lock is already held (a deadlock on " +
        "Windows; a cancel routine must not acquire it: IoCancelIrp already holds it)",
    );
  }
  KeRaiseIrql(Math.max(DISPATCH_LEVEL, KeGetCurrentIrql()), Irql);
  cancelLockHeld = true;
}

/**
 * Releases the cancel spin lock and lowers the IRQL to `Irql` (the value saved
 * when it was taken; in a cancel routine, `Irp.CancelIrql`). Releasing it when
 * not held bug checks DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) with
 * P1 = 0x00040009.
 *
 * @example Usage
 * ```ts
 * import { IoAcquireCancelSpinLock, IoReleaseCancelSpinLock, KeGetCurrentIrql, PASSIVE_LEVEL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irql = { value: PASSIVE_LEVEL };
 * IoAcquireCancelSpinLock(Irql);
 * IoReleaseCancelSpinLock(Irql.value);
 * assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
 * ```
 */
export function IoReleaseCancelSpinLock(Irql: KIRQL): void {
  if (!cancelLockHeld) {
    spinLockViolation("IoReleaseCancelSpinLock without holding the cancel spin lock");
  }
  cancelLockHeld = false;
  KeLowerIrql(Irql);
}

/**
 * Sets (or, with null, clears) the IRP's cancel routine atomically and returns
 * the previous one. A driver that gets null back when clearing knows IoCancelIrp
 * already took the routine, and the cancel routine will complete the IRP.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoSetCancelRoutine } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * const Cancel = () => {};
 * assert.equal(IoSetCancelRoutine(Irp, Cancel), null);
 * assert.equal(IoSetCancelRoutine(Irp, null), Cancel);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoSetCancelRoutine(
  Irp: IRP,
  CancelRoutine: DRIVER_CANCEL | null,
): DRIVER_CANCEL | null {
  const previous = Irp.CancelRoutine;
  Irp.CancelRoutine = CancelRoutine;
  return previous;
}

/** True for a promise or anything else with a `then` method. */
function isThenable(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Cancels an IRP, as `IoCancelIrp`: sets `Irp.Cancel` and, if the IRP has a
 * cancel routine, takes it out (so it runs once) and calls it at DISPATCH_LEVEL
 * holding the cancel spin lock, with `Irp.CancelIrql` set; the routine must
 * call `IoReleaseCancelSpinLock(Irp.CancelIrql)` and complete the IRP with
 * STATUS_CANCELLED. Returns true if a routine was called, false if the IRP was
 * not cancelable (no routine: it will complete on its own, and the driver may
 * check `Irp.Cancel`).
 *
 * Cancelling an IRP that was completed and freed (a thread IRP the I/O manager
 * finished, or one passed to IoFreeIrp) bug checks CANCEL_STATE_IN_COMPLETED_IRP
 * (0x48), P1 = the IRP, P2 = its cancel routine. An IoAllocateIrp IRP whose
 * completion routine returned STATUS_MORE_PROCESSING_REQUIRED is still its
 * owner's, so cancelling it (a timeout racing the completion) just returns
 * false, as on Windows. A cancel routine that returns still holding the lock
 * bug checks DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) with P1 = 0x00040009;
 * one that returns a promise (it waited), IRQL_NOT_LESS_OR_EQUAL (0x0A).
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoCancelIrp, IoFreeIrp, IoReleaseCancelSpinLock, IoSetCancelRoutine } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * let calls = 0;
 * IoSetCancelRoutine(Irp, (_DeviceObject, Irp) => {
 *   IoReleaseCancelSpinLock(Irp.CancelIrql);
 *   calls++;
 * });
 * assert.equal(IoCancelIrp(Irp), true);
 * assert.equal(IoCancelIrp(Irp), false);
 * assert.equal(calls, 1);
 * assert.equal(Irp.Cancel, true);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoCancelIrp(Irp: IRP): boolean {
  // A driver's call: completions its cancel routine queues wait until it returns.
  enterDriverCall();
  try {
    return cancelIrp(Irp);
  } finally {
    leaveDriverCall();
  }
}

function cancelIrp(Irp: IRP): boolean {
  if (!(Irp instanceof IRP) || Irp.Type !== IO_TYPE_IRP || irpState(Irp).freed) {
    KeBugCheckEx(
      CANCEL_STATE_IN_COMPLETED_IRP,
      objectAddress(Irp),
      objectAddress(Irp?.CancelRoutine),
      0,
      0,
      `IoCancelIrp on IRP ${formatAddress(objectAddress(Irp))}, which was already completed ` +
        "and freed",
    );
  }
  const Irql = { value: KeGetCurrentIrql() };
  IoAcquireCancelSpinLock(Irql);
  Irp.Cancel = true;
  const routine = IoSetCancelRoutine(Irp, null);
  if (routine === null) {
    IoReleaseCancelSpinLock(Irql.value);
    return false;
  }
  Irp.CancelIrql = Irql.value;
  const DeviceObject = Irp.CurrentLocation <= Irp.StackCount
    ? Irp.Stack[Irp.CurrentLocation - 1].DeviceObject
    : null;
  const what = `the cancel routine ${routine.name || "(anonymous)"}`;
  // Whatever the routine does, leave the machine as IoCancelIrp found it.
  const restore = (): void => {
    cancelLockHeld = false;
    if (KeGetCurrentIrql() > Irql.value) KeLowerIrql(Irql.value);
  };
  let result: unknown;
  try {
    result = routine(DeviceObject, Irp);
  } catch (error) {
    restore();
    throw error;
  }
  const stillHeld = cancelLockHeld;
  const exitIrql = KeGetCurrentIrql();
  restore();
  if (isThenable(result)) {
    Promise.resolve(result).catch(() => {});
    KeBugCheckEx(
      IRQL_NOT_LESS_OR_EQUAL,
      objectAddress(result as object),
      DISPATCH_LEVEL,
      0,
      objectAddress(routine),
      `${what} returned a Promise: it waited at DISPATCH_LEVEL (cancel routines must not wait)`,
    );
  }
  if (stillHeld) {
    spinLockViolation(
      `${what} returned still holding the cancel spin lock: it must call ` +
        "IoReleaseCancelSpinLock(Irp.CancelIrql)",
    );
  }
  if (exitIrql !== Irql.value) {
    KeBugCheckEx(
      DRIVER_VERIFIER_DETECTED_VIOLATION,
      0xFA,
      objectAddress(routine),
      Irql.value,
      exitIrql,
      `${what} returned at IRQL ${exitIrql}, not at Irp.CancelIrql (${Irql.value})`,
    );
  }
  return true;
}
