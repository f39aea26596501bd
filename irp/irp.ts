// Copyright 2026 the wskemu authors. MIT license.
/**
 * The I/O request packet (IRP) and its stack of I/O stack locations, with the
 * wdm.h routines that allocate, free, reuse and walk them. `CurrentLocation` is
 * 1-based, as in C: a fresh IRP has `CurrentLocation === StackCount + 1` (no
 * driver owns it yet) and `Stack[0]` is location 1, the lowest driver's.
 *
 * @module
 */
import {
  DRIVER_VERIFIER_IOMANAGER_VIOLATION,
  formatAddress,
  KeBugCheckEx,
  NO_MORE_IRP_STACK_LOCATIONS,
  objectAddress,
} from "./bugcheck.ts";
import type { DEVICE_OBJECT } from "./device.ts";
import type { KIRQL } from "./irql.ts";
import type { KEVENT } from "./kevent.ts";
import { IoFreeMdl, type MDL } from "./mdl.ts";
import type { NTSTATUS } from "./ntstatus.ts";
import type { KTHREAD } from "./thread_irp.ts";
import { simulateLowResources } from "./verifier.ts";
import { countAllocated, countFreed, irpState, outstandingCount } from "./_irp_state.ts";

// Threaded IRPs live in their own file but are part of this module's surface.
// (thread_irp.ts imports this file back; neither touches the other's bindings
// at load time, so the cycle is harmless.)
export {
  IoBuildAsynchronousFsdRequest,
  IoBuildSynchronousFsdRequest,
  KTHREAD,
  PsGetCurrentThread,
} from "./thread_irp.ts";

/** `IO_TYPE_IRP` (6): the `Type` of every IRP. */
export const IO_TYPE_IRP: number = 6;

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

/** `IRP_MJ_CREATE` (0x00). */
export const IRP_MJ_CREATE: number = 0x00;
/** `IRP_MJ_CLOSE` (0x02). */
export const IRP_MJ_CLOSE: number = 0x02;
/** `IRP_MJ_READ` (0x03). */
export const IRP_MJ_READ: number = 0x03;
/** `IRP_MJ_WRITE` (0x04). */
export const IRP_MJ_WRITE: number = 0x04;
/** `IRP_MJ_FLUSH_BUFFERS` (0x09). */
export const IRP_MJ_FLUSH_BUFFERS: number = 0x09;
/** `IRP_MJ_DEVICE_CONTROL` (0x0E). */
export const IRP_MJ_DEVICE_CONTROL: number = 0x0E;
/** `IRP_MJ_INTERNAL_DEVICE_CONTROL` (0x0F). */
export const IRP_MJ_INTERNAL_DEVICE_CONTROL: number = 0x0F;
/** `IRP_MJ_SHUTDOWN` (0x10). */
export const IRP_MJ_SHUTDOWN: number = 0x10;
/** `IRP_MJ_CLEANUP` (0x12). */
export const IRP_MJ_CLEANUP: number = 0x12;
/** `IRP_MJ_POWER` (0x16). */
export const IRP_MJ_POWER: number = 0x16;
/** `IRP_MJ_PNP` (0x1B). */
export const IRP_MJ_PNP: number = 0x1B;
/** `IRP_MJ_MAXIMUM_FUNCTION` (0x1B): the highest major function code. */
export const IRP_MJ_MAXIMUM_FUNCTION: number = 0x1B;

/** `IO_NO_INCREMENT` (0): the priority boost for IoCompleteRequest when none is due. */
export const IO_NO_INCREMENT: number = 0;
/** `IO_NETWORK_INCREMENT` (2): the priority boost network drivers give. */
export const IO_NETWORK_INCREMENT: number = 2;

// x64 sizes: sizeof(IRP) is 0xD0 and sizeof(IO_STACK_LOCATION) is 0x48.
const IRP_HEADER_SIZE = 0xD0;
const IO_STACK_LOCATION_SIZE = 0x48;

