// Copyright 2026 the wskemu authors. MIT license.
// IoCancelIrp and cancel routines, including the cases of Wine's
// test_cancel_irp (which pass on Windows) and the bug checks around them.
import assert from "node:assert/strict";
import {
  type DEVICE_OBJECT,
  DISPATCH_LEVEL,
  type DRIVER_CANCEL,
  DRIVER_OBJECT,
  IoAcquireCancelSpinLock,
  IoAllocateIrp,
  IoBuildAsynchronousFsdRequest,
  IoCancelIrp,
  IoCompleteRequest,
  IoCreateDevice,
  IoDeleteDevice,
  IoFreeIrp,
  IoReleaseCancelSpinLock,
  IoSetCancelRoutine,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  IoSkipCurrentIrpStackLocation,
  type IRP,
  IRP_MJ_FLUSH_BUFFERS,
  KeGetCurrentIrql,
  type KIRQL,
  objectAddress,
  PASSIVE_LEVEL,
  STATUS_CANCELLED,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

Deno.test("IoCancelIrp() without a cancel routine sets Cancel and returns false, twice", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  assert.equal(IoCancelIrp(Irp), false);
  assert.equal(Irp.Cancel, true);
  assert.equal(Irp.CancelRoutine, null);
  assert.equal(IoCancelIrp(Irp), false);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  IoSkipCurrentIrpStackLocation(Irp); // hand it back unsent, then free it
  IoFreeIrp(Irp);
});

Deno.test("IoCancelIrp() calls the cancel routine once, with CancelRoutine already cleared", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  const calls: { routine: DRIVER_CANCEL | null; cancel: boolean; irql: KIRQL }[] = [];
  IoSetCancelRoutine(Irp, (_DeviceObject, Irp) => {
    calls.push({ routine: Irp.CancelRoutine, cancel: Irp.Cancel, irql: KeGetCurrentIrql() });
    IoReleaseCancelSpinLock(Irp.CancelIrql);
  });
  assert.equal(IoCancelIrp(Irp), true);
  assert.deepEqual(calls, [{ routine: null, cancel: true, irql: DISPATCH_LEVEL }]);
  assert.equal(Irp.CancelIrql, PASSIVE_LEVEL);
  assert.equal(IoCancelIrp(Irp), false);
  assert.equal(calls.length, 1);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  IoSkipCurrentIrpStackLocation(Irp);
  IoFreeIrp(Irp);
});

Deno.test("IoCancelIrp() passes the current location's device to the cancel routine", () => {
  const Driver = new DRIVER_OBJECT();
  const Device = { value: null as DEVICE_OBJECT | null };
  IoCreateDevice(Driver, 0, null, 0x22, 0, false, Device);
  const Irp = IoAllocateIrp(1, false)!;
  let completed = false;
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, Irp) => {
      completed = Irp.IoStatus.Status === STATUS_CANCELLED;
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  IoSetNextIrpStackLocation(Irp);
  Irp.Stack[0].DeviceObject = Device.value;
  let seen: DEVICE_OBJECT | null = null;
  IoSetCancelRoutine(Irp, (DeviceObject, Irp) => {
    seen = DeviceObject;
    IoReleaseCancelSpinLock(Irp.CancelIrql);
    Irp.IoStatus = { Status: STATUS_CANCELLED, Information: 0 };
    IoCompleteRequest(Irp, 0);
  });
  assert.equal(IoCancelIrp(Irp), true);
  assert.equal(seen, Device.value);
  assert.equal(completed, true);
  IoFreeIrp(Irp);
  IoDeleteDevice(Device.value!);
});

Deno.test("IoCancelIrp() on an IoAllocateIrp IRP its owner kept (MPR) just returns false", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, () => STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  IoCompleteRequest(Irp, 0);
  assert.equal(IoCancelIrp(Irp), false); // a timeout racing the completion is legal
  IoFreeIrp(Irp);
});

Deno.test("IoCancelIrp() bug checks CANCEL_STATE_IN_COMPLETED_IRP on a completed IRP", () => {
  const Driver = new DRIVER_OBJECT();
  const Device = { value: null as DEVICE_OBJECT | null };
  IoCreateDevice(Driver, 0, null, 0x22, 0, false, Device);
  const Iosb = { Status: 0, Information: 0 };
  const Irp = IoBuildAsynchronousFsdRequest(
    IRP_MJ_FLUSH_BUFFERS,
    Device.value!,
    null,
    0,
    null,
    Iosb,
  )!;
  IoSetNextIrpStackLocation(Irp);
  Irp.IoStatus.Status = STATUS_SUCCESS;
  IoCompleteRequest(Irp, 0); // the I/O manager finishes and frees a thread IRP
  const error = expectBugCheck(() => IoCancelIrp(Irp), 0x48);
  assert.deepEqual(error.BugCheckParameters, [objectAddress(Irp), 0, 0, 0]);
  IoDeleteDevice(Device.value!);
});

Deno.test("IoCancelIrp() bug checks CANCEL_STATE_IN_COMPLETED_IRP on an IRP already freed", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoFreeIrp(Irp);
  expectBugCheck(() => IoCancelIrp(Irp), 0x48);
});

Deno.test("IoCancelIrp() bug checks when the cancel routine keeps the cancel spin lock", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCancelRoutine(Irp, () => {});
  expectBugCheck(() => IoCancelIrp(Irp), 0xC4, 0x00040009);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL, "the machine is put back");
  IoFreeIrp(Irp);
});

Deno.test("IoCancelIrp() bug checks IRQL_NOT_LESS_OR_EQUAL for a cancel routine that waits", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCancelRoutine(
    Irp,
    (async (_DeviceObject: DEVICE_OBJECT | null, Irp: IRP) => {
      IoReleaseCancelSpinLock(Irp.CancelIrql);
      await null;
    }) as unknown as DRIVER_CANCEL,
  );
  expectBugCheck(() => IoCancelIrp(Irp), 0x0A);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  IoFreeIrp(Irp);
});

Deno.test("IoCancelIrp() lets an exception from the cancel routine through and releases the lock", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCancelRoutine(Irp, () => {
    throw new RangeError("driver bug");
  });
  assert.throws(() => IoCancelIrp(Irp), RangeError);
  const Irql = { value: PASSIVE_LEVEL };
  IoAcquireCancelSpinLock(Irql); // would be a violation if still held
  IoReleaseCancelSpinLock(Irql.value);
  IoFreeIrp(Irp);
});

Deno.test("IoAcquireCancelSpinLock() twice and IoReleaseCancelSpinLock() unheld bug check", () => {
  const Irql = { value: PASSIVE_LEVEL };
  IoAcquireCancelSpinLock(Irql);
  expectBugCheck(() => IoAcquireCancelSpinLock({ value: PASSIVE_LEVEL }), 0xC4, 0x00040009);
  IoReleaseCancelSpinLock(Irql.value);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  expectBugCheck(() => IoReleaseCancelSpinLock(PASSIVE_LEVEL), 0xC4, 0x00040009);
});

Deno.test("IoSetCancelRoutine() returns the routine it replaces", () => {
  const Irp = IoAllocateIrp(1, false)!;
  const First: DRIVER_CANCEL = () => {};
  const Second: DRIVER_CANCEL = () => {};
  assert.equal(IoSetCancelRoutine(Irp, First), null);
  assert.equal(IoSetCancelRoutine(Irp, Second), First);
  assert.equal(IoSetCancelRoutine(Irp, null), Second);
  IoFreeIrp(Irp);
});
