// Copyright 2026 the wskemu authors. MIT license.
// IoCompleteRequest: the walk up the stack, the InvokeOn* rules, pending
// propagation, and every bug check a driver can provoke while completing.
import assert from "node:assert/strict";
import {
  type DEVICE_OBJECT,
  DISPATCH_LEVEL,
  DRIVER_OBJECT,
  formatNtStatus,
  type IO_COMPLETION_ROUTINE,
  IoAllocateIrp,
  IoCallDriver,
  IoCompleteRequest,
  IoCopyCurrentIrpStackLocationToNext,
  IoCreateDevice,
  IoDeleteDevice,
  IoFreeIrp,
  IoMarkIrpPending,
  IoSetCancelRoutine,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  type IRP,
  IRP_MJ_READ,
  KeGetCurrentIrql,
  type NTSTATUS,
  objectAddress,
  outstandingIrps,
  PASSIVE_LEVEL,
  STATUS_BUFFER_OVERFLOW,
  STATUS_CANCELLED,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
  STATUS_UNSUCCESSFUL,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

const keep = (): NTSTATUS => STATUS_MORE_PROCESSING_REQUIRED;

/** An IoAllocateIrp IRP a lower driver has taken, with a completion routine for its owner. */
function takenIrp(routine: (Irp: IRP) => NTSTATUS = keep): IRP {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, (_DeviceObject, Irp) => routine(Irp), null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  return Irp;
}

/** A two-driver stack: upper driver A over lower driver B, which pends every read. */
function twoDrivers(setUpA: (Irp: IRP, DeviceB: DEVICE_OBJECT) => NTSTATUS) {
  const pending: IRP[] = [];
  const DriverB = new DRIVER_OBJECT("\\Driver\\B");
  DriverB.MajorFunction[IRP_MJ_READ] = (_DeviceObject, Irp) => {
    IoMarkIrpPending(Irp);
    pending.push(Irp);
    return STATUS_PENDING;
  };
  const B = { value: null as DEVICE_OBJECT | null };
  IoCreateDevice(DriverB, 0, null, 0x22, 0, false, B);
  const DriverA = new DRIVER_OBJECT("\\Driver\\A");
  DriverA.MajorFunction[IRP_MJ_READ] = (_DeviceObject, Irp) => setUpA(Irp, B.value!);
  const A = { value: null as DEVICE_OBJECT | null };
  IoCreateDevice(DriverA, 0, null, 0x22, 0, false, A);
  A.value!.StackSize = B.value!.StackSize + 1;
  return {
    DeviceA: A.value!,
    DeviceB: B.value!,
    pending,
    dispose(): void {
      IoDeleteDevice(A.value!);
      IoDeleteDevice(B.value!);
    },
  };
}

/** The client's IRP for a read sent to `DeviceA`: its own completion routine in the top location. */
function clientIrp(DeviceA: DEVICE_OBJECT, routine: IO_COMPLETION_ROUTINE, Context: unknown): IRP {
  const Irp = IoAllocateIrp(DeviceA.StackSize, false)!;
  Irp.Stack[1].MajorFunction = IRP_MJ_READ;
  IoSetCompletionRoutine(Irp, routine, Context, true, true, true);
  return Irp;
}

Deno.test("IoCompleteRequest() walks a two-driver stack bottom-up, passing each level's device", () => {
  const calls: string[] = [];
  const devicesSeen: (DEVICE_OBJECT | null)[] = [];
  const stack = twoDrivers((Irp, DeviceB) => {
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(
      Irp,
      (DeviceObject, Irp, Context) => {
        calls.push(`${Context} pending=${Irp.PendingReturned} irql=${KeGetCurrentIrql()}`);
        devicesSeen.push(DeviceObject);
        if (Irp.PendingReturned) IoMarkIrpPending(Irp);
        return STATUS_SUCCESS;
      },
      "A",
      true,
      true,
      true,
    );
    return IoCallDriver(DeviceB, Irp);
  });
  const Irp = clientIrp(
    stack.DeviceA,
    (DeviceObject, Irp, Context) => {
      calls.push(`${Context} pending=${Irp.PendingReturned} irql=${KeGetCurrentIrql()}`);
      devicesSeen.push(DeviceObject);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    "client",
  );

  assert.equal(IoCallDriver(stack.DeviceA, Irp), STATUS_PENDING);
  assert.deepEqual(calls, []);
  const [Pending] = stack.pending;
  Pending.IoStatus = { Status: STATUS_SUCCESS, Information: 10 };
  IoCompleteRequest(Pending, 0);

  assert.deepEqual(calls, [
    `A pending=true irql=${DISPATCH_LEVEL}`,
    `client pending=true irql=${DISPATCH_LEVEL}`,
  ]);
  assert.deepEqual(devicesSeen, [stack.DeviceA, null]);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  IoFreeIrp(Irp);
  stack.dispose();
});

Deno.test("IoCompleteRequest() stops at STATUS_MORE_PROCESSING_REQUIRED", () => {
  const calls: string[] = [];
  const stack = twoDrivers((Irp, DeviceB) => {
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(
      Irp,
      () => {
        calls.push("A");
        return STATUS_MORE_PROCESSING_REQUIRED;
      },
      null,
      true,
      true,
      true,
    );
    return IoCallDriver(DeviceB, Irp);
  });
  const Irp = clientIrp(
    stack.DeviceA,
    () => {
      calls.push("client");
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
  );
  IoCallDriver(stack.DeviceA, Irp);

  IoCompleteRequest(stack.pending[0], 0);
  assert.deepEqual(calls, ["A"]);
  assert.equal(Irp.CurrentLocation, 2, "driver A owns the IRP again");

  // A finishes its own work later and completes the IRP onward.
  IoCompleteRequest(Irp, 0);
  assert.deepEqual(calls, ["A", "client"]);
  IoFreeIrp(Irp);
  stack.dispose();
});

Deno.test("IoCompleteRequest() passes PendingReturned up through a level with no routine", () => {
  let pendingSeen: boolean | null = null;
  const stack = twoDrivers((Irp, DeviceB) => {
    IoCopyCurrentIrpStackLocationToNext(Irp); // no completion routine of its own
    return IoCallDriver(DeviceB, Irp);
  });
  const Irp = clientIrp(
    stack.DeviceA,
    (_DeviceObject, Irp) => {
      pendingSeen = Irp.PendingReturned;
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
  );
  IoCallDriver(stack.DeviceA, Irp);
  IoCompleteRequest(stack.pending[0], 0);
  assert.equal(pendingSeen, true);
  IoFreeIrp(Irp);
  stack.dispose();
});

Deno.test("IoCompleteRequest() re-reads the status at every level", () => {
  const calls: string[] = [];
  const stack = twoDrivers((Irp, DeviceB) => {
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(
      Irp,
      (_DeviceObject, Irp) => {
        if (Irp.PendingReturned) IoMarkIrpPending(Irp);
        Irp.IoStatus.Status = STATUS_UNSUCCESSFUL; // A turns success into failure
        return STATUS_UNSUCCESSFUL;
      },
      null,
      true,
      true,
      true,
    );
    return IoCallDriver(DeviceB, Irp);
  });
  const Irp = IoAllocateIrp(stack.DeviceA.StackSize, false)!;
  Irp.Stack[1].MajorFunction = IRP_MJ_READ;
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, Irp) => {
      calls.push(formatNtStatus(Irp.IoStatus.Status));
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    false,
    true,
    false,
  ); // on error only
  IoCallDriver(stack.DeviceA, Irp);
  stack.pending[0].IoStatus.Status = STATUS_SUCCESS;
  IoCompleteRequest(stack.pending[0], 0);
  assert.deepEqual(calls, ["STATUS_UNSUCCESSFUL (0xC0000001)"]);
  IoFreeIrp(Irp);
  stack.dispose();
});

// Each InvokeOn* combination, checked with the routine under test in location
// 1 and a catch-all routine above it that keeps the IRP.
const invokeCases: {
  Status: NTSTATUS;
  cancel: boolean;
  flags: [boolean, boolean, boolean];
  called: boolean;
}[] = [
  { Status: STATUS_SUCCESS, cancel: false, flags: [true, false, false], called: true },
  { Status: STATUS_SUCCESS, cancel: false, flags: [false, true, true], called: false },
  { Status: STATUS_TIMEOUT, cancel: false, flags: [true, false, false], called: true },
  { Status: STATUS_UNSUCCESSFUL, cancel: false, flags: [false, true, false], called: true },
  { Status: STATUS_UNSUCCESSFUL, cancel: false, flags: [true, false, true], called: false },
  { Status: STATUS_BUFFER_OVERFLOW, cancel: false, flags: [false, true, false], called: true },
  { Status: STATUS_BUFFER_OVERFLOW, cancel: false, flags: [true, false, false], called: false },
  { Status: STATUS_CANCELLED, cancel: true, flags: [true, false, true], called: true },
  { Status: STATUS_CANCELLED, cancel: true, flags: [true, true, false], called: true },
  { Status: STATUS_CANCELLED, cancel: true, flags: [true, false, false], called: false },
  { Status: STATUS_SUCCESS, cancel: true, flags: [false, false, true], called: true },
];

for (const { Status, cancel, flags, called } of invokeCases) {
  const names = ["success", "error", "cancel"].filter((_, i) => flags[i]).join("+");
  Deno.test(
    `IoCompleteRequest() ${called ? "calls" : "skips"} a routine set for ${names} ` +
      `on ${formatNtStatus(Status)}${cancel ? " after a cancel" : ""}`,
    () => {
      let invoked = false;
      const Irp = IoAllocateIrp(2, false)!;
      IoSetCompletionRoutine(Irp, keep, null, true, true, true);
      IoSetNextIrpStackLocation(Irp);
      IoSetCompletionRoutine(
        Irp,
        () => {
          invoked = true;
          return STATUS_SUCCESS;
        },
        null,
        ...flags,
      );
      IoSetNextIrpStackLocation(Irp);
      Irp.Cancel = cancel;
      Irp.IoStatus.Status = Status;
      IoCompleteRequest(Irp, 0);
      assert.equal(invoked, called);
      IoFreeIrp(Irp);
    },
  );
}

Deno.test("IoCompleteRequest() bug checks MULTIPLE_IRP_COMPLETE_REQUESTS on a second completion", () => {
  const Irp = takenIrp();
  IoCompleteRequest(Irp, 0);
  const error = expectBugCheck(() => IoCompleteRequest(Irp, 0), 0x44);
  assert.equal(error.BugCheckParameters[0], objectAddress(Irp));
  assert.match(error.message, /^MULTIPLE_IRP_COMPLETE_REQUESTS \(0x44\): .*already complete/);
  IoFreeIrp(Irp);
});

Deno.test("IoCompleteRequest() bug checks MULTIPLE_IRP_COMPLETE_REQUESTS on an IRP never sent", () => {
  const Irp = IoAllocateIrp(1, false)!;
  expectBugCheck(() => IoCompleteRequest(Irp, 0), 0x44);
  IoFreeIrp(Irp);
  expectBugCheck(() => IoCompleteRequest(Irp, 0), 0x44);
});

Deno.test("IoCompleteRequest() bug checks 0xC9/0x06 when the status is STATUS_PENDING", () => {
  const Irp = takenIrp();
  Irp.IoStatus.Status = STATUS_PENDING;
  const error = expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xC9, 0x06);
  assert.deepEqual(error.BugCheckParameters.slice(1, 3), [STATUS_PENDING, objectAddress(Irp)]);
  Irp.IoStatus.Status = 0xFFFFFFFF;
  expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xC9, 0x06);
  Irp.IoStatus.Status = STATUS_SUCCESS;
  IoCompleteRequest(Irp, 0);
  IoFreeIrp(Irp);
});

Deno.test("IoCompleteRequest() bug checks 0xC9/0x07 while a cancel routine is set", () => {
  const Irp = takenIrp();
  const Cancel = () => {};
  IoSetCancelRoutine(Irp, Cancel);
  const error = expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xC9, 0x07);
  assert.deepEqual(error.BugCheckParameters.slice(1, 3), [
    objectAddress(Cancel),
    objectAddress(Irp),
  ]);
  IoSetCancelRoutine(Irp, null);
  IoCompleteRequest(Irp, 0);
  IoFreeIrp(Irp);
});