/**
 * The final status of a request, as `IO_STATUS_BLOCK`. `Information` is a
 * `ULONG_PTR`: a byte count, or an object where C stores a pointer (the new
 * WSK_SOCKET after WskSocket, WskSocketConnect and WskAccept).
 */
export interface IO_STATUS_BLOCK {
  /** The completion status. */
  Status: NTSTATUS;
  /** Request-dependent: bytes transferred, or a pointer (an object). */
  Information: number | object;
}

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
 * A cancel routine, as `DRIVER_CANCEL`. IoCancelIrp calls it holding the cancel
 * spin lock; it must call `IoReleaseCancelSpinLock(Irp.CancelIrql)`.
 */
export type DRIVER_CANCEL = (DeviceObject: DEVICE_OBJECT | null, Irp: IRP) => void;

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

/**
 * An I/O request packet, as `IRP` in wdm.h, with the fields drivers use.
 * Drivers get IRPs from IoAllocateIrp or the IoBuild*Request routines;
 * `new IRP(StackSize)` is the raw storage a C driver would pass to
 * IoInitializeIrp.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(2, false)!;
 * assert.equal(Irp.StackCount, 2);
 * assert.equal(Irp.CurrentLocation, 3);
 * IoFreeIrp(Irp);
 * ```
 */
export class IRP {
  /** IO_TYPE_IRP (6) while the IRP is alive; 0 once freed. */
  Type!: number;
  /** The size in bytes of the IRP and its stack locations (IoSizeOfIrp). */
  Size!: number;
  /** IRP_* flags. */
  Flags!: number;
  /** Where the I/O manager maps buffered-I/O data. */
  AssociatedIrp!: { SystemBuffer: Uint8Array | null };
  /** The MDL chain describing the request's buffer, if any (freed by IoFreeIrp). */
  MdlAddress!: MDL | null;
  /** The final status, set by the driver that completes the IRP. */
  IoStatus!: IO_STATUS_BLOCK;
  /** The mode of the original requester: KernelMode (0) or UserMode (1). */
  RequestorMode!: number;
  /** True when some stack location returned STATUS_PENDING (read in completion routines). */
  PendingReturned!: boolean;
  /** The number of stack locations. */
  StackCount!: number;
  /** The current stack location, 1-based; `StackCount + 1` when no driver owns the IRP. */
  CurrentLocation!: number;
  /** True once IoCancelIrp was called. */
  Cancel!: boolean;
  /** The IRQL saved when IoCancelIrp took the cancel spin lock. */
  CancelIrql!: KIRQL;
  /** The routine IoCancelIrp calls, set with IoSetCancelRoutine. */
  CancelRoutine!: DRIVER_CANCEL | null;
  /** Where a thread IRP's final status is copied. */
  UserIosb!: IO_STATUS_BLOCK | null;
  /** The event a thread IRP signals when it completes. */
  UserEvent!: KEVENT | null;
  /** The caller's buffer for neither-buffered-nor-direct I/O. */
  UserBuffer!: Uint8Array | null;
  /** The thread that issued the request (null for IoAllocateIrp IRPs), and driver scratch space. */
  Tail!: { Overlay: { Thread: KTHREAD | null; DriverContext: unknown[] } };
  /** The stack locations: `Stack[0]` is location 1. */
  Stack!: IO_STACK_LOCATION[];

  /**
   * Raw, initialized IRP storage with `StackSize` stack locations, as after
   * IoInitializeIrp. Prefer IoAllocateIrp, which also tracks the IRP.
   *
   * @param StackSize The number of stack locations.
   */
  constructor(StackSize = 1) {
    initialize(this, IoSizeOfIrp(StackSize), StackSize);
  }
}

