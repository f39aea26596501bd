// Copyright 2026 the wskemu authors. MIT license.
// The IRP itself: allocation, stack locations, reuse and freeing, and the bug
// checks for misusing them.
import assert from "node:assert/strict";
import {
  DriverVerifier,
  IO_TYPE_IRP,
  IoAllocateIrp,
  IoAllocateMdl,
  IoCompleteRequest,
  IoCopyCurrentIrpStackLocationToNext,
  IoFreeIrp,
  IoGetCurrentIrpStackLocation,
  IoGetNextIrpStackLocation,
  IoInitializeIrp,
  IoMarkIrpPending,
  IoReuseIrp,
  IoSetCancelRoutine,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  IoSizeOfIrp,
  IoSkipCurrentIrpStackLocation,
  IRP,
  IRP_MJ_INTERNAL_DEVICE_CONTROL,
  isIrpInFlight,
  objectAddress,
  outstandingIrps,
  outstandingMdls,
  SL_INVOKE_ON_CANCEL,
  SL_INVOKE_ON_ERROR,
  SL_INVOKE_ON_SUCCESS,
  SL_PENDING_RETURNED,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

Deno.test("IoAllocateIrp() returns an initialized IRP that no driver owns yet", () => {
  const before = outstandingIrps();
  const Irp = IoAllocateIrp(3, false)!;
  assert.equal(Irp.Type, IO_TYPE_IRP);
  assert.equal(Irp.Size, IoSizeOfIrp(3));
  assert.equal(Irp.StackCount, 3);
  assert.equal(Irp.CurrentLocation, 4);
  assert.equal(Irp.Stack.length, 3);
  assert.deepEqual(Irp.IoStatus, { Status: 0, Information: 0 });
  assert.equal(Irp.Cancel, false);
  assert.equal(Irp.CancelRoutine, null);
  assert.equal(Irp.Tail.Overlay.Thread, null);
  assert.equal(isIrpInFlight(Irp), false);
  assert.equal(outstandingIrps(), before + 1);
  IoFreeIrp(Irp);
  assert.equal(outstandingIrps(), before);
});

Deno.test("IoAllocateIrp() returns null when the verifier simulates low resources", () => {
  DriverVerifier.lowResourcesProbability = 1;
  try {
    assert.equal(IoAllocateIrp(1, false), null);
  } finally {
    DriverVerifier.lowResourcesProbability = 0;
  }
});

Deno.test("IoSetCompletionRoutine() writes the next stack location", () => {
  const Irp = IoAllocateIrp(2, false)!;
  const routine = () => STATUS_MORE_PROCESSING_REQUIRED;
  IoSetCompletionRoutine(Irp, routine, "context", true, false, true);
  const IrpSp = IoGetNextIrpStackLocation(Irp);
  assert.equal(IrpSp, Irp.Stack[1]);
  assert.equal(IrpSp.CompletionRoutine, routine);
  assert.equal(IrpSp.Context, "context");
  assert.equal(IrpSp.Control, SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_CANCEL);
  IoSetCompletionRoutine(Irp, routine, null, false, true, false);
  assert.equal(IrpSp.Control, SL_INVOKE_ON_ERROR, "Control is rewritten, not or-ed");
  IoFreeIrp(Irp);
});

Deno.test("IoSetNextIrpStackLocation() and IoSkipCurrentIrpStackLocation() move CurrentLocation", () => {
  const Irp = IoAllocateIrp(2, false)!;
  IoSetNextIrpStackLocation(Irp);
  assert.equal(Irp.CurrentLocation, 2);
  assert.equal(IoGetCurrentIrpStackLocation(Irp), Irp.Stack[1]);
  assert.equal(isIrpInFlight(Irp), true);
  IoSetNextIrpStackLocation(Irp);
  assert.equal(IoGetCurrentIrpStackLocation(Irp), Irp.Stack[0]);
  IoSkipCurrentIrpStackLocation(Irp);
  IoSkipCurrentIrpStackLocation(Irp);
  assert.equal(Irp.CurrentLocation, 3);
  IoFreeIrp(Irp);
});

Deno.test("IoSetNextIrpStackLocation() bug checks NO_MORE_IRP_STACK_LOCATIONS on a 0-location IRP", () => {
  const Irp = IoAllocateIrp(0, false)!;
  const error = expectBugCheck(() => IoSetNextIrpStackLocation(Irp), 0x35);
  assert.equal(error.BugCheckParameters[0], objectAddress(Irp));
  assert.equal(Irp.CurrentLocation, 1, "the IRP is left as it was");
  expectBugCheck(() => IoSetCompletionRoutine(Irp, null, null, true, true, true), 0x35);
  IoFreeIrp(Irp);
});

Deno.test("IoSetNextIrpStackLocation() bug checks NO_MORE_IRP_STACK_LOCATIONS once the stack is used up", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  expectBugCheck(() => IoSetNextIrpStackLocation(Irp), 0x35);
  expectBugCheck(() => IoGetNextIrpStackLocation(Irp), 0x35);
  IoSkipCurrentIrpStackLocation(Irp);
  expectBugCheck(() => IoGetCurrentIrpStackLocation(Irp), 0x35);
  expectBugCheck(() => IoSkipCurrentIrpStackLocation(Irp), 0x35);
  IoFreeIrp(Irp);
});