Deno.test("IoCompleteRequest() bug checks 0xD1 when an IoAllocateIrp IRP completes to the top", () => {
  function ConnectComplete(): NTSTATUS {
    return STATUS_SUCCESS; // the classic bug: should be STATUS_MORE_PROCESSING_REQUIRED
  }
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, ConnectComplete, null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  const error = expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xD1);
  assert.deepEqual(error.BugCheckParameters, [
    0,
    DISPATCH_LEVEL,
    0,
    objectAddress(ConnectComplete),
  ]);
  assert.match(error.message, /must return STATUS_MORE_PROCESSING_REQUIRED/);
  IoFreeIrp(Irp);
});

Deno.test("IoCompleteRequest() bug checks 0xD1 for a thread-less IRP with no routine at all", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetNextIrpStackLocation(Irp);
  const error = expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xD1);
  assert.equal(error.BugCheckParameters[3], 0);
  IoFreeIrp(Irp);
});

Deno.test("IoCompleteRequest() bug checks 0xD1 when a routine frees the IRP and returns success", () => {
  const before = outstandingIrps();
  const Irp = takenIrp((Irp) => {
    IoFreeIrp(Irp);
    return STATUS_SUCCESS;
  });
  expectBugCheck(() => IoCompleteRequest(Irp, 0), 0xD1);
  assert.equal(outstandingIrps(), before);
});

