// Copyright 2026 the wskemu authors. MIT license.
/**
 * The completion queue: one FIFO of work that must run "later, at
 * DISPATCH_LEVEL", like the DPCs through which Windows completes network I/O.
 * A WSK provider never completes an IRP inside the call that received it; it
 * queues the completion here, and it runs on a microtask after the caller
 * returns, or earlier, at the end of the transport callback that queued it
 * ({@linkcode drainCompletionQueueNow}): no driver call is on the stack there
 * either, and the driver gets its completion before the socket's next read.
 *
 * A bug check in queued work has no caller to throw to. It goes to
 * {@linkcode onBugCheck} listeners and {@linkcode nextBugCheck} waiters, or,
 * when there are none, is thrown as an uncaught error, which stops the program
 * (or fails the test) as a real bug check halts the machine.
 *
 * @module
 */
import { type BugCheckError, objectAddress } from "./bugcheck.ts";
import { callAtDispatchLevel } from "./irql.ts";
import { hooks } from "./_hooks.ts";
import { unhandledException } from "./_unhandled.ts";

/**
 * What runs a queued item: it gets the three values queued with it. Runners
 * are a handful of module-level functions (DPCs, IRP completions), so an item
 * costs no closure.
 */
export type Runner<A = never, B = never, C = never> = (a: A, b: B, c: C) => void;

// The FIFO, flat: each item takes four slots (its runner and three values)
// from `head` to `tail`, so queuing allocates nothing. Drained slots are
// cleared so they keep nothing alive, and the array keeps its storage when a
// drain empties it (emptying it with `length = 0` and pushing again allocated
// a new backing store per completion), up to KEPT_SLOTS; it is compacted while
// a drain runs when a long drain has left many slots behind.
const SLOTS = 4;
const COMPACT_AT = 4096;
const KEPT_SLOTS = 4096;
let queue: unknown[] = [];
let head = 0;
let tail = 0;
/** A microtask drain is scheduled, or a drain runs: the queue is not idle. */
let draining = false;
/** A drain is on the stack: work queued now joins it, and nothing starts another. */
let running = false;
/** Driver calls into the emulator (WSK dispatch functions, IoCancelIrp) on the stack. */
let driverCalls = 0;
/** A transport callback that runs the queue at its end is on the stack (see transportCallbackStarts). */
let inTransportCallback = false;
/** Work was queued during that callback with no drain scheduled: its end owes one. */
let drainOwed = false;
const idleWaiters: (() => void)[] = [];
const listeners = new Set<(error: BugCheckError) => void>();
let bugCheckWaiters: ((error: BugCheckError) => void)[] = [];

/** What a queued item is about, for messages: a DPC's routine, or the runner of other work. */
function subjectOf(run: Runner<unknown, unknown, unknown>, a: unknown): { name: string } {
  return run === runDpc ? a as () => void : run;
}

function dpcName(routine: { name: string }): string {
  return `the DPC routine ${routine.name || "(anonymous)"}`;
}

/** Turns whatever queued work threw into the bug check it stands for. */
function asBugCheck(
  error: unknown,
  run: Runner<unknown, unknown, unknown>,
  a: unknown,
): BugCheckError {
  const subject = subjectOf(run, a);
  return unhandledException(error, dpcName(subject), objectAddress(subject));
}

