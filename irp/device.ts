// Copyright 2026 the wskemu authors. MIT license.
/**
 * Driver and device objects, and IoCallDriver: enough of the I/O manager to
 * stack drivers and pass IRPs between them, as the IRP tests of a driver need.
 *
 * @module
 */
import {
  DRIVER_VERIFIER_IOMANAGER_VIOLATION,
  formatAddress,
  KeBugCheckEx,
  objectAddress,
} from "./bugcheck.ts";
import { IoCompleteRequest } from "./completion.ts";
import {
  IO_NO_INCREMENT,
  IO_TYPE_IRP,
  IoGetCurrentIrpStackLocation,
  IoSetNextIrpStackLocation,
  IRP,
  IRP_MJ_MAXIMUM_FUNCTION,
} from "./irp.ts";
import { KeGetCurrentIrql } from "./irql.ts";
import {
  type NTSTATUS,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_SUCCESS,
} from "./ntstatus.ts";
import { simulateLowResources } from "./verifier.ts";
import { majorFunctionName } from "./dump.ts";
import { hooks } from "./_hooks.ts";

/** `IO_TYPE_DEVICE` (3): the `Type` of a device object. */
export const IO_TYPE_DEVICE: number = 3;
/** `IO_TYPE_DRIVER` (4): the `Type` of a driver object. */
export const IO_TYPE_DRIVER: number = 4;

/** `DO_BUFFERED_IO` (0x4): reads and writes use `AssociatedIrp.SystemBuffer`. */
export const DO_BUFFERED_IO: number = 0x4;
/** `DO_EXCLUSIVE` (0x8): only one handle at a time. */
export const DO_EXCLUSIVE: number = 0x8;
/** `DO_DIRECT_IO` (0x10): reads and writes use an MDL at `MdlAddress`. */
export const DO_DIRECT_IO: number = 0x10;
/** `DO_DEVICE_INITIALIZING` (0x80): set by IoCreateDevice; the driver clears it when ready. */
export const DO_DEVICE_INITIALIZING: number = 0x80;

/** `FILE_DEVICE_NETWORK` (0x12). */
export const FILE_DEVICE_NETWORK: number = 0x12;
/** `FILE_DEVICE_UNKNOWN` (0x22). */
export const FILE_DEVICE_UNKNOWN: number = 0x22;

/** A dispatch routine, as `DRIVER_DISPATCH`: handles one IRP_MJ_* request. */
export type DRIVER_DISPATCH = (DeviceObject: DEVICE_OBJECT, Irp: IRP) => NTSTATUS;

/**
 * An unload routine, as `DRIVER_UNLOAD`. A TS port's unload usually awaits
 * WskDeregister and a C driver's runs on its own stack, so it may return a
 * promise; the host awaits it.
 */
export type DRIVER_UNLOAD = (DriverObject: DRIVER_OBJECT) => void | Promise<void>;

/** A counted string as drivers hold names (structurally a `UNICODE_STRING`). */
export interface DriverName {
  /** Length in bytes (2 per UTF-16 unit). */
  Length: number;
  /** Capacity in bytes. */
  MaximumLength: number;
  /** The text. */
  Buffer: string;
}

/**
 * A driver, as `DRIVER_OBJECT`: its dispatch table and device objects. On
 * Windows the I/O manager creates it and passes it to DriverEntry; a test
 * does `new DRIVER_OBJECT()` and fills `MajorFunction` as DriverEntry would.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IRP_MJ_READ } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Driver = new DRIVER_OBJECT("\\Driver\\Test");
 * assert.equal(Driver.MajorFunction[IRP_MJ_READ], null);
 * assert.equal(Driver.DriverName.Buffer, "\\Driver\\Test");
 * ```
 */
export class DRIVER_OBJECT {
  /** IO_TYPE_DRIVER (4). */
  Type: number = IO_TYPE_DRIVER;
  /** The first device object (the most recently created); the rest follow `NextDevice`. */
  DeviceObject: DEVICE_OBJECT | null = null;
  /** DRVO_* flags. */
  Flags = 0;
  /** The driver's name, e.g. `\Driver\Test`. */
  DriverName: DriverName;
  /** Called before the driver is unloaded. */
  DriverUnload: DRIVER_UNLOAD | null = null;
  /** Dispatch routines by IRP_MJ_* code; null ones fail with STATUS_INVALID_DEVICE_REQUEST. */
  MajorFunction: (DRIVER_DISPATCH | null)[] = new Array(IRP_MJ_MAXIMUM_FUNCTION + 1).fill(null);

  /**
   * An empty driver object.
   *
   * @param DriverName The driver's name.
   */
  constructor(DriverName = "\\Driver\\wskemu") {
    this.DriverName = {
      Length: DriverName.length * 2,
      MaximumLength: DriverName.length * 2,
      Buffer: DriverName,
    };
  }
}

