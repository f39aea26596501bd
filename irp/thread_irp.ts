// Copyright 2026 the wskemu authors. MIT license.
/**
 * Threaded IRPs: the ones the I/O manager builds for a thread
 * (IoBuildAsynchronousFsdRequest, IoBuildSynchronousFsdRequest). Unlike an
 * IoAllocateIrp IRP they may complete all the way up: the I/O manager then
 * copies the status to `UserIosb`, signals `UserEvent` and frees the IRP.
 *
 * @module
 */
import { DRIVER_VERIFIER_IOMANAGER_VIOLATION, KeBugCheckEx, objectAddress } from "./bugcheck.ts";
import { type DEVICE_OBJECT, DO_BUFFERED_IO, DO_DIRECT_IO } from "./device.ts";
import {
  type IO_STATUS_BLOCK,
  IoAllocateIrp,
  IoFreeIrp,
  IoGetNextIrpStackLocation,
  type IRP,
  IRP_MJ_READ,
  IRP_MJ_WRITE,
} from "./irp.ts";
import type { KEVENT, LARGE_INTEGER } from "./kevent.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool } from "./mdl.ts";
import { irpState } from "./_irp_state.ts";

/**
 * A kernel thread, as `KTHREAD`/`ETHREAD`. JavaScript has one thread of
 * execution, so there is exactly one: {@linkcode PsGetCurrentThread}.
 *
 * @example Usage
 * ```ts
 * import { KTHREAD, PsGetCurrentThread } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.ok(PsGetCurrentThread() instanceof KTHREAD);
 * ```
 */
export class KTHREAD {
  // Makes the class nominal: a look-alike object is not a KTHREAD.
  readonly #brand = true;
  /** A name for diagnostics. */
  readonly ThreadName: string;

  /**
   * A thread object; drivers get the current one from PsGetCurrentThread.
   *
   * @param ThreadName A name for diagnostics.
   */
  constructor(ThreadName = "wskemu") {
    this.ThreadName = ThreadName;
  }
}

const currentThread = new KTHREAD();

/**
 * The current thread (always the same object).
 *
 * @example Usage
 * ```ts
 * import { PsGetCurrentThread } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(PsGetCurrentThread(), PsGetCurrentThread());
 * ```
 */
export function PsGetCurrentThread(): KTHREAD {
  return currentThread;
}

function build(
  MajorFunction: number,
  DeviceObject: DEVICE_OBJECT,
  Buffer: Uint8Array | null,
  Length: number,
  StartingOffset: LARGE_INTEGER | null,
  IoStatusBlock: IO_STATUS_BLOCK | null,
  what: string,
): IRP | null {
  const transfer = MajorFunction === IRP_MJ_READ || MajorFunction === IRP_MJ_WRITE;
  if (transfer && Length > 0 && (Buffer === null || Buffer.byteLength < Length)) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x08,
      objectAddress(Buffer),
      Length,
      0,
      `${what}: the buffer (${
        Buffer?.byteLength ?? "NULL"
      } bytes) is smaller than Length ${Length}`,
    );
  }
  const Irp = IoAllocateIrp(DeviceObject.StackSize, false);
  if (!Irp) return null;
  Irp.Tail.Overlay.Thread = PsGetCurrentThread();
  Irp.UserIosb = IoStatusBlock;
  const IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp.MajorFunction = MajorFunction;
  if (transfer) {
    const data = Buffer === null ? null : Buffer.subarray(0, Length);
    const name = MajorFunction === IRP_MJ_READ ? "Read" : "Write";
    IrpSp.Parameters = { [name]: { Length, Key: 0, ByteOffset: StartingOffset } };
    if (data !== null && (DeviceObject.Flags & DO_DIRECT_IO) !== 0) {
      const Mdl = IoAllocateMdl(data, Length, false, false, Irp);
      if (!Mdl) {
        IoFreeIrp(Irp);
        return null;
      }
      MmBuildMdlForNonPagedPool(Mdl);
    } else if ((DeviceObject.Flags & DO_BUFFERED_IO) !== 0) {
      // Windows copies through a pool buffer; a shared view behaves the same
      // for a driver that only touches it before completing.
      Irp.AssociatedIrp.SystemBuffer = data;
    } else {
      Irp.UserBuffer = data;
    }
  }
  return Irp;
}

