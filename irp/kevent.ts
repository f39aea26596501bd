// Copyright 2026 the wskemu authors. MIT license.
/**
 * Kernel events (KEVENT) and KeWaitForSingleObject. The wait is the one place
 * where a ported driver adds `await`: it returns a Promise of the NTSTATUS.
 *
 * @module
 */
import { IRQL_NOT_LESS_OR_EQUAL, KeBugCheckEx, objectAddress } from "./bugcheck.ts";
import { DISPATCH_LEVEL, KeGetCurrentIrql } from "./irql.ts";
import { type NTSTATUS, STATUS_SUCCESS, STATUS_TIMEOUT } from "./ntstatus.ts";

/** A 64-bit signed integer, as `LARGE_INTEGER` in winnt.h: only `QuadPart` is modelled. */
export type LARGE_INTEGER = { QuadPart: bigint };

/** `EVENT_TYPE` values, as in wdm.h. */
export type EVENT_TYPE = number;
/** `NotificationEvent` (0): stays signalled and releases every waiter (manual reset). */
export const NotificationEvent: EVENT_TYPE = 0;
/** `SynchronizationEvent` (1): releases one waiter and resets itself (auto reset). */
export const SynchronizationEvent: EVENT_TYPE = 1;

/** `KWAIT_REASON` `Executive` (0): the wait reason drivers use. */
export const Executive: number = 0;
/** `KernelMode` (0), a `KPROCESSOR_MODE`. */
export const KernelMode: number = 0;
/** `UserMode` (1), a `KPROCESSOR_MODE`. */
export const UserMode: number = 1;

/** The part of a dispatcher object's header that events use, as `DISPATCHER_HEADER`. */
export interface DISPATCHER_HEADER {
  /** The event type: NotificationEvent or SynchronizationEvent. */
  Type: number;
  /** 1 when signalled, 0 when not. */
  SignalState: number;
}