/**
 * A device object, as `DEVICE_OBJECT`: the target of IoCallDriver.
 * `StackSize` is how many stack locations an IRP sent to it needs (one per
 * driver in its stack). Create it with IoCreateDevice.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoCreateDevice, IoDeleteDevice, FILE_DEVICE_UNKNOWN, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Driver = new DRIVER_OBJECT();
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(Driver, 16, null, FILE_DEVICE_UNKNOWN, 0, false, Device);
 * assert.equal(Device.value!.StackSize, 1);
 * assert.equal(Device.value!.DriverObject, Driver);
 * IoDeleteDevice(Device.value!);
 * ```
 */
export class DEVICE_OBJECT {
  /** IO_TYPE_DEVICE (3) while the device exists; 0 once deleted. */
  Type: number = IO_TYPE_DEVICE;
  /** Open handles and references. */
  ReferenceCount = 0;
  /** The driver that created it. */
  DriverObject: DRIVER_OBJECT;
  /** The driver's next device object. */
  NextDevice: DEVICE_OBJECT | null = null;
  /** The device attached on top of this one, if any. */
  AttachedDevice: DEVICE_OBJECT | null = null;
  /** DO_* flags. */
  Flags = 0;
  /** FILE_* device characteristics. */
  Characteristics = 0;
  /**
   * The driver's per-device storage: a zeroed Uint8Array of the requested
   * size (null for 0). A port may store its own extension object here instead.
   */
  DeviceExtension: unknown = null;
  /** FILE_DEVICE_* type. */
  DeviceType = 0;
  /** Stack locations an IRP for this device needs. */
  StackSize = 1;

  /**
   * A device of `DriverObject`; drivers call IoCreateDevice instead.
   *
   * @param DriverObject The owning driver.
   */
  constructor(DriverObject: DRIVER_OBJECT) {
    this.DriverObject = DriverObject;
  }
}

const deviceNames = new Map<string, DEVICE_OBJECT>();
const namesByDevice = new WeakMap<DEVICE_OBJECT, string>();

/**
 * Creates a device object for `DriverObject` and stores it in
 * `DeviceObject.value`. Returns STATUS_SUCCESS, STATUS_OBJECT_NAME_COLLISION
 * when `DeviceName` is taken, or STATUS_INSUFFICIENT_RESOURCES. `DeviceName`
 * is any UNICODE_STRING (only `Buffer` is read) or null for an unnamed device.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoCreateDevice, IoDeleteDevice, FILE_DEVICE_NETWORK, STATUS_SUCCESS, STATUS_OBJECT_NAME_COLLISION, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Driver = new DRIVER_OBJECT();
 * const Name = { Length: 22, MaximumLength: 22, Buffer: "\\Device\\Ex" };
 * const First = { value: null as DEVICE_OBJECT | null };
 * assert.equal(IoCreateDevice(Driver, 0, Name, FILE_DEVICE_NETWORK, 0, false, First), STATUS_SUCCESS);
 * const Second = { value: null as DEVICE_OBJECT | null };
 * assert.equal(IoCreateDevice(Driver, 0, Name, FILE_DEVICE_NETWORK, 0, false, Second), STATUS_OBJECT_NAME_COLLISION);
 * IoDeleteDevice(First.value!);
 * ```
 */
export function IoCreateDevice(
  DriverObject: DRIVER_OBJECT,
  DeviceExtensionSize: number,
  DeviceName: { readonly Buffer: string } | null,
  DeviceType: number,
  DeviceCharacteristics: number,
  Exclusive: boolean,
  DeviceObject: { value: DEVICE_OBJECT | null },
): NTSTATUS {
  DeviceObject.value = null;
  const name = DeviceName?.Buffer ?? null;
  if (name !== null && deviceNames.has(name.toLowerCase())) return STATUS_OBJECT_NAME_COLLISION;
  if (simulateLowResources("IoCreateDevice")) return STATUS_INSUFFICIENT_RESOURCES;
  const device = new DEVICE_OBJECT(DriverObject);
  device.DeviceType = DeviceType;
  device.Characteristics = DeviceCharacteristics;
  device.Flags = DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0);
  device.DeviceExtension = DeviceExtensionSize > 0 ? new Uint8Array(DeviceExtensionSize) : null;
  if (name !== null) {
    // Object names are case-insensitive.
    deviceNames.set(name.toLowerCase(), device);
    namesByDevice.set(device, name.toLowerCase());
  }
  device.NextDevice = DriverObject.DeviceObject;
  DriverObject.DeviceObject = device;
  DeviceObject.value = device;
  return STATUS_SUCCESS;
}

/**
 * The device object named `DeviceName` (any case), or null: how the I/O
 * manager follows a symbolic link to its device.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoCreateDevice, IoDeleteDevice, lookupDevice, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(new DRIVER_OBJECT(), 0, { Buffer: "\\Device\\Look" }, 0x22, 0, false, Device);
 * assert.equal(lookupDevice("\\device\\look"), Device.value);
 * IoDeleteDevice(Device.value!);
 * assert.equal(lookupDevice("\\Device\\Look"), null);
 * ```
 */