/**
 * Builds an IRP for a read, write, flush, shutdown, PnP or power request to
 * `DeviceObject`, associated with the current thread. The request sits in the
 * next stack location (`CurrentLocation` is `StackCount + 1`); send it with
 * IoCallDriver. When it completes with no routine keeping it, the status is
 * copied to `IoStatusBlock` and the IRP is freed. Returns null when memory runs
 * out; a read or write buffer smaller than `Length` bug checks
 * DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) with P1 = 0x08.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoBuildAsynchronousFsdRequest, IoCreateDevice, IoDeleteDevice, IoFreeIrp, IRP_MJ_FLUSH_BUFFERS, PsGetCurrentThread, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(new DRIVER_OBJECT(), 0, null, 0x22, 0, false, Device);
 * const Iosb = { Status: 0, Information: 0 };
 * const Irp = IoBuildAsynchronousFsdRequest(IRP_MJ_FLUSH_BUFFERS, Device.value!, null, 0, null, Iosb)!;
 * assert.equal(Irp.Tail.Overlay.Thread, PsGetCurrentThread());
 * assert.equal(Irp.Stack[0].MajorFunction, IRP_MJ_FLUSH_BUFFERS);
 * IoFreeIrp(Irp);
 * IoDeleteDevice(Device.value!);
 * ```
 */
export function IoBuildAsynchronousFsdRequest(
  MajorFunction: number,
  DeviceObject: DEVICE_OBJECT,
  Buffer: Uint8Array | null,
  Length: number,
  StartingOffset: LARGE_INTEGER | null,
  IoStatusBlock: IO_STATUS_BLOCK | null,
): IRP | null {
  return build(
    MajorFunction,
    DeviceObject,
    Buffer,
    Length,
    StartingOffset,
    IoStatusBlock,
    "IoBuildAsynchronousFsdRequest",
  );
}

/**
 * As IoBuildAsynchronousFsdRequest, and completion also signals `Event`. The
 * IRP belongs to the I/O manager: the driver sends it and waits on `Event`,
 * and must not free it (IoFreeIrp bug checks 0xC9 with P1 = 0x02).
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoBuildSynchronousFsdRequest, IoCompleteRequest, IoCreateDevice, IoDeleteDevice, IoSetNextIrpStackLocation, IRP_MJ_FLUSH_BUFFERS, KEVENT, KeReadStateEvent, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(new DRIVER_OBJECT(), 0, null, 0x22, 0, false, Device);
 * const Event = new KEVENT();
 * const Iosb = { Status: 0, Information: 0 };
 * const Irp = IoBuildSynchronousFsdRequest(IRP_MJ_FLUSH_BUFFERS, Device.value!, null, 0, null, Event, Iosb)!;
 * IoSetNextIrpStackLocation(Irp); // what IoCallDriver does
 * Irp.IoStatus.Information = 7;
 * IoCompleteRequest(Irp, 0);
 * assert.equal(KeReadStateEvent(Event), 1);
 * assert.equal(Iosb.Information, 7);
 * IoDeleteDevice(Device.value!);
 * ```
 */
export function IoBuildSynchronousFsdRequest(
  MajorFunction: number,
  DeviceObject: DEVICE_OBJECT,
  Buffer: Uint8Array | null,
  Length: number,
  StartingOffset: LARGE_INTEGER | null,
  Event: KEVENT,
  IoStatusBlock: IO_STATUS_BLOCK | null,
): IRP | null {
  const Irp = build(
    MajorFunction,
    DeviceObject,
    Buffer,
    Length,
    StartingOffset,
    IoStatusBlock,
    "IoBuildSynchronousFsdRequest",
  );
  if (Irp) {
    Irp.UserEvent = Event;
    irpState(Irp).threadQueued = true;
  }
  return Irp;
}