Deno.test("IoCopyCurrentIrpStackLocationToNext() copies all but the completion fields", () => {
  const Irp = IoAllocateIrp(2, false)!;
  IoSetNextIrpStackLocation(Irp);
  const current = IoGetCurrentIrpStackLocation(Irp);
  current.MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
  current.MinorFunction = 3;
  current.Parameters = { DeviceIoControl: { IoControlCode: 0x1234, InputBufferLength: 8 } };
  current.Control = SL_PENDING_RETURNED | SL_INVOKE_ON_SUCCESS;
  const next = IoGetNextIrpStackLocation(Irp);
  IoCopyCurrentIrpStackLocationToNext(Irp);
  assert.equal(next.MajorFunction, IRP_MJ_INTERNAL_DEVICE_CONTROL);
  assert.equal(next.MinorFunction, 3);
  assert.deepEqual(next.Parameters, current.Parameters);
  assert.equal(next.Control, 0);
  assert.equal(next.CompletionRoutine, null);
  (next.Parameters.DeviceIoControl as { IoControlCode: number }).IoControlCode = 1;
  assert.deepEqual(current.Parameters.DeviceIoControl, {
    IoControlCode: 0x1234,
    InputBufferLength: 8,
  }, "the lower driver's copy is its own, as the C union is copied by value");
  IoSkipCurrentIrpStackLocation(Irp);
  IoFreeIrp(Irp);
});

Deno.test("IoMarkIrpPending() sets SL_PENDING_RETURNED in the current location", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  IoMarkIrpPending(Irp);
  assert.equal(Irp.Stack[0].Control & SL_PENDING_RETURNED, SL_PENDING_RETURNED);
  IoSkipCurrentIrpStackLocation(Irp);
  IoFreeIrp(Irp);
});

Deno.test("IoReuseIrp() resets the IRP for another request", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, () => STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  IoMarkIrpPending(Irp);
  Irp.Cancel = true;
  Irp.IoStatus = { Status: STATUS_SUCCESS, Information: 99 };
  IoCompleteRequest(Irp, 0);
  assert.equal(Irp.PendingReturned, true);

  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  assert.equal(Irp.Cancel, false);
  assert.equal(Irp.CurrentLocation, 2);
  assert.equal(Irp.PendingReturned, false);
  assert.deepEqual(Irp.IoStatus, { Status: STATUS_UNSUCCESSFUL, Information: 0 });
  assert.equal(Irp.Stack[0].CompletionRoutine, null);
  assert.equal(Irp.Stack[0].Control, 0);
  assert.equal(Irp.Size, IoSizeOfIrp(1));
  IoFreeIrp(Irp);
});

Deno.test("IoReuseIrp() bug checks 0xC9/0x310 on an IRP still in use", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  expectBugCheck(() => IoReuseIrp(Irp, STATUS_UNSUCCESSFUL), 0xC9, 0x310);
  IoSkipCurrentIrpStackLocation(Irp);
  IoSetCancelRoutine(Irp, () => {});
  expectBugCheck(() => IoReuseIrp(Irp, STATUS_UNSUCCESSFUL), 0xC9, 0x310);
  IoSetCancelRoutine(Irp, null);
  IoFreeIrp(Irp);
});

Deno.test("IoFreeIrp() bug checks 0xC9/0x20A on an IRP still in flight", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  const error = expectBugCheck(() => IoFreeIrp(Irp), 0xC9, 0x20A);
  assert.equal(error.BugCheckParameters[2], objectAddress(Irp));
  assert.match(error.message, /still in flight/);
  IoSkipCurrentIrpStackLocation(Irp);
  IoFreeIrp(Irp);
});

Deno.test("IoFreeIrp() bug checks 0xC9/0x20A when a lower completion routine frees the IRP", () => {
  const Irp = IoAllocateIrp(2, false)!;
  IoSetCompletionRoutine(Irp, () => STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, Irp) => {
      IoFreeIrp(Irp); // not this level's IRP to free: the driver above still owns it
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  IoSetNextIrpStackLocation(Irp);
  expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xC9, 0x20A);
  IoCompleteRequest(Irp, 0);
  IoFreeIrp(Irp);
});

Deno.test("IoFreeIrp() bug checks 0xC9/0x01 on an IRP freed already", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoFreeIrp(Irp);
  assert.equal(Irp.Type, 0);
  expectBugCheck(() => IoFreeIrp(Irp), 0xC9, 0x01);
});

Deno.test("IoFreeIrp() frees the IRP's MDL chain", () => {
  const before = outstandingMdls();
  const Irp = IoAllocateIrp(1, false)!;
  IoAllocateMdl(new Uint8Array(8), 8, false, false, Irp);
  IoAllocateMdl(new Uint8Array(8), 8, true, false, Irp);
  assert.equal(outstandingMdls(), before + 2);
  IoFreeIrp(Irp);
  assert.equal(outstandingMdls(), before);
  assert.equal(Irp.MdlAddress, null);
});

Deno.test("IoInitializeIrp() sets up raw IRP storage and refuses an IoAllocateIrp IRP", () => {
  const raw = new IRP(1);
  IoInitializeIrp(raw, IoSizeOfIrp(2), 2);
  assert.equal(raw.StackCount, 2);
  assert.equal(raw.CurrentLocation, 3);
  assert.equal(raw.Stack.length, 2);

  const Irp = IoAllocateIrp(1, false)!;
  expectBugCheck(() => IoInitializeIrp(Irp, IoSizeOfIrp(1), 1), 0xC9, 0x20D);
  IoFreeIrp(Irp);
});
