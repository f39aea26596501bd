// Copyright 2026 the wskemu authors. MIT license.
// Kernel events: notification versus synchronization, and waits with and
// without timeouts.
import assert from "node:assert/strict";
import {
  BugCheckError,
  callAtDispatchLevel,
  Executive,
  KeClearEvent,
  KeInitializeEvent,
  KeReadStateEvent,
  KeResetEvent,
  KernelMode,
  KeSetEvent,
  KEVENT,
  KeWaitForSingleObject,
  type LARGE_INTEGER,
  NotificationEvent,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
  SynchronizationEvent,
} from "@wskemu/wsk/irp";

const wait = (Event: KEVENT, Timeout: LARGE_INTEGER | null) =>
  KeWaitForSingleObject(Event, Executive, KernelMode, false, Timeout);

Deno.test("KEVENT starts as an unsignalled notification event", () => {
  const Event = new KEVENT();
  assert.deepEqual(Event.Header, { Type: NotificationEvent, SignalState: 0 });
});

Deno.test("KeSetEvent() on a notification event releases every waiter and stays signalled", async () => {
  const Event = new KEVENT();
  KeInitializeEvent(Event, NotificationEvent, false);
  const first = wait(Event, null);
  const second = wait(Event, null);
  assert.equal(KeSetEvent(Event, 0, false), 0);
  assert.deepEqual(await Promise.all([first, second]), [STATUS_SUCCESS, STATUS_SUCCESS]);
  assert.equal(KeReadStateEvent(Event), 1);
  assert.equal(await wait(Event, null), STATUS_SUCCESS);
  assert.equal(KeSetEvent(Event, 0, false), 1, "returns the previous state");
});

Deno.test("KeSetEvent() on a synchronization event wakes exactly one waiter", async () => {
  const Event = new KEVENT();
  KeInitializeEvent(Event, SynchronizationEvent, false);
  const woken: string[] = [];
  const first = wait(Event, null).then((s) => woken.push(`first ${s}`));
  const second = wait(Event, null).then((s) => woken.push(`second ${s}`));
  KeSetEvent(Event, 0, false);
  await first;
  assert.deepEqual(woken, [`first ${STATUS_SUCCESS}`]);
  assert.equal(KeReadStateEvent(Event), 0, "the wake consumed the signal");
  KeSetEvent(Event, 0, false);
  await second;
  assert.deepEqual(woken, [`first ${STATUS_SUCCESS}`, `second ${STATUS_SUCCESS}`]);
});

Deno.test("KeWaitForSingleObject() on a signalled synchronization event resets it", async () => {
  const Event = new KEVENT();
  KeInitializeEvent(Event, SynchronizationEvent, true);
  assert.equal(await wait(Event, { QuadPart: 0n }), STATUS_SUCCESS);
  assert.equal(KeReadStateEvent(Event), 0);
  assert.equal(await wait(Event, { QuadPart: 0n }), STATUS_TIMEOUT);
});

Deno.test("KeWaitForSingleObject() with a zero timeout polls", async () => {
  const Event = new KEVENT();
  assert.equal(await wait(Event, { QuadPart: 0n }), STATUS_TIMEOUT);
  KeSetEvent(Event, 0, false);
  assert.equal(await wait(Event, { QuadPart: 0n }), STATUS_SUCCESS);
});

Deno.test("KeWaitForSingleObject() with a relative timeout resolves STATUS_TIMEOUT", async () => {
  const Event = new KEVENT();
  const start = performance.now();
  assert.equal(await wait(Event, { QuadPart: -50_000n }), STATUS_TIMEOUT); // 5 ms
  assert.ok(performance.now() - start >= 4);
  KeSetEvent(Event, 0, false); // a timed-out waiter is gone: nobody is released
  assert.equal(KeReadStateEvent(Event), 1);
});

Deno.test("KeWaitForSingleObject() with an absolute timeout in the past times out at once", async () => {
  const Event = new KEVENT();
  const year2000 = { QuadPart: 125_911_584_000_000_000n }; // 100 ns units since 1601
  assert.equal(await wait(Event, year2000), STATUS_TIMEOUT);
});

Deno.test("KeWaitForSingleObject() satisfied before its timeout leaves no timer behind", async () => {
  const Event = new KEVENT();
  const waiting = wait(Event, { QuadPart: -600_000_000n }); // one minute
  KeSetEvent(Event, 0, false);
  assert.equal(await waiting, STATUS_SUCCESS); // the op sanitizer checks the timer is gone
});

Deno.test("KeResetEvent() and KeClearEvent() unsignal the event", () => {
  const Event = new KEVENT();
  KeSetEvent(Event, 0, false);
  assert.equal(KeResetEvent(Event), 1);
  KeSetEvent(Event, 0, false);
  KeClearEvent(Event);
  assert.equal(KeReadStateEvent(Event), 0);
});

Deno.test("KeWaitForSingleObject() at DISPATCH_LEVEL bug checks IRQL_NOT_LESS_OR_EQUAL", async () => {
  const Event = new KEVENT();
  assert.throws(
    () => callAtDispatchLevel(() => wait(Event, null), "a completion routine"),
    (e) => e instanceof BugCheckError && e.BugCheckCode === 0x0A && /waited/.test(e.message),
  );
  assert.throws(
    () => callAtDispatchLevel(() => wait(Event, { QuadPart: -1n }), "a DPC"),
    (e) => e instanceof BugCheckError && e.BugCheckCode === 0x0A,
  );
  // Polling is allowed at DISPATCH_LEVEL.
  let polled: Promise<number> | null = null;
  callAtDispatchLevel(() => {
    polled = wait(Event, { QuadPart: 0n });
  }, "a DPC");
  assert.equal(await polled, STATUS_TIMEOUT);
});