export function lookupDevice(DeviceName: string): DEVICE_OBJECT | null {
  return deviceNames.get(DeviceName.toLowerCase()) ?? null;
}

/**
 * Deletes a device object: unlinks it from its driver and frees its name.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoCreateDevice, IoDeleteDevice, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Driver = new DRIVER_OBJECT();
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(Driver, 0, null, 0x22, 0, false, Device);
 * IoDeleteDevice(Device.value!);
 * assert.equal(Driver.DeviceObject, null);
 * ```
 */
export function IoDeleteDevice(DeviceObject: DEVICE_OBJECT): void {
  const Driver = DeviceObject.DriverObject;
  if (Driver.DeviceObject === DeviceObject) {
    Driver.DeviceObject = DeviceObject.NextDevice;
  } else {
    for (let device = Driver.DeviceObject; device !== null; device = device.NextDevice) {
      if (device.NextDevice === DeviceObject) {
        device.NextDevice = DeviceObject.NextDevice;
        break;
      }
    }
  }
  const name = namesByDevice.get(DeviceObject);
  if (name !== undefined && deviceNames.get(name) === DeviceObject) deviceNames.delete(name);
  namesByDevice.delete(DeviceObject);
  DeviceObject.NextDevice = null;
  DeviceObject.Type = 0;
}

/**
 * Sends an IRP to the driver of `DeviceObject`: makes the next stack location
 * current (bug check NO_MORE_IRP_STACK_LOCATIONS, 0x35, when none is left),
 * records `DeviceObject` in it and calls the driver's dispatch routine for its
 * `MajorFunction`, returning what that returns. A driver with no routine for
 * it gets the IRP completed with STATUS_INVALID_DEVICE_REQUEST, which is
 * returned. Bug checks DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) with P1 =
 * 0x03 for a freed IRP, 0x04 for a deleted device, 0x05 when the dispatch
 * routine returns at another IRQL.
 *
 * @example Usage
 * ```ts
 * import { DRIVER_OBJECT, IoAllocateIrp, IoCallDriver, IoCompleteRequest, IoCreateDevice, IoDeleteDevice, IoFreeIrp, IoSetCompletionRoutine, IRP_MJ_READ, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS, type DEVICE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Driver = new DRIVER_OBJECT();
 * Driver.MajorFunction[IRP_MJ_READ] = (_DeviceObject, Irp) => {
 *   Irp.IoStatus.Status = STATUS_SUCCESS;
 *   IoCompleteRequest(Irp, 0);
 *   return STATUS_SUCCESS;
 * };
 * const Device = { value: null as DEVICE_OBJECT | null };
 * IoCreateDevice(Driver, 0, null, 0x22, 0, false, Device);
 *
 * const Irp = IoAllocateIrp(Device.value!.StackSize, false)!;
 * Irp.Stack[0].MajorFunction = IRP_MJ_READ;
 * let completed = false;
 * IoSetCompletionRoutine(Irp, () => {
 *   completed = true;
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, null, true, true, true);
 * assert.equal(IoCallDriver(Device.value!, Irp), STATUS_SUCCESS);
 * assert.equal(completed, true);
 * IoFreeIrp(Irp);
 * IoDeleteDevice(Device.value!);
 * ```
 */
export function IoCallDriver(DeviceObject: DEVICE_OBJECT, Irp: IRP): NTSTATUS {
  if (!(Irp instanceof IRP) || Irp.Type !== IO_TYPE_IRP) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x03,
      objectAddress(DeviceObject),
      objectAddress(Irp),
      0,
      `IoCallDriver with IRP ${formatAddress(objectAddress(Irp))}, which is not a live IRP ` +
        "(freed already?)",
    );
  }
  if (!(DeviceObject instanceof DEVICE_OBJECT) || DeviceObject.Type !== IO_TYPE_DEVICE) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x04,
      objectAddress(DeviceObject),
      objectAddress(Irp),
      0,
      "IoCallDriver to a device object that does not exist (deleted already?)",
    );
  }
  IoSetNextIrpStackLocation(Irp);
  const IrpSp = IoGetCurrentIrpStackLocation(Irp);
  IrpSp.DeviceObject = DeviceObject;
  // The driver host's trace sees the request as a span on the device's track.
  if (hooks.call !== null) hooks.call(majorFunctionName(IrpSp.MajorFunction), [DeviceObject, Irp]);
  const dispatch = DeviceObject.DriverObject.MajorFunction[IrpSp.MajorFunction] ?? null;
  if (dispatch === null) {
    Irp.IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp.IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
  }
  const before = KeGetCurrentIrql();
  const status = dispatch(DeviceObject, Irp);
  const after = KeGetCurrentIrql();
  if (after !== before) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x05,
      before,
      after,
      objectAddress(Irp),
      `the dispatch routine ${dispatch.name || "(anonymous)"} returned at IRQL ${after}, ` +
        `but was called at IRQL ${before}`,
    );
  }
  return status;
}
