// Copyright 2026 the wskemu authors. MIT license.
// The completion queue: deferred, FIFO, at DISPATCH_LEVEL, and loud about bug
// checks in the work it runs.
import assert from "node:assert/strict";
import {
  BugCheckError,
  completionQueueIdle,
  DISPATCH_LEVEL,
  IoAllocateIrp,
  IoCompleteRequest,
  IoFreeIrp,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  type IRP,
  KeBugCheckEx,
  KeGetCurrentIrql,
  KMODE_EXCEPTION_NOT_HANDLED,
  nextBugCheck,
  type NTSTATUS,
  onBugCheck,
  outstandingIrps,
  queueDpc,
  queueIrpCompletion,
  STATUS_CONNECTION_REFUSED,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
} from "@wskemu/wsk/irp";
import {
  drainCompletionQueueNow,
  enterDriverCall,
  leaveDriverCall,
  transportCallbackEnds,
  transportCallbackStarts,
} from "../../irp/completion_queue.ts";

/** An IoAllocateIrp IRP a provider has taken; `routine` is its owner's completion routine. */
function takenIrp(routine: (Irp: IRP) => NTSTATUS): IRP {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, (_DeviceObject, Irp) => routine(Irp), null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  return Irp;
}

Deno.test("queueIrpCompletion() completes the IRP only after the queuing call returns", async () => {
  const before = outstandingIrps();
  const seen: { Status: NTSTATUS; Information: unknown }[] = [];
  const socket = { name: "a WSK_SOCKET" };
  const Irp = takenIrp((Irp) => {
    seen.push({ ...Irp.IoStatus });
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  });
  queueIrpCompletion(Irp, STATUS_SUCCESS, socket);
  assert.equal(seen.length, 0, "not completed inside queueIrpCompletion()");
  await completionQueueIdle();
  assert.deepEqual(seen, [{ Status: STATUS_SUCCESS, Information: socket }]);
  assert.equal(seen[0].Information, socket);
  assert.equal(outstandingIrps(), before);
});

Deno.test("queueDpc() runs work in FIFO order, work queued while draining after the rest", async () => {
  const order: string[] = [];
  queueDpc(() => {
    order.push("first");
    queueDpc(() => order.push("queued by first"));
  });
  queueDpc(() => order.push("second"));
  const Irp = takenIrp((Irp) => {
    order.push("irp");
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  });
  queueIrpCompletion(Irp, STATUS_SUCCESS, 0);
  queueDpc(() => order.push("third"));
  order.push("caller");
  await completionQueueIdle();
  assert.deepEqual(order, ["caller", "first", "second", "irp", "third", "queued by first"]);
});

Deno.test("a long drain keeps FIFO order across thousands of items, each queuing the next", async () => {
  const ran: number[] = [];
  const item = (n: number) => () => {
    ran.push(n);
    if (n % 2 === 0) queueDpc(item(n + 1));
  };
  for (let n = 0; n < 5000; n += 2) queueDpc(item(n));
  await completionQueueIdle();
  const expected = [
    ...Array.from({ length: 2500 }, (_, i) => 2 * i),
    ...Array.from({ length: 2500 }, (_, i) => 2 * i + 1),
  ];
  assert.deepEqual(ran, expected);
});

Deno.test("queueDpc() runs its routine at DISPATCH_LEVEL", async () => {
  let irql = -1;
  queueDpc(() => {
    irql = KeGetCurrentIrql();
  });
  await completionQueueIdle();
  assert.equal(irql, DISPATCH_LEVEL);
});

Deno.test("a bug check in a queued completion reaches nextBugCheck() and the next item still runs", async () => {
  const bugCheck = nextBugCheck();
  const ran: string[] = [];
  const Irp = takenIrp((Irp) => {
    ran.push("routine");
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  });
  queueIrpCompletion(Irp, STATUS_SUCCESS, 0);
  queueIrpCompletion(Irp, STATUS_SUCCESS, 0); // the provider completes it twice
  queueDpc(() => ran.push("next item"));
  const error = await bugCheck;
  assert.equal(error.BugCheckCode, 0x44);
  await completionQueueIdle();
  assert.deepEqual(ran, ["routine", "next item"]);
});