/** A thread blocked in KeWaitForSingleObject. */
interface Waiter {
  resolve(Status: NTSTATUS): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

// Waiters live outside the object so KEVENT keeps only its C fields.
const waiters = new WeakMap<KEVENT, Waiter[]>();

function waitersOf(Event: KEVENT): Waiter[] {
  let list = waiters.get(Event);
  if (!list) {
    list = [];
    waiters.set(Event, list);
  }
  return list;
}

/**
 * A kernel event. `new KEVENT()` is an unsignalled notification event;
 * KeInitializeEvent sets its type and state, as a C driver does with the
 * storage it provides.
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeInitializeEvent, KeReadStateEvent, NotificationEvent } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * KeInitializeEvent(Event, NotificationEvent, false);
 * assert.equal(KeReadStateEvent(Event), 0);
 * ```
 */
export class KEVENT {
  /** The dispatcher header: type and signal state. */
  Header: DISPATCHER_HEADER = { Type: NotificationEvent, SignalState: 0 };
}

/**
 * Initializes an event: its type (NotificationEvent or SynchronizationEvent)
 * and whether it starts signalled.
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeInitializeEvent, KeReadStateEvent, SynchronizationEvent } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * KeInitializeEvent(Event, SynchronizationEvent, true);
 * assert.equal(KeReadStateEvent(Event), 1);
 * ```
 */
export function KeInitializeEvent(Event: KEVENT, Type: EVENT_TYPE, State: boolean): void {
  Event.Header.Type = Type;
  Event.Header.SignalState = State ? 1 : 0;
}

function release(waiter: Waiter, Status: NTSTATUS): void {
  if (waiter.timer !== undefined) clearTimeout(waiter.timer);
  waiter.timer = undefined;
  waiter.resolve(Status);
}

/**
 * Signals the event and returns its previous state (0 or 1). A notification
 * event releases every waiter and stays signalled; a synchronization event
 * releases the longest waiter and stays unsignalled, or stays signalled until
 * the next wait when nobody waits. Waiters resume after the caller returns
 * (their promises resolve), so KeSetEvent is safe at DISPATCH_LEVEL.
 * `Increment` and `Wait` are accepted for fidelity and ignored.
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeSetEvent, KeWaitForSingleObject, Executive, KernelMode, STATUS_SUCCESS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * const waiting = KeWaitForSingleObject(Event, Executive, KernelMode, false, null);
 * assert.equal(KeSetEvent(Event, 0, false), 0);
 * assert.equal(await waiting, STATUS_SUCCESS);
 * ```
 */
export function KeSetEvent(Event: KEVENT, Increment: number, Wait: boolean): number {
  void Increment, Wait; // no scheduler to boost, no atomic set-and-wait to honour
  const previous = Event.Header.SignalState;
  const list = waitersOf(Event);
  if (Event.Header.Type === SynchronizationEvent) {
    const first = list.shift();
    if (first) release(first, STATUS_SUCCESS);
    else Event.Header.SignalState = 1;
  } else {
    Event.Header.SignalState = 1;
    for (const waiter of list.splice(0)) release(waiter, STATUS_SUCCESS);
  }
  return previous;
}

/**
 * Sets the event to not signalled and returns its previous state.
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeInitializeEvent, KeResetEvent, NotificationEvent } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * KeInitializeEvent(Event, NotificationEvent, true);
 * assert.equal(KeResetEvent(Event), 1);
 * assert.equal(KeResetEvent(Event), 0);
 * ```
 */
export function KeResetEvent(Event: KEVENT): number {
  const previous = Event.Header.SignalState;
  Event.Header.SignalState = 0;
  return previous;
}

/**
 * Sets the event to not signalled (KeResetEvent without the result).
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeClearEvent, KeInitializeEvent, KeReadStateEvent, NotificationEvent } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * KeInitializeEvent(Event, NotificationEvent, true);
 * KeClearEvent(Event);
 * assert.equal(KeReadStateEvent(Event), 0);
 * ```
 */
export function KeClearEvent(Event: KEVENT): void {
  Event.Header.SignalState = 0;
}

/**
 * The event's current state: 1 when signalled, 0 when not.
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeReadStateEvent, KeSetEvent } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * KeSetEvent(Event, 0, false);
 * assert.equal(KeReadStateEvent(Event), 1);
 * ```
 */
export function KeReadStateEvent(Event: KEVENT): number {
  return Event.Header.SignalState;
}

// 100-ns intervals between 1601-01-01 (Windows system time) and 1970-01-01.
const EPOCH_1601_TO_1970 = 116_444_736_000_000_000n;
// setTimeout holds a signed 32-bit millisecond count; longer waits re-arm.
const MAX_TIMER_MS = 0x7FFF_FFFF;

/** Milliseconds until a Timeout expires: relative (negative) or absolute (positive). */
function timeoutMs(Timeout: LARGE_INTEGER): number {
  const ticks = Timeout.QuadPart;
  if (ticks < 0n) return Number(-ticks) / 10_000;
  return Number(ticks - EPOCH_1601_TO_1970) / 10_000 - Date.now();
}

/**
 * Waits until the event is signalled or the timeout expires, resolving
 * STATUS_SUCCESS or STATUS_TIMEOUT. Porting C means adding `await`.
 *
 * `Timeout` as in C, in 100-ns units: `null` waits forever; negative is
 * relative (`{ QuadPart: -10_000_000n }` is one second); 0 only polls; positive
 * is an absolute system time (since 1601, UTC). A satisfied wait of a
 * synchronization event resets it. Waiting at DISPATCH_LEVEL with anything but
 * a zero timeout bug checks IRQL_NOT_LESS_OR_EQUAL (0x0A) at once (thrown, not
 * rejected). `WaitReason`, `WaitMode` and `Alertable` are accepted and ignored.
 *
 * @example Usage
 * ```ts
 * import { KEVENT, KeWaitForSingleObject, Executive, KernelMode, STATUS_TIMEOUT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Event = new KEVENT();
 * const Timeout = { QuadPart: -10_000n }; // 1 ms, relative
 * assert.equal(await KeWaitForSingleObject(Event, Executive, KernelMode, false, Timeout), STATUS_TIMEOUT);
 * ```
 */
export function KeWaitForSingleObject(
  Object: KEVENT,
  WaitReason: number,
  WaitMode: number,
  Alertable: boolean,
  Timeout: LARGE_INTEGER | null,
): Promise<NTSTATUS> {
  void WaitReason, WaitMode, Alertable; // no APCs, no user-mode waits
  if (!(Object instanceof KEVENT)) {
    throw new TypeError("KeWaitForSingleObject: Object must be a KEVENT");
  }
  const polling = Timeout !== null && Timeout.QuadPart === 0n;
  const irql = KeGetCurrentIrql();
  if (irql > DISPATCH_LEVEL || (irql === DISPATCH_LEVEL && !polling)) {
    KeBugCheckEx(
      IRQL_NOT_LESS_OR_EQUAL,
      objectAddress(Object),
      irql,
      0,
      0,
      `KeWaitForSingleObject waited at IRQL ${irql}: only a zero timeout is allowed at ` +
        "DISPATCH_LEVEL (completion routines and event callbacks must not wait)",
    );
  }
  if (Object.Header.SignalState !== 0) {
    if (Object.Header.Type === SynchronizationEvent) Object.Header.SignalState = 0;
    return Promise.resolve(STATUS_SUCCESS);
  }
  if (polling) return Promise.resolve(STATUS_TIMEOUT);
  const ms = Timeout === null ? Infinity : timeoutMs(Timeout);
  if (ms <= 0) return Promise.resolve(STATUS_TIMEOUT);
  return new Promise<NTSTATUS>((resolve) => {
    const waiter: Waiter = { resolve, timer: undefined };
    const list = waitersOf(Object);
    list.push(waiter);
    if (ms === Infinity) return;
    const deadline = performance.now() + ms;
    const arm = (): void => {
      const left = deadline - performance.now();
      if (left > MAX_TIMER_MS) {
        waiter.timer = setTimeout(arm, MAX_TIMER_MS);
        return;
      }
      waiter.timer = setTimeout(() => {
        waiter.timer = undefined;
        const index = list.indexOf(waiter);
        if (index >= 0) list.splice(index, 1);
        resolve(STATUS_TIMEOUT);
      }, Math.max(0, left));
    };
    arm();
  });
}