function initialize(Irp: IRP, PacketSize: number, StackSize: number): void {
  Irp.Type = IO_TYPE_IRP;
  Irp.Size = PacketSize;
  Irp.Flags = 0;
  Irp.AssociatedIrp = { SystemBuffer: null };
  Irp.MdlAddress = null;
  Irp.IoStatus = { Status: 0, Information: 0 };
  Irp.RequestorMode = 0;
  Irp.PendingReturned = false;
  Irp.StackCount = StackSize;
  Irp.CurrentLocation = StackSize + 1;
  Irp.Cancel = false;
  Irp.CancelIrql = 0;
  Irp.CancelRoutine = null;
  Irp.UserIosb = null;
  Irp.UserEvent = null;
  Irp.UserBuffer = null;
  Irp.Tail = { Overlay: { Thread: null, DriverContext: [null, null, null, null] } };
  Irp.Stack = Array.from({ length: StackSize }, () => new IO_STACK_LOCATION());
}

function describe(Irp: IRP): string {
  return `IRP ${formatAddress(objectAddress(Irp))}`;
}

/**
 * The size in bytes of an IRP with `StackSize` stack locations (x64 layout).
 *
 * @example Usage
 * ```ts
 * import { IoSizeOfIrp } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(IoSizeOfIrp(1), 0xD0 + 0x48);
 * ```
 */
export function IoSizeOfIrp(StackSize: number): number {
  return IRP_HEADER_SIZE + StackSize * IO_STACK_LOCATION_SIZE;
}

/**
 * Allocates an IRP with `StackSize` stack locations, not associated with any
 * thread. The caller owns it: its topmost completion routine must return
 * STATUS_MORE_PROCESSING_REQUIRED, and it is released with IoFreeIrp. Returns
 * null when memory runs out (see `DriverVerifier.lowResourcesProbability`).
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, outstandingIrps } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const before = outstandingIrps();
 * const Irp = IoAllocateIrp(1, false);
 * assert.ok(Irp);
 * assert.equal(outstandingIrps(), before + 1);
 * IoFreeIrp(Irp);
 * assert.equal(outstandingIrps(), before);
 * ```
 */
export function IoAllocateIrp(StackSize: number, ChargeQuota: boolean): IRP | null {
  void ChargeQuota; // quotas are not modelled
  // StackSize is a CCHAR in C.
  if (!Number.isInteger(StackSize) || StackSize < 0 || StackSize > 127) return null;
  if (simulateLowResources()) return null;
  const Irp = new IRP(StackSize);
  countAllocated(Irp);
  return Irp;
}

/**
 * Frees an IRP from IoAllocateIrp (or IoBuildAsynchronousFsdRequest), and the
 * MDL chain at `Irp.MdlAddress` with it. Bug checks
 * DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) with P1 = 0x01 when it is not a
 * live IRP (freed twice), 0x02 when the I/O manager owns it
 * (IoBuildSynchronousFsdRequest), and 0x20A when a driver still owns it (in
 * flight: sent and not yet completed).
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoFreeIrp(Irp);
 * assert.throws(() => IoFreeIrp(Irp), (e) => e instanceof BugCheckError && e.BugCheckParameters[0] === 0x01);
 * ```
 */
export function IoFreeIrp(Irp: IRP): void {
  if (!(Irp instanceof IRP) || Irp.Type !== IO_TYPE_IRP || irpState(Irp).freed) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x01,
      objectAddress(Irp),
      0,
      0,
      `IoFreeIrp on something that is not a live IRP (${describe(Irp)} was already freed?)`,
    );
  }
  if (irpState(Irp).threadQueued) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x02,
      objectAddress(Irp),
      0,
      0,
      `IoFreeIrp on ${describe(Irp)}, which is queued to a thread ` +
        "(IoBuildSynchronousFsdRequest IRPs are freed by the I/O manager when they complete)",
    );
  }
  if (Irp.CurrentLocation <= Irp.StackCount) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x20A,
      0,
      objectAddress(Irp),
      0,
      `IoFreeIrp on ${describe(Irp)} while it is still in flight (a driver owns stack location ` +
        `${Irp.CurrentLocation} of ${Irp.StackCount}): free it only after it completed`,
    );
  }
  for (let Mdl = Irp.MdlAddress; Mdl !== null;) {
    const Next: MDL | null = Mdl.Next;
    IoFreeMdl(Mdl);
    Mdl = Next;
  }
  Irp.MdlAddress = null;
  Irp.Type = 0;
  countFreed(Irp);
}

