// Copyright 2026 the wskemu authors. MIT license.
/**
 * Driver Verifier settings, named after verifier.exe's options. The checks
 * that always hold on Windows under I/O Verification (double completion,
 * freeing an IRP in flight, ...) are always on; what lives here is what a
 * developer turns on: special pool, pool tracking, low resources simulation,
 * randomised completion timing, IRQL checking and hang detection. Everything
 * random comes from one seeded generator, so a run replays exactly.
 *
 * @module
 */
import { DRIVER_VERIFIER_DETECTED_VIOLATION, KeBugCheckEx } from "./bugcheck.ts";
import { KeGetCurrentIrql } from "./irql.ts";

/** The Driver Verifier options this emulator supports. */
export interface DriverVerifierSettings {
  /**
   * Low Resources Simulation (`/faults`): the probability (0..1) that an
   * allocation fails. IoAllocateIrp, IoAllocateMdl, IoBuild*Request,
   * ExAllocatePool2, ExAllocatePoolWithTag, MmGetSystemAddressForMdlSafe and
   * IoCreateDevice then fail as they do when memory runs out (NULL or
   * STATUS_INSUFFICIENT_RESOURCES). 0 (the default) never fails; 1 always
   * fails. Windows' own default when the option is on is 0.06.
   */
  lowResourcesProbability: number;
  /** Low Resources Simulation only for these pool tags (as poolmon shows them, e.g. `"Wesk"`); null for all. */
  lowResourcesTags: string[] | null;
  /** Low Resources Simulation only for these functions (e.g. `"IoAllocateIrp"`); null for all. */
  lowResourcesFunctions: string[] | null;
  /**
   * Special Pool (`/flags 0x1`): each pool block gets its own memory, a
   * freed block is poisoned (0xDD) and any later access through it is bug
   * check PAGE_FAULT_IN_NONPAGED_AREA (0x50); writes past the end of a block
   * are found when it is freed (0xC1 SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION).
   */
  specialPool: boolean;
  /**
   * Pool Tracking (`/flags 0x8`): every IRP, MDL and pool block records the
   * driver frame that allocated it, for the unload report. Off, only counts
   * are kept.
   */
  poolTracking: boolean;
  /**
   * Randomised completion timing (beyond Windows; compare Force Pending I/O
   * Requests, `/flags 0x200`): each IRP completion is delayed by a seeded
   * random 0..N ms. Completions of one socket stay in posting order. 0 is off.
   */
  completionDelayMs: number;
  /**
   * IRQL Checking (`/flags 0x2`) with the DDI compliance rules for IRQL: a
   * PASSIVE_LEVEL-only DDI (ZwOpenKey, IoCreateSymbolicLink, ...) called at
   * DISPATCH_LEVEL is bug check 0xC4 with the rule's code, the DDI named.
   * (A wait at DISPATCH_LEVEL is bug check 0x0A always.)
   */
  irqlChecking: boolean;
  /**
   * Hang detection (compare Deadlock Detection, `/flags 0x20`): an IRP
   * pending longer than this many milliseconds is reported with its `!irp`
   * dump. 0 is off.
   */
  hangThresholdMs: number;
}

/**
 * Every option off: the settings a run starts from, and what verifier.exe's
 * `/reset` means.
 *
 * @example Usage
 * ```ts
 * import { DriverVerifier, VERIFIER_OFF } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.deepEqual({ ...DriverVerifier }, { ...VERIFIER_OFF });
 * ```
 */
export const VERIFIER_OFF: Readonly<DriverVerifierSettings> = Object.freeze({
  lowResourcesProbability: 0,
  lowResourcesTags: null,
  lowResourcesFunctions: null,
  specialPool: false,
  poolTracking: false,
  completionDelayMs: 0,
  irqlChecking: false,
  hangThresholdMs: 0,
});

/**
 * The live Driver Verifier settings. Change a field to turn an option on; put
 * it back when done, since the settings are global.
 *
 * @example Usage
 * ```ts
 * import { DriverVerifier, IoAllocateIrp } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * DriverVerifier.lowResourcesProbability = 1;
 * try {
 *   assert.equal(IoAllocateIrp(1, false), null);
 * } finally {
 *   DriverVerifier.lowResourcesProbability = 0;
 * }
 * ```
 */
export const DriverVerifier: DriverVerifierSettings = { ...VERIFIER_OFF };

// splitmix32: small, fast and good enough to shuffle timings; one global
// stream so that one seed fixes every decision of a run.
let state = 0x9E3779B9;

