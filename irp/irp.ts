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
  objectAddress,
} from "./bugcheck.ts";
import type { DEVICE_OBJECT } from "./device.ts";
import type { KIRQL } from "./irql.ts";
import type { KEVENT } from "./kevent.ts";
import { IoFreeMdl, type MDL } from "./mdl.ts";
import type { NTSTATUS } from "./ntstatus.ts";
import { IO_STACK_LOCATION } from "./stack_location.ts";
import { resetLocation } from "./_location.ts";
import type { KTHREAD } from "./thread_irp.ts";
import { simulateLowResources } from "./verifier.ts";
import {
  attachIrpState,
  countAllocated,
  countFreed,
  irpState,
  outstandingCount,
} from "./_irp_state.ts";

// Stack locations live in their own file but are part of this module's surface.
export * from "./stack_location.ts";

/** `IO_TYPE_IRP` (6): the `Type` of every IRP. */
export const IO_TYPE_IRP: number = 6;

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
 * A cancel routine, as `DRIVER_CANCEL`. IoCancelIrp calls it holding the cancel
 * spin lock; it must call `IoReleaseCancelSpinLock(Irp.CancelIrql)`.
 */
export type DRIVER_CANCEL = (DeviceObject: DEVICE_OBJECT | null, Irp: IRP) => void;

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
    attachIrpState(this);
  }
}

/** IoInitializeIrp's zeroing. Storage of the right size is reset in place, as C reuses the memory. */
function initialize(Irp: IRP, PacketSize: number, StackSize: number): void {
  const Stack = Irp.Stack;
  if (!(Stack?.length === StackSize && Irp.IoStatus && Irp.Tail && Irp.AssociatedIrp)) {
    // New storage (or of another size): its containers first, then the zeroing.
    Irp.AssociatedIrp = { SystemBuffer: null };
    Irp.IoStatus = { Status: 0, Information: 0 };
    Irp.Tail = { Overlay: { Thread: null, DriverContext: [null, null, null, null] } };
    const Fresh = new Array<IO_STACK_LOCATION>(StackSize);
    for (let i = 0; i < StackSize; i++) Fresh[i] = new IO_STACK_LOCATION();
    Irp.Stack = Fresh;
  } else {
    // Reused storage: its locations are zeroed in place, as C reuses the memory.
    const DriverContext = Irp.Tail.Overlay.DriverContext;
    for (let i = 0; i < DriverContext.length; i++) DriverContext[i] = null;
    for (let i = 0; i < StackSize; i++) resetLocation(Stack[i]);
  }
  resetFields(Irp, PacketSize);
}

function resetFields(Irp: IRP, PacketSize: number): void {
  Irp.Type = IO_TYPE_IRP;
  Irp.Size = PacketSize;
  Irp.Flags = 0;
  Irp.AssociatedIrp.SystemBuffer = null;
  Irp.MdlAddress = null;
  Irp.IoStatus.Status = 0;
  Irp.IoStatus.Information = 0;
  Irp.RequestorMode = 0;
  Irp.PendingReturned = false;
  Irp.StackCount = Irp.Stack.length;
  Irp.CurrentLocation = Irp.StackCount + 1;
  Irp.Cancel = false;
  Irp.CancelIrql = 0;
  Irp.CancelRoutine = null;
  Irp.UserIosb = null;
  Irp.UserEvent = null;
  Irp.UserBuffer = null;
  Irp.Tail.Overlay.Thread = null;
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
  if (simulateLowResources("IoAllocateIrp")) return null;
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
