// Copyright 2026 the wskemu authors. MIT license.
// Device objects and IoCallDriver.
import assert from "node:assert/strict";
import {
  type DEVICE_OBJECT,
  DISPATCH_LEVEL,
  DO_DEVICE_INITIALIZING,
  DRIVER_OBJECT,
  FILE_DEVICE_NETWORK,
  IoAllocateIrp,
  IoCallDriver,
  IoCreateDevice,
  IoDeleteDevice,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IoSkipCurrentIrpStackLocation,
  IRP_MJ_DEVICE_CONTROL,
  KeGetCurrentIrql,
  KeLowerIrql,
  KeRaiseIrql,
  PASSIVE_LEVEL,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_SUCCESS,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

function createDevice(Driver: DRIVER_OBJECT, Name: string | null = null): DEVICE_OBJECT {
  const Device = { value: null as DEVICE_OBJECT | null };
  const UnicodeName = Name === null
    ? null
    : { Length: Name.length * 2, MaximumLength: Name.length * 2, Buffer: Name };
  assert.equal(
    IoCreateDevice(Driver, 8, UnicodeName, FILE_DEVICE_NETWORK, 0, false, Device),
    STATUS_SUCCESS,
  );
  return Device.value!;
}

Deno.test("IoCreateDevice() links devices to their driver; IoDeleteDevice() unlinks them", () => {
  const Driver = new DRIVER_OBJECT();
  const First = createDevice(Driver, "\\Device\\First");
  const Second = createDevice(Driver);
  assert.equal(Driver.DeviceObject, Second);
  assert.equal(Second.NextDevice, First);
  assert.equal(First.DeviceType, FILE_DEVICE_NETWORK);
  assert.equal(First.Flags & DO_DEVICE_INITIALIZING, DO_DEVICE_INITIALIZING);
  assert.deepEqual(First.DeviceExtension, new Uint8Array(8));
  IoDeleteDevice(First);
  assert.equal(Second.NextDevice, null);
  IoDeleteDevice(Second);
  assert.equal(Driver.DeviceObject, null);
  // The name is free again.
  IoDeleteDevice(createDevice(Driver, "\\Device\\First"));
});

Deno.test("IoCreateDevice() refuses a name in use with STATUS_OBJECT_NAME_COLLISION", () => {
  const Driver = new DRIVER_OBJECT();
  const Device = createDevice(Driver, "\\Device\\Taken");
  const Other = { value: null as DEVICE_OBJECT | null };
  const Name = { Length: 0, MaximumLength: 0, Buffer: "\\DEVICE\\taken" };
  assert.equal(
    IoCreateDevice(Driver, 0, Name, 0x22, 0, false, Other),
    STATUS_OBJECT_NAME_COLLISION,
  );
  assert.equal(Other.value, null);
  IoDeleteDevice(Device);
});

Deno.test("IoCallDriver() completes a request the driver has no routine for", () => {
  const Device = createDevice(new DRIVER_OBJECT());
  const Irp = IoAllocateIrp(1, false)!;
  Irp.Stack[0].MajorFunction = IRP_MJ_DEVICE_CONTROL;
  let status = -1;
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, Irp) => {
      status = Irp.IoStatus.Status;
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  assert.equal(IoCallDriver(Device, Irp), STATUS_INVALID_DEVICE_REQUEST);
  assert.equal(status, STATUS_INVALID_DEVICE_REQUEST);
  IoFreeIrp(Irp);
  IoDeleteDevice(Device);
});

Deno.test("IoCallDriver() bug checks NO_MORE_IRP_STACK_LOCATIONS for an IRP without a location", () => {
  const Device = createDevice(new DRIVER_OBJECT());
  const Irp = IoAllocateIrp(0, false)!;
  expectBugCheck(() => IoCallDriver(Device, Irp), 0x35);
  IoFreeIrp(Irp);
  IoDeleteDevice(Device);
});

Deno.test("IoCallDriver() bug checks 0xC9 for a freed IRP or a deleted device", () => {
  const Device = createDevice(new DRIVER_OBJECT());
  const Freed = IoAllocateIrp(1, false)!;
  IoFreeIrp(Freed);
  expectBugCheck(() => IoCallDriver(Device, Freed), 0xC9, 0x03);
  IoDeleteDevice(Device);
  const Irp = IoAllocateIrp(1, false)!;
  expectBugCheck(() => IoCallDriver(Device, Irp), 0xC9, 0x04);
  IoFreeIrp(Irp);
});

Deno.test("IoCallDriver() bug checks 0xC9/0x05 when the dispatch routine changes the IRQL", () => {
  const Driver = new DRIVER_OBJECT();
  Driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = () => {
    KeRaiseIrql(DISPATCH_LEVEL, { value: 0 }); // and forgets to lower it
    return STATUS_SUCCESS;
  };
  const Device = createDevice(Driver);
  const Irp = IoAllocateIrp(1, false)!;
  Irp.Stack[0].MajorFunction = IRP_MJ_DEVICE_CONTROL;
  const error = expectBugCheck(() => IoCallDriver(Device, Irp), 0xC9, 0x05);
  assert.deepEqual(error.BugCheckParameters.slice(1, 3), [PASSIVE_LEVEL, DISPATCH_LEVEL]);
  KeLowerIrql(PASSIVE_LEVEL);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  IoSkipCurrentIrpStackLocation(Irp); // the pretend driver never completes it
  IoFreeIrp(Irp);
  IoDeleteDevice(Device);
});
