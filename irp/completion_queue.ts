// Copyright 2026 the wskemu authors. MIT license.
/**
 * The completion queue: one FIFO of work that must run "later, at
 * DISPATCH_LEVEL", like the DPCs through which Windows completes network I/O.
 * A WSK provider never completes an IRP inside the call that received it; it
 * queues the completion here, and it runs on a microtask after the caller
 * returns.
 *
 * A bug check in queued work has no caller to throw to. It goes to
 * {@linkcode onBugCheck} listeners and {@linkcode nextBugCheck} waiters, or,
 * when there are none, is thrown as an uncaught error, which stops the program
 * (or fails the test) as a real bug check halts the machine.
 *
 * @module
 */
import { BugCheckError, KMODE_EXCEPTION_NOT_HANDLED, objectAddress } from "./bugcheck.ts";
import { callAtDispatchLevel } from "./irql.ts";
import { hooks } from "./_hooks.ts";

/**
 * What runs a queued item: it gets the three values queued with it. Runners
 * are a handful of module-level functions (DPCs, IRP completions), so an item
 * costs no closure.
 */
export type Runner<A = never, B = never, C = never> = (a: A, b: B, c: C) => void;

// The FIFO, flat: each item takes four slots (its runner and three values)
// from `head` on, so queuing allocates nothing. Drained slots are cleared so
// they keep nothing alive; the array is compacted when the drain ends, or
// while it runs when a long drain has left many slots behind.
const SLOTS = 4;
const COMPACT_AT = 4096;
const queue: unknown[] = [];
let head = 0;
let draining = false;
const idleWaiters: (() => void)[] = [];
const listeners = new Set<(error: BugCheckError) => void>();
let bugCheckWaiters: ((error: BugCheckError) => void)[] = [];

// The code MSVC raises for a thrown C++ exception: the closest kernel-mode
// analogue of a JavaScript exception nobody caught.
const THROWN_EXCEPTION_CODE = 0xE06D7363;

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
  if (error instanceof BugCheckError) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new BugCheckError(
    KMODE_EXCEPTION_NOT_HANDLED,
    [THROWN_EXCEPTION_CODE, objectAddress(subjectOf(run, a)), 0, 0],
    `${dpcName(subjectOf(run, a))} threw an exception nobody handled: ${text}`,
    { cause: error },
  );
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

function drain(): void {
  // Items queued while draining join the end of this same drain.
  while (head < queue.length) {
    const run = queue[head] as Runner<unknown, unknown, unknown>;
    const a = queue[head + 1], b = queue[head + 2], c = queue[head + 3];
    for (let slot = head; slot < head + SLOTS; slot++) queue[slot] = undefined;
    head += SLOTS;
    if (head >= COMPACT_AT) {
      queue.splice(0, head);
      head = 0;
    }
    try {
      run(a, b, c);
    } catch (error) {
      raise(asBugCheck(error, run, a));
    }
  }
  queue.length = 0;
  head = 0;
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
  queue.push(run, a, b, c);
  if (!draining) {
    draining = true;
    if (hooks.scheduleDrain !== null) hooks.scheduleDrain(drain);
    else queueMicrotask(drain);
  }
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