/**
 * Seeds the verifier's random generator: the same seed makes the same low
 * resources failures and completion delays, so a failing run replays.
 *
 * @example Usage
 * ```ts
 * import { verifierRandom, verifierSeed } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * verifierSeed(42);
 * const first = [verifierRandom(), verifierRandom()];
 * verifierSeed(42);
 * assert.deepEqual([verifierRandom(), verifierRandom()], first);
 * ```
 */
export function verifierSeed(seed: number): void {
  state = seed >>> 0;
}

/**
 * The next number in [0, 1) from the verifier's seeded generator.
 *
 * @example Usage
 * ```ts
 * import { verifierRandom } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * const x = verifierRandom();
 * assert.ok(x >= 0 && x < 1);
 * ```
 */
export function verifierRandom(): number {
  state = (state + 0x9E3779B9) >>> 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85EBCA6B) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xC2B2AE35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return z / 0x1_0000_0000;
}

/** Someone who wants to hear about each simulated failure (the trace). */
export type LowResourcesObserver = (what: string, tag: string | null) => void;

let observer: LowResourcesObserver | null = null;

/**
 * Sets (or, with null, clears) the one observer of simulated failures; the
 * driver host's trace records each one so a run can be replayed.
 *
 * @example Usage
 * ```ts
 * import { DriverVerifier, IoAllocateIrp, observeLowResources } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * observeLowResources((what) => seen.push(what));
 * DriverVerifier.lowResourcesProbability = 1;
 * IoAllocateIrp(1, false);
 * DriverVerifier.lowResourcesProbability = 0;
 * observeLowResources(null);
 * assert.deepEqual(seen, ["IoAllocateIrp"]);
 * ```
 */
export function observeLowResources(listener: LowResourcesObserver | null): void {
  observer = listener;
}

/**
 * Rolls the Low Resources Simulation dice: true when this allocation should
 * fail. Every allocator in this library calls it with its own name (and the
 * pool tag, as poolmon prints it, for pool); a WSK provider may call it for
 * its own allocations too.
 *
 * @example Usage
 * ```ts
 * import { DriverVerifier, simulateLowResources } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(simulateLowResources("ExAllocatePool2", "Wesk"), false);
 * DriverVerifier.lowResourcesProbability = 1;
 * DriverVerifier.lowResourcesTags = ["Abcd"];
 * assert.equal(simulateLowResources("ExAllocatePool2", "Wesk"), false);
 * assert.equal(simulateLowResources("ExAllocatePool2", "Abcd"), true);
 * DriverVerifier.lowResourcesProbability = 0;
 * DriverVerifier.lowResourcesTags = null;
 * ```
 */
export function simulateLowResources(what = "", tag: string | null = null): boolean {
  const p = DriverVerifier.lowResourcesProbability;
  if (p <= 0) return false;
  const { lowResourcesTags: tags, lowResourcesFunctions: functions } = DriverVerifier;
  if (tags !== null && (tag === null || !tags.includes(tag))) return false;
  if (functions !== null && !functions.includes(what)) return false;
  if (verifierRandom() >= p) return false;
  observer?.(what, tag);
  return true;
}

/**
 * IRQL Checking for a PASSIVE_LEVEL-only DDI: with the option on, calling
 * `ddi` above PASSIVE_LEVEL bug checks DRIVER_VERIFIER_DETECTED_VIOLATION
 * (0xC4) with P1 = `ruleCode`, the DDI compliance rule's code (0x2001F
 * IrqlZwPassive, 0x2000C IrqlIoPassive3, ...), P2 = the IRQL. Off, it is one
 * branch.
 *
 * @example Usage
 * ```ts
 * import { BugCheckError, DriverVerifier, KeLowerIrql, KeRaiseIrqlToDpcLevel, requirePassiveLevel } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * DriverVerifier.irqlChecking = true;
 * const OldIrql = KeRaiseIrqlToDpcLevel();
 * try {
 *   assert.throws(() => requirePassiveLevel("ZwClose", 0x2001F, "IrqlZwPassive"), (e) => e instanceof BugCheckError && e.BugCheckParameters[0] === 0x2001F);
 * } finally {
 *   KeLowerIrql(OldIrql);
 *   DriverVerifier.irqlChecking = false;
 * }
 * ```
 */
export function requirePassiveLevel(ddi: string, ruleCode: number, rule: string): void {
  if (!DriverVerifier.irqlChecking) return;
  const irql = KeGetCurrentIrql();
  if (irql === 0) return;
  KeBugCheckEx(
    DRIVER_VERIFIER_DETECTED_VIOLATION,
    ruleCode,
    irql,
    0,
    0,
    `${ddi} called at IRQL ${irql}; it may only be called at PASSIVE_LEVEL (DDI rule ${rule})`,
  );
}
