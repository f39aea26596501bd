// Copyright 2026 the wskemu authors. MIT license.
/**
 * Bug checks: what Windows does when a driver breaks a rule it cannot recover
 * from. Here the "blue screen" is a thrown {@linkcode BugCheckError} that
 * carries the real bug check code and its four parameters.
 *
 * @module
 */

/** `IRQL_NOT_GREATER_OR_EQUAL` (0x09): KeRaiseIrql to a level below the current one. */
export const IRQL_NOT_GREATER_OR_EQUAL: number = 0x09;
/** `IRQL_NOT_LESS_OR_EQUAL` (0x0A): waiting, or touching pageable memory, at DISPATCH_LEVEL or above. */
export const IRQL_NOT_LESS_OR_EQUAL: number = 0x0A;
/** `KMODE_EXCEPTION_NOT_HANDLED` (0x1E): an exception nobody caught in kernel mode. */
export const KMODE_EXCEPTION_NOT_HANDLED: number = 0x1E;
/** `NO_MORE_IRP_STACK_LOCATIONS` (0x35): an IRP passed down with no stack location left. */
export const NO_MORE_IRP_STACK_LOCATIONS: number = 0x35;
/** `MULTIPLE_IRP_COMPLETE_REQUESTS` (0x44): IoCompleteRequest on an IRP no driver owns. */
export const MULTIPLE_IRP_COMPLETE_REQUESTS: number = 0x44;
/** `CANCEL_STATE_IN_COMPLETED_IRP` (0x48): IoCancelIrp on an IRP that is already completed. */
export const CANCEL_STATE_IN_COMPLETED_IRP: number = 0x48;
/** `PAGE_FAULT_IN_NONPAGED_AREA` (0x50): a reference to memory that does not exist. */
export const PAGE_FAULT_IN_NONPAGED_AREA: number = 0x50;
/** `UNEXPECTED_KERNEL_MODE_TRAP` (0x7F): a trap the kernel cannot take; P1 = 8 (double fault) is a kernel stack overflow. */
export const UNEXPECTED_KERNEL_MODE_TRAP: number = 0x7F;
/** `BAD_POOL_CALLER` (0xC2): a bad pool request (double free, wrong tag, ...). */
export const BAD_POOL_CALLER: number = 0xC2;
/** `SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION` (0xC1): special pool found a write outside a block (P4 = 0x24: past its end). */
export const SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION: number = 0xC1;
/** `PAGE_FAULT_IN_FREED_SPECIAL_POOL` (0xCC): a use of special pool after it was freed. */
export const PAGE_FAULT_IN_FREED_SPECIAL_POOL: number = 0xCC;
/** `DRIVER_VERIFIER_DETECTED_VIOLATION` (0xC4): a Driver Verifier check failed (sub-code in P1). */
export const DRIVER_VERIFIER_DETECTED_VIOLATION: number = 0xC4;
/** `DRIVER_VERIFIER_IOMANAGER_VIOLATION` (0xC9): an I/O Verification check failed (sub-code in P1). */
export const DRIVER_VERIFIER_IOMANAGER_VIOLATION: number = 0xC9;
/** `DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS` (0xCE). */
export const DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS: number = 0xCE;
/** `DRIVER_IRQL_NOT_LESS_OR_EQUAL` (0xD1): a driver touched invalid memory (often NULL) at DISPATCH_LEVEL. */
export const DRIVER_IRQL_NOT_LESS_OR_EQUAL: number = 0xD1;
/** `DPC_WATCHDOG_VIOLATION` (0x133): code at DISPATCH_LEVEL ran too long (an endless loop). */
export const DPC_WATCHDOG_VIOLATION: number = 0x133;

