// Copyright 2026 the wskemu authors. MIT license.
/**
 * I/O stack locations: each driver's slot in an IRP, and the wdm.h routines
 * that move between them, mark a request pending and set completion routines.
 * `IoSetCompletionRoutine` writes the *next* location: the routine runs when
 * the driver below completes the IRP.
 *
 * @module
 */
import {
  formatAddress,
  KeBugCheckEx,
  NO_MORE_IRP_STACK_LOCATIONS,
  objectAddress,
} from "./bugcheck.ts";
import type { DEVICE_OBJECT } from "./device.ts";
import type { IRP } from "./irp.ts";
import type { NTSTATUS } from "./ntstatus.ts";
import { irpState } from "./_irp_state.ts";

/** `SL_PENDING_RETURNED` (0x01): set by IoMarkIrpPending in the current location's `Control`. */
export const SL_PENDING_RETURNED: number = 0x01;
/** `SL_ERROR_RETURNED` (0x02). */
export const SL_ERROR_RETURNED: number = 0x02;
/** `SL_INVOKE_ON_CANCEL` (0x20): call the completion routine when the IRP was cancelled. */
export const SL_INVOKE_ON_CANCEL: number = 0x20;
/** `SL_INVOKE_ON_SUCCESS` (0x40): call the completion routine on an NT_SUCCESS status. */
export const SL_INVOKE_ON_SUCCESS: number = 0x40;
/** `SL_INVOKE_ON_ERROR` (0x80): call the completion routine on a failure status. */
export const SL_INVOKE_ON_ERROR: number = 0x80;

/**
 * A completion routine, as `IO_COMPLETION_ROUTINE`. It runs at DISPATCH_LEVEL,
 * must not wait, and returns STATUS_MORE_PROCESSING_REQUIRED to keep the IRP
 * (always, for an IRP from IoAllocateIrp) or anything else to let completion
 * continue upward. `DeviceObject` is null for the topmost routine.
 */
export type IO_COMPLETION_ROUTINE = (
  DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
) => NTSTATUS;

/**
 * One driver's slot in an IRP, as `IO_STACK_LOCATION`. `Parameters` holds the
 * member of the C union in use, e.g. `{ Read: { Length, ByteOffset } }`.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoGetNextIrpStackLocation, IRP_MJ_READ } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * const IrpSp = IoGetNextIrpStackLocation(Irp);
 * IrpSp.MajorFunction = IRP_MJ_READ;
 * assert.equal(Irp.Stack[0].MajorFunction, IRP_MJ_READ);
 * IoFreeIrp(Irp);
 * ```
 */
export class IO_STACK_LOCATION {
  /** The IRP_MJ_* code, which picks the driver's dispatch routine. */
  MajorFunction = 0;
  /** The IRP_MN_* code, for major functions that have them. */
  MinorFunction = 0;
  /** SL_* request flags. */
  Flags = 0;
  /** SL_PENDING_RETURNED and the SL_INVOKE_ON_* bits. */
  Control = 0;
  /** The request's parameters: the member of the C union in use. */
  Parameters: Record<string, unknown> = {};
  /** The device this location was sent to (IoCallDriver sets it). */
  DeviceObject: DEVICE_OBJECT | null = null;
  /** The file object of the request, if any. */
  FileObject: unknown = null;
  /** The routine IoSetCompletionRoutine stored for the driver above. */
  CompletionRoutine: IO_COMPLETION_ROUTINE | null = null;
  /** The context passed to `CompletionRoutine`. */
  Context: unknown = null;
}

function describe(Irp: IRP): string {
  return `IRP ${formatAddress(objectAddress(Irp))}`;
}

function noLocation(Irp: IRP, what: string, which: number): never {
  return KeBugCheckEx(
    NO_MORE_IRP_STACK_LOCATIONS,
    objectAddress(Irp),
    0,
    0,
    0,
    `${what} on ${describe(Irp)}: stack location ${which} does not exist ` +
      `(StackCount ${Irp.StackCount}, CurrentLocation ${Irp.CurrentLocation})`,
  );
}

/**
 * The current stack location: the one of the driver that owns the IRP. Bug
 * checks NO_MORE_IRP_STACK_LOCATIONS (0x35) when no driver owns it.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoGetCurrentIrpStackLocation, IoSetNextIrpStackLocation, IoSkipCurrentIrpStackLocation } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetNextIrpStackLocation(Irp);
 * assert.equal(IoGetCurrentIrpStackLocation(Irp), Irp.Stack[0]);
 * IoSkipCurrentIrpStackLocation(Irp);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoGetCurrentIrpStackLocation(Irp: IRP): IO_STACK_LOCATION {
  const which = Irp.CurrentLocation;
  if (which < 1 || which > Irp.StackCount) noLocation(Irp, "IoGetCurrentIrpStackLocation", which);
  return Irp.Stack[which - 1];
}

/**
 * The next-lower stack location: where a driver sets up the request for the
 * driver below it (and where IoSetCompletionRoutine writes). Bug checks
 * NO_MORE_IRP_STACK_LOCATIONS (0x35) when there is none.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoGetNextIrpStackLocation } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * assert.equal(IoGetNextIrpStackLocation(Irp), Irp.Stack[0]);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoGetNextIrpStackLocation(Irp: IRP): IO_STACK_LOCATION {
  const which = Irp.CurrentLocation - 1;
  if (which < 1 || which > Irp.StackCount) noLocation(Irp, "IoGetNextIrpStackLocation", which);
  return Irp.Stack[which - 1];
}

/**
 * Makes the next-lower stack location current, as IoCallDriver does before it
 * calls the driver below. A WSK provider does this itself when it accepts an
 * IRP. With no location left it bug checks NO_MORE_IRP_STACK_LOCATIONS (0x35)
 * (P1 = the IRP) and leaves the IRP as it was.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoSetNextIrpStackLocation, BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(0, false)!;
 * assert.throws(
 *   () => IoSetNextIrpStackLocation(Irp),
 *   (e) => e instanceof BugCheckError && e.BugCheckCode === 0x35,
 * );
 * IoFreeIrp(Irp);
 * ```
 */