Deno.test("onBugCheck() hears every bug check from queued work until it unsubscribes", async () => {
  const seen: number[] = [];
  const unsubscribe = onBugCheck((error) => seen.push(error.BugCheckParameters[0]));
  queueDpc(() => KeBugCheckEx(0xC4, 1, 0, 0, 0));
  queueDpc(() => KeBugCheckEx(0xC4, 2, 0, 0, 0));
  await completionQueueIdle();
  unsubscribe();
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("a bug check in a completion routine run from the queue keeps its code", async () => {
  const bugCheck = nextBugCheck();
  const Irp = takenIrp(() => STATUS_SUCCESS); // forgets STATUS_MORE_PROCESSING_REQUIRED
  queueIrpCompletion(Irp, STATUS_CONNECTION_REFUSED, 0);
  const error = await bugCheck;
  assert.equal(error.BugCheckCode, 0xD1);
  IoFreeIrp(Irp);
});

Deno.test("a plain exception in queued work becomes KMODE_EXCEPTION_NOT_HANDLED with the error as cause", async () => {
  const bugCheck = nextBugCheck();
  const original = new TypeError("Cannot read properties of null");
  queueDpc(function ReceiveComplete(): void {
    throw original;
  });
  const error = await bugCheck;
  assert.equal(error.BugCheckCode, KMODE_EXCEPTION_NOT_HANDLED);
  assert.equal(error.cause, original);
  assert.match(error.message, /ReceiveComplete threw .*Cannot read properties of null/);
});

Deno.test("a bug check nobody listens for is thrown as an uncaught error", async () => {
  let onError: (event: ErrorEvent) => void = () => {};
  const uncaught = new Promise<unknown>((resolve) => {
    onError = (event) => {
      event.preventDefault(); // this test expects it; keep the run going
      resolve(event.error);
    };
  });
  globalThis.addEventListener("error", onError);
  try {
    queueDpc(() => KeBugCheckEx(0x44, 0, 0, 0, 0));
    const error = await uncaught;
    assert.ok(error instanceof BugCheckError);
    assert.equal(error.BugCheckCode, 0x44);
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});

Deno.test("completionQueueIdle() resolves at once when nothing is queued", async () => {
  await completionQueueIdle();
  const Irp = takenIrp((Irp) => {
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  });
  IoCompleteRequest(Irp, 0); // synchronous completion needs no queue
  await completionQueueIdle();
});

Deno.test("a completion routine may reuse its IRP and send it again", async () => {
  const before = outstandingIrps();
  const statuses: NTSTATUS[] = [];
  const Irp = IoAllocateIrp(1, false)!;
  const Complete = (_DeviceObject: unknown, Irp: IRP): NTSTATUS => {
    statuses.push(Irp.IoStatus.Status);
    if (statuses.length < 3) {
      IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
      IoSetCompletionRoutine(Irp, Complete, null, true, true, true);
      IoSetNextIrpStackLocation(Irp); // the provider takes it again...
      queueIrpCompletion(Irp, STATUS_SUCCESS, statuses.length); // ...and completes it later
    } else {
      IoFreeIrp(Irp);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
  };
  IoSetCompletionRoutine(Irp, Complete, null, true, true, true);
  IoSetNextIrpStackLocation(Irp);
  queueIrpCompletion(Irp, STATUS_CONNECTION_REFUSED, 0);
  await completionQueueIdle();
  assert.deepEqual(statuses, [STATUS_CONNECTION_REFUSED, STATUS_SUCCESS, STATUS_SUCCESS]);
  assert.equal(outstandingIrps(), before);
});

// --- the end of a transport callback ---------------------------------------

Deno.test("drainCompletionQueueNow() runs queued work at once, in FIFO order, at DISPATCH_LEVEL", async () => {
  const order: string[] = [];
  queueDpc(() => {
    order.push(`first at ${KeGetCurrentIrql()}`);
    queueDpc(() => order.push("queued by the first"));
  });
  queueDpc(() => order.push("second"));
  drainCompletionQueueNow();
  assert.deepEqual(order, [`first at ${DISPATCH_LEVEL}`, "second", "queued by the first"]);
  // The microtask that was scheduled finds nothing left to run.
  await completionQueueIdle();
  assert.equal(order.length, 3);
});

Deno.test("drainCompletionQueueNow() inside queued work runs nothing early: the work joins the running drain", async () => {
  const order: string[] = [];
  queueDpc(() => {
    queueDpc(() => order.push("inner"));
    drainCompletionQueueNow();
    order.push("outer returns");
  });
  await completionQueueIdle();
  assert.deepEqual(order, ["outer returns", "inner"]);
});

Deno.test("drainCompletionQueueNow() inside a driver's call runs nothing until the call returns", async () => {
  const order: string[] = [];
  enterDriverCall();
  try {
    queueDpc(() => order.push("dpc"));
    drainCompletionQueueNow();
    order.push("call returns");
  } finally {
    leaveDriverCall();
  }
  await completionQueueIdle();
  assert.deepEqual(order, ["call returns", "dpc"]);
});

Deno.test("work queued in a transport callback runs at its end, before any microtask, in FIFO order", async () => {
  const order: string[] = [];
  const started = transportCallbackStarts();
  assert.equal(started, true);
  try {
    queueDpc(() => order.push(`first at ${KeGetCurrentIrql()}`));
    queueDpc(() => order.push("second"));
    queueMicrotask(() => order.push("a microtask"));
    order.push("callback returns");
  } finally {
    transportCallbackEnds(started, true);
  }
  assert.deepEqual(order, ["callback returns", `first at ${DISPATCH_LEVEL}`, "second"]);
  await completionQueueIdle();
  await Promise.resolve();
  assert.deepEqual(order.slice(3), ["a microtask"]);
});

Deno.test("work queued in a transport callback that does not drain at its end runs on a microtask", async () => {
  const order: string[] = [];
  const started = transportCallbackStarts();
  try {
    queueDpc(() => order.push("dpc"));
  } finally {
    transportCallbackEnds(started, false);
  }
  order.push("callback returned");
  await completionQueueIdle();
  assert.deepEqual(order, ["callback returned", "dpc"]);
});

Deno.test("a transport callback that throws still leaves its queued work to run", async () => {
  const order: string[] = [];
  const started = transportCallbackStarts();
  assert.throws(() => {
    try {
      queueDpc(() => order.push("dpc"));
      throw new Error("the callback's bug");
    } finally {
      transportCallbackEnds(started, false);
    }
  });
  await completionQueueIdle();
  assert.deepEqual(order, ["dpc"]);
});

Deno.test("a transport callback inside a driver's call runs nothing before the call returns", async () => {
  const order: string[] = [];
  enterDriverCall();
  try {
    const started = transportCallbackStarts();
    assert.equal(started, false);
    try {
      queueDpc(() => order.push("dpc"));
    } finally {
      transportCallbackEnds(started, true);
    }
    order.push("call returns");
  } finally {
    leaveDriverCall();
  }
  await completionQueueIdle();
  assert.deepEqual(order, ["call returns", "dpc"]);
});
