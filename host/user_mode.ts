// Copyright 2026 the wskemu authors. MIT license.
/**
 * The application's side of a driver, named like Win32: CreateFile opens
 * `\\.\NAME` through the symbolic link the driver made (IRP_MJ_CREATE),
 * DeviceIoControl sends IRP_MJ_DEVICE_CONTROL with the buffering its control
 * code asks for, CloseHandle sends IRP_MJ_CLEANUP and IRP_MJ_CLOSE. Each one
 * builds the IRP as the I/O manager does (a thread IRP with an event), calls
 * the driver's dispatch routine and waits for the IRP to complete.
 *
 * @module
 */
import { completionQueueIdle } from "../irp/completion.ts";
import { type DEVICE_OBJECT, IoCallDriver } from "../irp/device.ts";
import {
  FILE_OBJECT,
  METHOD_BUFFERED,
  METHOD_FROM_CTL_CODE,
  METHOD_NEITHER,
} from "../irp/ioctl.ts";
import {
  type IO_STACK_LOCATION,
  type IO_STATUS_BLOCK,
  IoFreeIrp,
  IoGetNextIrpStackLocation,
  type IRP,
  IRP_MJ_CLEANUP,
  IRP_MJ_CLOSE,
  IRP_MJ_CREATE,
  IRP_MJ_DEVICE_CONTROL,
} from "../irp/irp.ts";
import { IoBuildSynchronousFsdRequest } from "../irp/thread_irp.ts";
import { dequeueThreadIrp } from "../irp/_irp_state.ts";
import {
  KeInitializeEvent,
  KEVENT,
  KeWaitForSingleObject,
  NotificationEvent,
} from "../irp/kevent.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool } from "../irp/mdl.ts";
import {
  NT_SUCCESS,
  type NTSTATUS,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_HANDLE,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { resolveSymbolicLink } from "../irp/symbolic_link.ts";

/** A user-mode handle: a number, as Win32's HANDLE. */
export type USER_HANDLE = number;

/** `INVALID_HANDLE_VALUE` (-1): what CreateFile returns when it fails. */
export const INVALID_HANDLE_VALUE: USER_HANDLE = -1;
/** `GENERIC_READ` (0x80000000). */
export const GENERIC_READ: number = 0x80000000;
/** `GENERIC_WRITE` (0x40000000). */
export const GENERIC_WRITE: number = 0x40000000;

interface OpenFile {
  FileObject: FILE_OBJECT;
  DeviceObject: DEVICE_OBJECT;
}

const handles = new Map<USER_HANDLE, OpenFile>();
let nextHandle = 0x100;
let lastStatus: NTSTATUS = STATUS_SUCCESS;

/**
 * The NTSTATUS of the last failed (or succeeded) user-mode call, as
 * `RtlGetLastNtStatus` reads it after a Win32 call.
 *
 * @example Usage
 * ```ts
 * import { CreateFile, INVALID_HANDLE_VALUE, RtlGetLastNtStatus } from "@wskemu/wsk/host";
 * import { STATUS_OBJECT_NAME_NOT_FOUND } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await CreateFile("\\\\.\\NoSuchDevice"), INVALID_HANDLE_VALUE);
 * assert.equal(RtlGetLastNtStatus(), STATUS_OBJECT_NAME_NOT_FOUND);
 * ```
 */
export function RtlGetLastNtStatus(): NTSTATUS {
  return lastStatus;
}

/** Sends `Irp` (built by `fill`) to `device` as the I/O manager does, and waits for its completion. */
async function send(
  DeviceObject: DEVICE_OBJECT,
  FileObject: FILE_OBJECT,
  MajorFunction: number,
  fill: (IrpSp: IO_STACK_LOCATION, Irp: IRP) => boolean,
): Promise<IO_STATUS_BLOCK> {
  const IoStatus: IO_STATUS_BLOCK = { Status: STATUS_SUCCESS, Information: 0 };
  const Event = new KEVENT();
  KeInitializeEvent(Event, NotificationEvent, false);
  // A thread IRP: completion copies IoStatus out, signals Event and frees it.
  const Irp = IoBuildSynchronousFsdRequest(
    MajorFunction,
    DeviceObject,
    null,
    0,
    null,
    Event,
    IoStatus,
  );
  if (!Irp) return { Status: STATUS_INSUFFICIENT_RESOURCES, Information: 0 };
  const IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp.FileObject = FileObject;
  if (!fill(IrpSp, Irp)) {
    // Never sent: the I/O manager releases it (and any MDL fill attached).
    dequeueThreadIrp(Irp);
    IoFreeIrp(Irp);
    return { Status: STATUS_INSUFFICIENT_RESOURCES, Information: 0 };
  }
  IoCallDriver(DeviceObject, Irp);
  // Completed inline or later, the thread IRP signals its event at completion.
  await KeWaitForSingleObject(Event, 0, 0, false, null);
  return IoStatus;
}

/**
 * `CreateFile`: opens `\\.\NAME` (the name after `\DosDevices\` or `\??\`
 * in the driver's IoCreateSymbolicLink) and sends IRP_MJ_CREATE. Returns the
 * handle, or INVALID_HANDLE_VALUE with the reason in RtlGetLastNtStatus():
 * STATUS_OBJECT_NAME_NOT_FOUND for no such link or device, or the status the
 * driver completed the create with.
 *
 * @example See `DeviceIoControl`.
 * ```ts
 * import { CreateFile, INVALID_HANDLE_VALUE } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 * assert.equal(await CreateFile("\\\\.\\Nothing"), INVALID_HANDLE_VALUE);
 * ```
 */
export async function CreateFile(
  lpFileName: string,
  dwDesiredAccess: number = GENERIC_READ | GENERIC_WRITE,
): Promise<USER_HANDLE> {
  const match = /^\\\\[.?]\\([^\\]+)(.*)$/.exec(lpFileName);
  const DeviceObject = match ? resolveSymbolicLink(match[1]!) : null;
  if (!match || !DeviceObject) {
    lastStatus = STATUS_OBJECT_NAME_NOT_FOUND;
    return INVALID_HANDLE_VALUE;
  }
  const FileObject = new FILE_OBJECT(DeviceObject, match[2]!);
  const IoStatus = await send(DeviceObject, FileObject, IRP_MJ_CREATE, (IrpSp) => {
    IrpSp.Parameters = {
      Create: {
        SecurityContext: { DesiredAccess: dwDesiredAccess },
        Options: 0,
        FileAttributes: 0,
        ShareAccess: 0,
        EaLength: 0,
      },
    };
    return true;
  });
  lastStatus = IoStatus.Status;
  if (!NT_SUCCESS(IoStatus.Status)) return INVALID_HANDLE_VALUE;
  DeviceObject.ReferenceCount++;
  const handle = nextHandle;
  nextHandle += 4;
  handles.set(handle, { FileObject, DeviceObject });
  return handle;
}

/** What DeviceIoControl returns. */
export interface DeviceIoControlResult {
  /** The status the driver completed the IRP with. */
  Status: NTSTATUS;
  /** `lpBytesReturned`: `IoStatus.Information`. */
  BytesReturned: number;
  /** The output buffer (`nOutBufferSize` bytes; the first BytesReturned are the driver's). */
  OutBuffer: Uint8Array;
}

/**
 * `DeviceIoControl`: sends IRP_MJ_DEVICE_CONTROL with `dwIoControlCode` in
 * `Parameters.DeviceIoControl` (with InputBufferLength and
 * OutputBufferLength). METHOD_BUFFERED puts the input in
 * `Irp.AssociatedIrp.SystemBuffer` (as large as the larger of the two) and
 * copies `IoStatus.Information` bytes back out; METHOD_IN_DIRECT and
 * METHOD_OUT_DIRECT put the input there and describe the output buffer
 * (initialised from `lpOutBuffer`, if given) with an MDL at `Irp.MdlAddress`;
 * METHOD_NEITHER passes `Type3InputBuffer` and `Irp.UserBuffer`.
 *
 * @example An IOCTL that reverses its input
 * ```ts
 * import { CloseHandle, CreateFile, DeviceIoControl } from "@wskemu/wsk/host";
 * import {
 *   CTL_CODE, DRIVER_OBJECT, IoCompleteRequest, IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice,
 *   IoDeleteSymbolicLink, IoGetCurrentIrpStackLocation, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE,
 *   IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, STATUS_SUCCESS, type DEVICE_OBJECT, type DRIVER_DISPATCH,
 * } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const IOCTL_REVERSE = CTL_CODE(0x22, 0x800, METHOD_BUFFERED, 0);
 * const Driver = new DRIVER_OBJECT();
 * const succeed: DRIVER_DISPATCH = (_D, Irp) => {
 *   Irp.IoStatus.Status = STATUS_SUCCESS;
 *   IoCompleteRequest(Irp, 0);
 *   return STATUS_SUCCESS;
 * };
 * Driver.MajorFunction[IRP_MJ_CREATE] = succeed;
 * Driver.MajorFunction[IRP_MJ_CLEANUP] = succeed;
 * Driver.MajorFunction[IRP_MJ_CLOSE] = succeed;
 * Driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = (_D, Irp) => {
 *   const { InputBufferLength } = IoGetCurrentIrpStackLocation(Irp).Parameters.DeviceIoControl as { InputBufferLength: number };
 *   const Buffer = Irp.AssociatedIrp.SystemBuffer!;
 *   Buffer.subarray(0, InputBufferLength).reverse();
 *   Irp.IoStatus.Status = STATUS_SUCCESS;
 *   Irp.IoStatus.Information = InputBufferLength;
 *   IoCompleteRequest(Irp, 0);
 *   return STATUS_SUCCESS;
 * };
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(Driver, 0, { Buffer: "\\Device\\Rev" }, 0x22, 0, false, Device);
 * IoCreateSymbolicLink({ Buffer: "\\DosDevices\\Rev" }, { Buffer: "\\Device\\Rev" });
 *
 * const handle = await CreateFile("\\\\.\\Rev");
 * const result = await DeviceIoControl(handle, IOCTL_REVERSE, new Uint8Array([1, 2, 3]), 8);
 * assert.equal(result.BytesReturned, 3);
 * assert.deepEqual([...result.OutBuffer.subarray(0, 3)], [3, 2, 1]);
 * assert.equal(await CloseHandle(handle), true);
 * IoDeleteSymbolicLink({ Buffer: "\\DosDevices\\Rev" });
 * IoDeleteDevice(Device.value!);
 * ```
 */
export async function DeviceIoControl(
  hDevice: USER_HANDLE,
  dwIoControlCode: number,
  lpInBuffer: Uint8Array | null,
  nOutBufferSize: number,
  lpOutBuffer?: Uint8Array,
): Promise<DeviceIoControlResult> {
  const open = handles.get(hDevice);
  const OutBuffer = new Uint8Array(nOutBufferSize);
  if (lpOutBuffer) OutBuffer.set(lpOutBuffer.subarray(0, nOutBufferSize));
  if (!open) {
    lastStatus = STATUS_INVALID_HANDLE;
    return { Status: STATUS_INVALID_HANDLE, BytesReturned: 0, OutBuffer };
  }
  const input = lpInBuffer ?? new Uint8Array(0);
  const method = METHOD_FROM_CTL_CODE(dwIoControlCode);
  let SystemBuffer: Uint8Array | null = null;
  const IoStatus = await send(
    open.DeviceObject,
    open.FileObject,
    IRP_MJ_DEVICE_CONTROL,
    (IrpSp, Irp) => {
      IrpSp.Parameters = {
        DeviceIoControl: {
          OutputBufferLength: nOutBufferSize,
          InputBufferLength: input.length,
          IoControlCode: dwIoControlCode >>> 0,
          Type3InputBuffer: method === METHOD_NEITHER ? input.slice() : null,
        },
      };
      if (method === METHOD_NEITHER) {
        Irp.UserBuffer = OutBuffer;
        return true;
      }
      const size = method === METHOD_BUFFERED
        ? Math.max(input.length, nOutBufferSize)
        : input.length;
      SystemBuffer = size > 0 ? new Uint8Array(size) : null;
      SystemBuffer?.set(input);
      Irp.AssociatedIrp.SystemBuffer = SystemBuffer;
      if (method !== METHOD_BUFFERED && nOutBufferSize > 0) {
        const Mdl = IoAllocateMdl(OutBuffer, nOutBufferSize, false, false, Irp);
        if (!Mdl) return false;
        MmBuildMdlForNonPagedPool(Mdl);
      }
      return true;
    },
  );
  const information = typeof IoStatus.Information === "number" ? IoStatus.Information : 0;
  const BytesReturned = Math.min(information, nOutBufferSize);
  // Set inside fill(), which TypeScript's narrowing cannot see.
  const buffered = SystemBuffer as Uint8Array | null;
  if (method === METHOD_BUFFERED && buffered) OutBuffer.set(buffered.subarray(0, BytesReturned));
  lastStatus = IoStatus.Status;
  return { Status: IoStatus.Status, BytesReturned, OutBuffer };
}

/**
 * `CloseHandle`: IRP_MJ_CLEANUP, then IRP_MJ_CLOSE, each awaited. False
 * (STATUS_INVALID_HANDLE) for a handle that is not open.
 *
 * @example Usage
 * ```ts
 * import { CloseHandle } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 * assert.equal(await CloseHandle(0x1234), false);
 * ```
 */
export async function CloseHandle(hObject: USER_HANDLE): Promise<boolean> {
  const open = handles.get(hObject);
  if (!open) {
    lastStatus = STATUS_INVALID_HANDLE;
    return false;
  }
  handles.delete(hObject);
  await send(open.DeviceObject, open.FileObject, IRP_MJ_CLEANUP, () => true);
  await send(open.DeviceObject, open.FileObject, IRP_MJ_CLOSE, () => true);
  open.DeviceObject.ReferenceCount--;
  await completionQueueIdle();
  lastStatus = STATUS_SUCCESS;
  return true;
}
