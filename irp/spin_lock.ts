// Copyright 2026 the wskemu authors. MIT license.
/**
 * Executive spin locks: KSPIN_LOCK with KeAcquireSpinLock / KeReleaseSpinLock
 * (which raise the IRQL to DISPATCH_LEVEL and put it back) and the
 * AtDpcLevel / FromDpcLevel pair for code already at DISPATCH_LEVEL. There is
 * one processor and nothing preempts a holder, so a lock is never contended;
 * what the locks police is their rules. Taking a lock its holder already
 * holds would spin forever: that is bug check 0xC4 / 0x1001 (a deadlock, as
 * Driver Verifier's Deadlock Detection reports it) instead of a hang. With
 * IRQL checking on, the DPC-level pair called below DISPATCH_LEVEL is 0xC4 /
 * 0x20003 (DDI rule IrqlDispatch).
 *
 * @module
 */
import { DRIVER_VERIFIER_DETECTED_VIOLATION, KeBugCheckEx, objectAddress } from "./bugcheck.ts";
import { DISPATCH_LEVEL, KeGetCurrentIrql, KeLowerIrql, KeRaiseIrql, type KIRQL } from "./irql.ts";
import { DriverVerifier } from "./verifier.ts";

/**
 * A spin lock, as `KSPIN_LOCK`: a word that is non-zero while held.
 *
 * @example Usage
 * ```ts
 * import { KeInitializeSpinLock, KSPIN_LOCK } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * const Lock = new KSPIN_LOCK();
 * KeInitializeSpinLock(Lock);
 * assert.equal(Lock.value, 0);
 * ```
 */
export class KSPIN_LOCK {
  /** 0 when free, 1 while held. */
  value = 0;
}

/**
 * `KeInitializeSpinLock`: makes the lock free.
 *
 * @example See KSPIN_LOCK.
 * ```ts
 * import { KeInitializeSpinLock, KSPIN_LOCK } from "@wskemu/wsk/irp";
 * KeInitializeSpinLock(new KSPIN_LOCK());
 * ```
 */
export function KeInitializeSpinLock(SpinLock: KSPIN_LOCK): void {
  SpinLock.value = 0;
}

function take(SpinLock: KSPIN_LOCK, ddi: string): void {
  if (SpinLock.value !== 0) {
    KeBugCheckEx(
      DRIVER_VERIFIER_DETECTED_VIOLATION,
      0x1001,
      objectAddress(SpinLock),
      0,
      0,
      `${ddi} on a spin lock that is already held: with one processor and no preemption it ` +
        "would spin forever (a deadlock)",
    );
  }
  SpinLock.value = 1;
}

function requireDispatchLevel(ddi: string): void {
  if (!DriverVerifier.irqlChecking) return;
  const irql = KeGetCurrentIrql();
  if (irql >= DISPATCH_LEVEL) return;
  KeBugCheckEx(
    DRIVER_VERIFIER_DETECTED_VIOLATION,
    0x20003,
    irql,
    0,
    0,
    `${ddi} called at IRQL ${irql}; it requires DISPATCH_LEVEL (DDI rule IrqlDispatch): use ` +
      `${ddi.replace(/AtDpcLevel|FromDpcLevel/, "")} below DISPATCH_LEVEL`,
  );
}

/**
 * `KeAcquireSpinLock`: raises the IRQL to DISPATCH_LEVEL, stores the previous
 * one in `OldIrql.value`, and takes the lock.
 *
 * @example Usage
 * ```ts
 * import { DISPATCH_LEVEL, KeAcquireSpinLock, KeGetCurrentIrql, KeReleaseSpinLock, KSPIN_LOCK, type KIRQL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Lock = new KSPIN_LOCK();
 * const OldIrql = { value: 0 as KIRQL };
 * KeAcquireSpinLock(Lock, OldIrql);
 * assert.equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
 * KeReleaseSpinLock(Lock, OldIrql.value);
 * assert.equal(KeGetCurrentIrql(), 0);
 * ```
 */
export function KeAcquireSpinLock(SpinLock: KSPIN_LOCK, OldIrql: { value: KIRQL }): void {
  KeRaiseIrql(DISPATCH_LEVEL, OldIrql);
  take(SpinLock, "KeAcquireSpinLock");
}

/**
 * `KeReleaseSpinLock`: frees the lock and lowers the IRQL to `NewIrql` (the
 * value KeAcquireSpinLock saved).
 *
 * @example See KeAcquireSpinLock.
 * ```ts
 * import { KeAcquireSpinLock, KeReleaseSpinLock, KSPIN_LOCK } from "@wskemu/wsk/irp";
 * const Lock = new KSPIN_LOCK();
 * const OldIrql = { value: 0 };
 * KeAcquireSpinLock(Lock, OldIrql);
 * KeReleaseSpinLock(Lock, OldIrql.value);
 * ```
 */
export function KeReleaseSpinLock(SpinLock: KSPIN_LOCK, NewIrql: KIRQL): void {
  SpinLock.value = 0;
  KeLowerIrql(NewIrql);
}

/**
 * `KeAcquireSpinLockAtDpcLevel`: takes the lock without changing the IRQL;
 * the caller must already be at DISPATCH_LEVEL (a completion routine, a
 * DPC, an event callback).
 *
 * @example Usage
 * ```ts
 * import { BugCheckError, DriverVerifier, KeAcquireSpinLockAtDpcLevel, KSPIN_LOCK } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * DriverVerifier.irqlChecking = true;
 * try {
 *   assert.throws(
 *     () => KeAcquireSpinLockAtDpcLevel(new KSPIN_LOCK()), // at PASSIVE_LEVEL
 *     (e) => e instanceof BugCheckError && e.BugCheckParameters[0] === 0x20003,
 *   );
 * } finally {
 *   DriverVerifier.irqlChecking = false;
 * }
 * ```
 */
export function KeAcquireSpinLockAtDpcLevel(SpinLock: KSPIN_LOCK): void {
  requireDispatchLevel("KeAcquireSpinLockAtDpcLevel");
  take(SpinLock, "KeAcquireSpinLockAtDpcLevel");
}

/**
 * `KeReleaseSpinLockFromDpcLevel`: frees a lock taken with
 * KeAcquireSpinLockAtDpcLevel, without changing the IRQL.
 *
 * @example Usage
 * ```ts
 * import { callAtDispatchLevel, KeAcquireSpinLockAtDpcLevel, KeReleaseSpinLockFromDpcLevel, KSPIN_LOCK } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Lock = new KSPIN_LOCK();
 * callAtDispatchLevel(() => {
 *   KeAcquireSpinLockAtDpcLevel(Lock);
 *   KeReleaseSpinLockFromDpcLevel(Lock);
 * }, "a DPC");
 * assert.equal(Lock.value, 0);
 * ```
 */
export function KeReleaseSpinLockFromDpcLevel(SpinLock: KSPIN_LOCK): void {
  requireDispatchLevel("KeReleaseSpinLockFromDpcLevel");
  SpinLock.value = 0;
}