Deno.test("IoCompleteRequest() bug checks IRQL_NOT_LESS_OR_EQUAL for a routine that returns a Promise", () => {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(
    Irp,
    (async () => {
      await null;
      return STATUS_MORE_PROCESSING_REQUIRED;
    }) as unknown as () => NTSTATUS,
    null,
    true,
    true,
    true,
  );
  IoSetNextIrpStackLocation(Irp);
  const error = expectBugCheck(() => IoCompleteRequest(Irp, 0), 0x0A);
  assert.match(error.message, /waited at DISPATCH_LEVEL/);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
  IoFreeIrp(Irp);
});

Deno.test("IoCompleteRequest() bug checks 0xC9/0x228 when a routine ignores PendingReturned", () => {
  const stack = twoDrivers((Irp, DeviceB) => {
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, () => STATUS_SUCCESS, null, true, true, true);
    return IoCallDriver(DeviceB, Irp);
  });
  const Irp = clientIrp(stack.DeviceA, keep, null);
  IoCallDriver(stack.DeviceA, Irp);
  expectBugCheck(() => IoCompleteRequest(stack.pending[0], 0), 0xC9, 0x228);
  IoCompleteRequest(Irp, 0); // driver A's level, which the bug check interrupted
  IoFreeIrp(Irp);
  stack.dispose();
});

Deno.test("IoCompleteRequest() runs the completion routine at DISPATCH_LEVEL and restores the IRQL", () => {
  let irql = -1;
  const Irp = takenIrp((Irp) => {
    irql = KeGetCurrentIrql();
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  });
  IoCompleteRequest(Irp, 0);
  assert.equal(irql, DISPATCH_LEVEL);
  assert.equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
});