/** Delivers a bug check from queued work to whoever asked, or makes it uncaught. */
function raise(error: BugCheckError): void {
  const waiters = bugCheckWaiters;
  bugCheckWaiters = [];
  for (const resolve of waiters) resolve(error);
  for (const listener of [...listeners]) {
    try {
      listener(error);
    } catch (listenerError) {
      queueMicrotask(() => {
        throw listenerError;
      });
    }
  }
  if (waiters.length === 0 && listeners.size === 0) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** The scheduled drain; a no-op when an earlier drain already emptied the queue. */
function drainScheduled(): void {
  if (!running) drain();
}

function drain(): void {
  running = true;
  // Items queued while draining join the end of this same drain.
  while (head < tail) {
    const run = queue[head] as Runner<unknown, unknown, unknown>;
    const a = queue[head + 1], b = queue[head + 2], c = queue[head + 3];
    for (let slot = head; slot < head + SLOTS; slot++) queue[slot] = undefined;
    head += SLOTS;
    if (head >= COMPACT_AT) {
      queue.splice(0, head);
      tail -= head;
      head = 0;
    }
    try {
      run(a, b, c);
    } catch (error) {
      raise(asBugCheck(error, run, a));
    }
  }
  if (queue.length > KEPT_SLOTS) queue = [];
  head = tail = 0;
  running = false;
  draining = false;
  if (idleWaiters.length === 0) return;
  for (const resolve of idleWaiters.splice(0)) resolve();
}

/**
 * Queues `run(a, b, c)` at the end of the completion queue. Internal: the
 * I/O manager's way to queue work without a closure per item; `run` must
 * raise the IRQL itself (see `callAtDispatchLevel`).
 */
export function queueWork<A, B, C>(run: Runner<A, B, C>, a: A, b: B, c: C): void {
  queue[tail] = run;
  queue[tail + 1] = a;
  queue[tail + 2] = b;
  queue[tail + 3] = c;
  tail += SLOTS;
  if (!draining) {
    draining = true;
    if (inTransportCallback) drainOwed = true;
    else scheduleDrain();
  }
}

function scheduleDrain(): void {
  if (hooks.scheduleDrain !== null) hooks.scheduleDrain(drainScheduled);
  else queueMicrotask(drainScheduled);
}

/**
 * Internal: the end of a transport callback. Runs the queue now, unless a
 * drain is already on the stack (the work joins it) or a provider call is
 * (a driver's call, see {@linkcode enterDriverCall}), or a driver host delays
 * completions on purpose: then the scheduled drain runs it, as ever. A transport callback comes from the event loop, not from a driver,
 * so running completions at its end is not "inside the call": the driver's
 * calls have all returned. What it buys is time: a socket delivers several
 * reads back to back with no microtask checkpoint between them, and a
 * completion routine that runs here re-posts its receive before the next one.
 * FIFO is kept: it is the same queue, run from its head.
 */
export function drainCompletionQueueNow(): void {
  if (running || driverCalls > 0 || head >= tail) return;
  // A driver host that delays completions on purpose (a verifier option) owns the timing.
  if (hooks.scheduleDrain !== null) return;
  drain();
}

/**
 * Internal: a transport callback starts, and will call
 * {@linkcode transportCallbackEnds} when it returns or throws (in a `finally`).
 * Until then, work it queues schedules no microtask: the end of the callback
 * runs it, or schedules the drain then. A completion per received datagram
 * thus costs no microtask of its own. Returns false, changing nothing, where
 * the queue may not run at the end of this callback (a drain or a driver's
 * call is on the stack, another transport callback is, or a driver host
 * delays completions): the caller must still call `transportCallbackEnds`.
 */
export function transportCallbackStarts(): boolean {
  if (inTransportCallback || running || driverCalls > 0 || hooks.scheduleDrain !== null) {
    return false;
  }
  inTransportCallback = true;
  return true;
}

/**
 * Internal: the transport callback that {@linkcode transportCallbackStarts}
 * marked (`started` is what that returned) ends. With `drainNow`, the queue
 * runs now, as {@linkcode drainCompletionQueueNow} would; otherwise, or when
 * it may not run now, work queued during the callback gets the microtask
 * drain it would have had.
 */
export function transportCallbackEnds(started: boolean, drainNow: boolean): void {
  if (started) {
    inTransportCallback = false;
    if (drainOwed) {
      drainOwed = false;
      // A drain inside the callback may have run the work already.
      if (draining && !running) {
        if (drainNow && driverCalls === 0) drain();
        else scheduleDrain();
      }
      return;
    }
  }
  if (drainNow) drainCompletionQueueNow();
}

/**
 * Internal: a drain is running and more work waits behind the item it runs:
 * other completion routines are about to run, and may issue more requests
 * that could be handed to the transport together (see WskSend's gathering).
 */
export function completionWorkWaiting(): boolean {
  return running && head < tail;
}

/**
 * Internal: a driver's call into the emulator starts (a WSK dispatch
 * function, IoCancelIrp).
 * Until the matching {@linkcode leaveDriverCall}, {@linkcode drainCompletionQueueNow}
 * runs nothing, so that even a transport that calls back from inside a
 * driver's call never runs a completion there.
 */
export function enterDriverCall(): void {
  driverCalls++;
}

/** Internal: the call that {@linkcode enterDriverCall} marked returns (or throws). */
export function leaveDriverCall(): void {
  driverCalls--;
}

function runDpc(routine: () => void): void {
  callAtDispatchLevel(routine, dpcName);
}

/**
 * Queues `routine` to run after the current call returns, at DISPATCH_LEVEL,
 * in FIFO order with every other queued item (DPCs and IRP completions). The
 * routine must not wait (see `callAtDispatchLevel`). If it throws, the other
 * items still run, and the error is raised as a bug check (a non-bug-check
 * exception becomes KMODE_EXCEPTION_NOT_HANDLED, 0x1E, with the original as
 * `cause`): see {@linkcode onBugCheck}.
 *
 * @example Usage
 * ```ts
 * import { completionQueueIdle, KeGetCurrentIrql, queueDpc, DISPATCH_LEVEL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const order: string[] = [];
 * queueDpc(() => order.push(`dpc at IRQL ${KeGetCurrentIrql()}`));
 * order.push("caller");
 * await completionQueueIdle();
 * assert.deepEqual(order, ["caller", `dpc at IRQL ${DISPATCH_LEVEL}`]);
 * ```
 */
export function queueDpc(routine: () => void): void {
  queueWork(runDpc, routine, undefined, undefined);
}

/**
 * Resolves once the completion queue is empty: everything queued so far, and
 * everything that work queued in turn, has run.
 *
 * @example Usage
 * ```ts
 * import { completionQueueIdle, queueDpc } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * let ran = 0;
 * queueDpc(() => {
 *   ran++;
 *   queueDpc(() => ran++);
 * });
 * await completionQueueIdle();
 * assert.equal(ran, 2);
 * ```
 */
export function completionQueueIdle(): Promise<void> {
  if (!draining) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}

/**
 * Subscribes to bug checks raised by queued work; returns the function that
 * unsubscribes. While any listener (or {@linkcode nextBugCheck} waiter) exists,
 * such bug checks are delivered instead of being thrown as uncaught errors.
 *
 * @example Usage
 * ```ts
 * import { completionQueueIdle, onBugCheck, queueDpc, KeBugCheckEx, type BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const seen: BugCheckError[] = [];
 * const unsubscribe = onBugCheck((error) => seen.push(error));
 * queueDpc(() => KeBugCheckEx(0xC4, 0xFA, 0, 0, 0));
 * await completionQueueIdle();
 * unsubscribe();
 * assert.equal(seen[0].BugCheckCode, 0xC4);
 * ```
 */
export function onBugCheck(listener: (error: BugCheckError) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Resolves with the next bug check raised by queued work: how a test asserts
 * that a driver bug is caught. Call it before the work runs (before awaiting).
 *
 * @example Usage
 * ```ts
 * import { nextBugCheck, queueDpc, KeBugCheckEx, MULTIPLE_IRP_COMPLETE_REQUESTS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const bugCheck = nextBugCheck();
 * queueDpc(() => KeBugCheckEx(MULTIPLE_IRP_COMPLETE_REQUESTS, 0, 0, 0, 0));
 * assert.equal((await bugCheck).BugCheckCode, MULTIPLE_IRP_COMPLETE_REQUESTS);
 * ```
 */
export function nextBugCheck(): Promise<BugCheckError> {
  return new Promise((resolve) => bugCheckWaiters.push(resolve));
}