export function IoSetNextIrpStackLocation(Irp: IRP): void {
  if (Irp.CurrentLocation - 1 < 1) {
    noLocation(Irp, "IoSetNextIrpStackLocation", Irp.CurrentLocation - 1);
  }
  Irp.CurrentLocation--;
  irpState(Irp).completed = false;
}

/**
 * Gives the current stack location back, so the driver below reuses it: the
 * pass-through idiom `IoSkipCurrentIrpStackLocation(Irp); IoCallDriver(...)`.
 * Bug checks NO_MORE_IRP_STACK_LOCATIONS (0x35) when no driver owns the IRP.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoSetNextIrpStackLocation, IoSkipCurrentIrpStackLocation } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetNextIrpStackLocation(Irp);
 * IoSkipCurrentIrpStackLocation(Irp);
 * assert.equal(Irp.CurrentLocation, 2);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoSkipCurrentIrpStackLocation(Irp: IRP): void {
  if (Irp.CurrentLocation > Irp.StackCount) {
    noLocation(Irp, "IoSkipCurrentIrpStackLocation", Irp.CurrentLocation);
  }
  Irp.CurrentLocation++;
}

/** One level deeper than a shallow copy: C copies the Parameters union by value. */
function copyParameters(Parameters: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(Parameters)) {
    const plain = typeof value === "object" && value !== null &&
      Object.getPrototypeOf(value) === Object.prototype;
    copy[key] = plain ? { ...value } : value;
  }
  return copy;
}

/**
 * Copies the current stack location to the next-lower one, except the
 * completion routine, its context and `Control` (which is cleared), so the
 * driver can set its own completion routine before IoCallDriver.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoCopyCurrentIrpStackLocationToNext, IoFreeIrp, IoSetNextIrpStackLocation, IoSkipCurrentIrpStackLocation, IRP_MJ_WRITE } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(2, false)!;
 * IoSetNextIrpStackLocation(Irp);
 * Irp.Stack[1].MajorFunction = IRP_MJ_WRITE;
 * IoCopyCurrentIrpStackLocationToNext(Irp);
 * assert.equal(Irp.Stack[0].MajorFunction, IRP_MJ_WRITE);
 * IoSkipCurrentIrpStackLocation(Irp);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoCopyCurrentIrpStackLocationToNext(Irp: IRP): void {
  const current = IoGetCurrentIrpStackLocation(Irp);
  const next = IoGetNextIrpStackLocation(Irp);
  next.MajorFunction = current.MajorFunction;
  next.MinorFunction = current.MinorFunction;
  next.Flags = current.Flags;
  next.Parameters = copyParameters(current.Parameters);
  next.DeviceObject = current.DeviceObject;
  next.FileObject = current.FileObject;
  next.Control = 0;
}

/**
 * Marks the IRP pending in the current stack location (SL_PENDING_RETURNED),
 * as a driver must before it returns STATUS_PENDING; completion then reports
 * `PendingReturned` to the routine above.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoMarkIrpPending, IoSetNextIrpStackLocation, IoSkipCurrentIrpStackLocation, SL_PENDING_RETURNED } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetNextIrpStackLocation(Irp);
 * IoMarkIrpPending(Irp);
 * assert.equal(Irp.Stack[0].Control & SL_PENDING_RETURNED, SL_PENDING_RETURNED);
 * IoSkipCurrentIrpStackLocation(Irp);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoMarkIrpPending(Irp: IRP): void {
  IoGetCurrentIrpStackLocation(Irp).Control |= SL_PENDING_RETURNED;
}

/**
 * Registers `CompletionRoutine` in the next-lower stack location, to run when
 * the driver below completes the IRP with a success status
 * (`InvokeOnSuccess`), a failure status (`InvokeOnError`) or after IoCancelIrp
 * (`InvokeOnCancel`). For an IRP from IoAllocateIrp pass true for all three.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine, SL_INVOKE_ON_SUCCESS, STATUS_MORE_PROCESSING_REQUIRED } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetCompletionRoutine(Irp, () => STATUS_MORE_PROCESSING_REQUIRED, null, true, false, false);
 * assert.equal(Irp.Stack[0].Control, SL_INVOKE_ON_SUCCESS);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoSetCompletionRoutine(
  Irp: IRP,
  CompletionRoutine: IO_COMPLETION_ROUTINE | null,
  Context: unknown,
  InvokeOnSuccess: boolean,
  InvokeOnError: boolean,
  InvokeOnCancel: boolean,
): void {
  const IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp.CompletionRoutine = CompletionRoutine;
  IrpSp.Context = Context;
  IrpSp.Control = 0;
  if (InvokeOnSuccess) IrpSp.Control |= SL_INVOKE_ON_SUCCESS;
  if (InvokeOnError) IrpSp.Control |= SL_INVOKE_ON_ERROR;
  if (InvokeOnCancel) IrpSp.Control |= SL_INVOKE_ON_CANCEL;
}
