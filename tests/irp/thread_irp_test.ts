// Copyright 2026 the wskemu authors. MIT license.
// Thread IRPs, after the cases of Wine's test_call_driver (which pass on
// Windows): how IoBuild*FsdRequest sets up an IRP and what completing it does.
import assert from "node:assert/strict";
import {
  type DEVICE_OBJECT,
  DO_BUFFERED_IO,
  DO_DIRECT_IO,
  DRIVER_OBJECT,
  Executive,
  type IO_STATUS_BLOCK,
  IoBuildAsynchronousFsdRequest,
  IoBuildSynchronousFsdRequest,
  IoCallDriver,
  IoCompleteRequest,
  IoCreateDevice,
  IoDeleteDevice,
  IoFreeIrp,
  IoMarkIrpPending,
  type IRP,
  IRP_MJ_FLUSH_BUFFERS,
  IRP_MJ_READ,
  IRP_MJ_WRITE,
  KeInitializeEvent,
  KernelMode,
  KEVENT,
  KeWaitForSingleObject,
  NotificationEvent,
  outstandingIrps,
  PsGetCurrentThread,
  STATUS_PENDING,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

/** A device whose driver pends every request it gets, keeping the IRPs in `pending`. */
function pendingDevice(Flags = 0) {
  const pending: IRP[] = [];
  const Driver = new DRIVER_OBJECT("\\Driver\\Pending");
  for (const major of [IRP_MJ_FLUSH_BUFFERS, IRP_MJ_READ, IRP_MJ_WRITE]) {
    Driver.MajorFunction[major] = (_DeviceObject, Irp) => {
      IoMarkIrpPending(Irp);
      pending.push(Irp);
      return STATUS_PENDING;
    };
  }
  const Device = { value: null as DEVICE_OBJECT | null };
  IoCreateDevice(Driver, 0, null, 0x22, 0, false, Device);
  Device.value!.Flags |= Flags;
  return { Device: Device.value!, pending, dispose: () => IoDeleteDevice(Device.value!) };
}

const untouched = (): IO_STATUS_BLOCK => ({ Status: 0xDEADBEEF, Information: 0xDEADBEEF });

Deno.test("IoBuildAsynchronousFsdRequest() builds a thread IRP with the request in the next location", () => {
  const { Device, dispose } = pendingDevice();
  const Iosb = untouched();
  const Irp = IoBuildAsynchronousFsdRequest(IRP_MJ_FLUSH_BUFFERS, Device, null, 0, null, Iosb)!;
  assert.equal(Irp.UserIosb, Iosb);
  assert.equal(Irp.Cancel, false);
  assert.equal(Irp.CancelRoutine, null);
  assert.equal(Irp.UserEvent, null);
  assert.equal(Irp.CurrentLocation, 2);
  assert.equal(Irp.Tail.Overlay.Thread, PsGetCurrentThread());
  assert.deepEqual(Irp.IoStatus, { Status: 0, Information: 0 });
  const IrpSp = Irp.Stack[0];
  assert.equal(IrpSp.MajorFunction, IRP_MJ_FLUSH_BUFFERS);
  assert.equal(IrpSp.DeviceObject, null);
  assert.equal(IrpSp.FileObject, null);
  assert.equal(IrpSp.CompletionRoutine, null);
  assert.deepEqual(Iosb, untouched());
  IoFreeIrp(Irp);
  dispose();
});

Deno.test("IoCompleteRequest() on a thread IRP fills UserIosb and frees the IRP", () => {
  const before = outstandingIrps();
  const { Device, pending, dispose } = pendingDevice();
  const Iosb = untouched();
  const Irp = IoBuildAsynchronousFsdRequest(IRP_MJ_FLUSH_BUFFERS, Device, null, 0, null, Iosb)!;
  assert.equal(IoCallDriver(Device, Irp), STATUS_PENDING);
  assert.deepEqual(pending, [Irp]);
  assert.equal(Irp.Stack[0].DeviceObject, Device);
  assert.deepEqual(Iosb, untouched(), "nothing is reported before completion");

  Irp.IoStatus.Status = STATUS_SUCCESS;
  Irp.IoStatus.Information = 123;
  IoCompleteRequest(Irp, 0);
  assert.deepEqual(Iosb, { Status: STATUS_SUCCESS, Information: 123 });
  assert.equal(outstandingIrps(), before, "the I/O manager freed it");
  dispose();
});

Deno.test("IoBuildSynchronousFsdRequest() signals its event only once the IRP completes", async () => {
  const { Device, pending, dispose } = pendingDevice();
  const Event = new KEVENT();
  KeInitializeEvent(Event, NotificationEvent, false);
  const Iosb = untouched();
  const Irp = IoBuildSynchronousFsdRequest(
    IRP_MJ_FLUSH_BUFFERS,
    Device,
    null,
    0,
    null,
    Event,
    Iosb,
  )!;
  assert.equal(Irp.UserEvent, Event);
  assert.equal(IoCallDriver(Device, Irp), STATUS_PENDING);
  const poll = { QuadPart: 0n };
  assert.equal(
    await KeWaitForSingleObject(Event, Executive, KernelMode, false, poll),
    STATUS_TIMEOUT,
  );

  const waiting = KeWaitForSingleObject(Event, Executive, KernelMode, false, null);
  pending[0].IoStatus = { Status: STATUS_SUCCESS, Information: 7 };
  IoCompleteRequest(pending[0], 0);
  assert.equal(await waiting, STATUS_SUCCESS);
  assert.deepEqual(Iosb, { Status: STATUS_SUCCESS, Information: 7 });
  dispose();
});

Deno.test("IoFreeIrp() bug checks 0xC9/0x02 on an IoBuildSynchronousFsdRequest IRP", () => {
  const { Device, dispose } = pendingDevice();
  const Irp = IoBuildSynchronousFsdRequest(
    IRP_MJ_FLUSH_BUFFERS,
    Device,
    null,
    0,
    null,
    new KEVENT(),
    null,
  )!;
  expectBugCheck(() => IoFreeIrp(Irp), 0xC9, 0x02);
  IoCallDriver(Device, Irp);
  IoCompleteRequest(Irp, 0); // the proper way to be rid of it
  dispose();
});

Deno.test("IoBuildAsynchronousFsdRequest() hands a read buffer over as the device asks", () => {
  const Buffer = new Uint8Array(16);
  const Offset = { QuadPart: 512n };
  const direct = pendingDevice(DO_DIRECT_IO);
  const DirectIrp = IoBuildAsynchronousFsdRequest(
    IRP_MJ_READ,
    direct.Device,
    Buffer,
    8,
    Offset,
    null,
  )!;
  assert.deepEqual(DirectIrp.Stack[0].Parameters, {
    Read: { Length: 8, Key: 0, ByteOffset: Offset },
  });
  assert.equal(DirectIrp.MdlAddress!.ByteCount, 8);
  assert.equal(DirectIrp.MdlAddress!.StartVa.buffer, Buffer.buffer);
  IoFreeIrp(DirectIrp);
  direct.dispose();

  const buffered = pendingDevice(DO_BUFFERED_IO);
  const BufferedIrp = IoBuildAsynchronousFsdRequest(
    IRP_MJ_WRITE,
    buffered.Device,
    Buffer,
    4,
    null,
    null,
  )!;
  assert.equal(BufferedIrp.AssociatedIrp.SystemBuffer!.length, 4);
  assert.equal(BufferedIrp.MdlAddress, null);
  IoFreeIrp(BufferedIrp);
  buffered.dispose();
});

Deno.test("IoBuildAsynchronousFsdRequest() bug checks 0xC9/0x08 for a buffer shorter than Length", () => {
  const { Device, dispose } = pendingDevice();
  expectBugCheck(
    () => IoBuildAsynchronousFsdRequest(IRP_MJ_READ, Device, new Uint8Array(4), 8, null, null),
    0xC9,
    0x08,
  );
  dispose();
});