/**
 * Initializes raw IRP storage (`new IRP(...)`) of `PacketSize` bytes with
 * `StackSize` stack locations. Using it on an IRP from IoAllocateIrp bug
 * checks DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) with P1 = 0x20D: such an
 * IRP is reinitialized with IoReuseIrp.
 *
 * @example Usage
 * ```ts
 * import { IRP, IoInitializeIrp, IoSizeOfIrp } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = new IRP(2);
 * IoInitializeIrp(Irp, IoSizeOfIrp(2), 2);
 * assert.equal(Irp.CurrentLocation, 3);
 * ```
 */
export function IoInitializeIrp(Irp: IRP, PacketSize: number, StackSize: number): void {
  if (irpState(Irp).allocated) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x20D,
      0,
      objectAddress(Irp),
      0,
      `IoInitializeIrp on ${describe(Irp)}, which came from IoAllocateIrp: use IoReuseIrp`,
    );
  }
  initialize(Irp, PacketSize, StackSize);
  const state = irpState(Irp);
  state.freed = false;
  state.completed = false;
}

/**
 * Reinitializes a completed IRP for another request, as `IoReuseIrp`: every
 * field is reset (Cancel cleared, CurrentLocation back to StackCount + 1,
 * completion routines and MdlAddress cleared) and `IoStatus.Status` is set to
 * `Iostatus`. Reusing an IRP that is still in use (in flight, or with a cancel
 * routine set) bug checks DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) with
 * P1 = 0x310.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoReuseIrp, STATUS_UNSUCCESSFUL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * Irp.Cancel = true;
 * IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
 * assert.equal(Irp.Cancel, false);
 * assert.equal(Irp.IoStatus.Status, STATUS_UNSUCCESSFUL);
 * IoFreeIrp(Irp);
 * ```
 */
export function IoReuseIrp(Irp: IRP, Iostatus: NTSTATUS): void {
  const state = irpState(Irp);
  const inUse = state.freed
    ? "it was already freed"
    : Irp.CurrentLocation <= Irp.StackCount
    ? `a driver still owns stack location ${Irp.CurrentLocation} of ${Irp.StackCount}`
    : Irp.CancelRoutine !== null
    ? "its cancel routine is still set"
    : "";
  if (inUse) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x310,
      0,
      objectAddress(Irp),
      0,
      `IoReuseIrp on ${describe(Irp)} while it is in use: ${inUse}`,
    );
  }
  initialize(Irp, Irp.Size, Irp.StackCount);
  Irp.IoStatus.Status = Iostatus;
  state.completed = false;
}

/**
 * The number of IRPs allocated (IoAllocateIrp, IoBuild*Request) and not yet
 * freed. Compare before and after a test to find leaks.
 *
 * @example Usage
 * ```ts
 * import { outstandingIrps } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(typeof outstandingIrps(), "number");
 * ```
 */
export function outstandingIrps(): number {
  return outstandingCount();
}

/**
 * True while a driver owns the IRP: it was passed down (IoCallDriver, or a
 * provider's IoSetNextIrpStackLocation) and has not completed.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoFreeIrp, IoSetNextIrpStackLocation, IoSkipCurrentIrpStackLocation, isIrpInFlight } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetNextIrpStackLocation(Irp);
 * assert.equal(isIrpInFlight(Irp), true);
 * IoSkipCurrentIrpStackLocation(Irp);
 * assert.equal(isIrpInFlight(Irp), false);
 * IoFreeIrp(Irp);
 * ```
 */
export function isIrpInFlight(Irp: IRP): boolean {
  return !irpState(Irp).freed && Irp.CurrentLocation <= Irp.StackCount;
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