const NAMES: ReadonlyMap<number, string> = new Map([
  [IRQL_NOT_GREATER_OR_EQUAL, "IRQL_NOT_GREATER_OR_EQUAL"],
  [IRQL_NOT_LESS_OR_EQUAL, "IRQL_NOT_LESS_OR_EQUAL"],
  [KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED"],
  [NO_MORE_IRP_STACK_LOCATIONS, "NO_MORE_IRP_STACK_LOCATIONS"],
  [MULTIPLE_IRP_COMPLETE_REQUESTS, "MULTIPLE_IRP_COMPLETE_REQUESTS"],
  [CANCEL_STATE_IN_COMPLETED_IRP, "CANCEL_STATE_IN_COMPLETED_IRP"],
  [PAGE_FAULT_IN_NONPAGED_AREA, "PAGE_FAULT_IN_NONPAGED_AREA"],
  [UNEXPECTED_KERNEL_MODE_TRAP, "UNEXPECTED_KERNEL_MODE_TRAP"],
  [BAD_POOL_CALLER, "BAD_POOL_CALLER"],
  [SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, "SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION"],
  [PAGE_FAULT_IN_FREED_SPECIAL_POOL, "PAGE_FAULT_IN_FREED_SPECIAL_POOL"],
  [DRIVER_VERIFIER_DETECTED_VIOLATION, "DRIVER_VERIFIER_DETECTED_VIOLATION"],
  [DRIVER_VERIFIER_IOMANAGER_VIOLATION, "DRIVER_VERIFIER_IOMANAGER_VIOLATION"],
  [
    DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS,
    "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
  ],
  [DRIVER_IRQL_NOT_LESS_OR_EQUAL, "DRIVER_IRQL_NOT_LESS_OR_EQUAL"],
  [DPC_WATCHDOG_VIOLATION, "DPC_WATCHDOG_VIOLATION"],
]);

/** `0x` and at least two upper-case hex digits: how bug check codes and parameters are printed. */
function hex(value: number): string {
  return "0x" + value.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * The name of a bug check code, such as `"MULTIPLE_IRP_COMPLETE_REQUESTS"`, or
 * its hex value when this library does not know it.
 *
 * @example Usage
 * ```ts
 * import { bugCheckName, MULTIPLE_IRP_COMPLETE_REQUESTS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(bugCheckName(MULTIPLE_IRP_COMPLETE_REQUESTS), "MULTIPLE_IRP_COMPLETE_REQUESTS");
 * assert.equal(bugCheckName(0x1234), "0x1234");
 * ```
 */
export function bugCheckName(code: number): string {
  return NAMES.get(code) ?? hex(code);
}

/**
 * A bug check: the emulated machine stopped because a driver broke a rule.
 * `BugCheckCode` and `BugCheckParameters` are what Windows would show on the
 * blue screen; the message names the code and says which rule was broken.
 *
 * @example Usage
 * ```ts
 * import { BugCheckError, MULTIPLE_IRP_COMPLETE_REQUESTS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const error = new BugCheckError(MULTIPLE_IRP_COMPLETE_REQUESTS, [0x1000, 0, 0, 0], "completed twice");
 * assert.equal(error.BugCheckCode, 0x44);
 * assert.equal(error.message, "MULTIPLE_IRP_COMPLETE_REQUESTS (0x44): completed twice");
 * ```
 */
export class BugCheckError extends Error {
  /** The bug check code, e.g. 0x44 for MULTIPLE_IRP_COMPLETE_REQUESTS. */
  readonly BugCheckCode: number;
  /** The four bug check parameters; for 0xC4 and 0xC9 the first is the sub-code. */
  readonly BugCheckParameters: readonly [number, number, number, number];
  /** The rule the driver broke, in words (empty when none was given). */
  readonly rule: string;

  /**
   * Builds the error; most code calls {@linkcode KeBugCheckEx} instead.
   *
   * @param BugCheckCode The bug check code.
   * @param BugCheckParameters Its four parameters.
   * @param rule The rule broken, in words; it becomes the message after the code.
   * @param options Standard error options; `cause` keeps an original exception.
   */
  constructor(
    BugCheckCode: number,
    BugCheckParameters: readonly [number, number, number, number],
    rule = "",
    options?: ErrorOptions,
  ) {
    const head = `${bugCheckName(BugCheckCode)} (${hex(BugCheckCode)})`;
    super(
      rule
        ? `${head}: ${rule}`
        : `${head} with parameters ${BugCheckParameters.map(hex).join(", ")}`,
      options,
    );
    this.name = "BugCheckError";
    this.BugCheckCode = BugCheckCode;
    this.BugCheckParameters = Object.freeze([...BugCheckParameters]) as readonly [
      number,
      number,
      number,
      number,
    ];
    this.rule = rule;
  }
}

/**
 * Stops the emulated machine: throws a {@linkcode BugCheckError} with the code
 * and parameters, as `KeBugCheckEx` in wdm.h halts Windows. The optional sixth
 * argument, `rule`, is this library's addition: a sentence saying which rule
 * was broken, used as the error message.
 *
 * @example Usage
 * ```ts
 * import { BugCheckError, KeBugCheckEx, CANCEL_STATE_IN_COMPLETED_IRP } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => KeBugCheckEx(CANCEL_STATE_IN_COMPLETED_IRP, 0x1000, 0, 0, 0, "cancelled too late"),
 *   (e) => e instanceof BugCheckError && e.BugCheckParameters[0] === 0x1000,
 * );
 * ```
 */
export function KeBugCheckEx(
  BugCheckCode: number,
  BugCheckParameter1: number,
  BugCheckParameter2: number,
  BugCheckParameter3: number,
  BugCheckParameter4: number,
  rule = "",
): never {
  throw new BugCheckError(
    BugCheckCode,
    [BugCheckParameter1, BugCheckParameter2, BugCheckParameter3, BugCheckParameter4],
    rule,
  );
}

// JavaScript objects have no address, but bug check parameters and messages
// want one. Each object gets a stable fake kernel address on first use. The
// base keeps every address a safe integer (< 2^53) so it prints exactly.
const addresses = new WeakMap<object, number>();
const ADDRESS_BASE = 0x000F_8000_0010_0000;
const ADDRESS_STEP = 0x1000;
let nextAddress = ADDRESS_BASE;

/**
 * A stable, fake kernel address for an object (an IRP, a routine, a buffer),
 * for bug check parameters and messages. The same object always gets the same
 * address; `null` and `undefined` are address 0, as NULL is.
 *
 * @example Usage
 * ```ts
 * import { objectAddress } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const thing = {};
 * assert.equal(objectAddress(thing), objectAddress(thing));
 * assert.notEqual(objectAddress(thing), objectAddress({}));
 * assert.equal(objectAddress(null), 0);
 * ```
 */
export function objectAddress(obj: object | null | undefined): number {
  if (obj === null || obj === undefined) return 0;
  let address = addresses.get(obj);
  if (address === undefined) {
    address = nextAddress;
    nextAddress += ADDRESS_STEP;
    addresses.set(obj, address);
  }
  return address;
}

/**
 * An address as `0x` and upper-case hex digits, for messages.
 *
 * @example Usage
 * ```ts
 * import { formatAddress } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(formatAddress(0xF800000100000), "0xF800000100000");
 * ```
 */
export function formatAddress(address: number): string {
  return hex(address);
}
