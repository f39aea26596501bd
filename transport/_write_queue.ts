// Copyright 2026 the wskemu authors. MIT license.
/**
 * The completions of a stream's pending writes, oldest first.
 *
 * `node:net` calls write callbacks in the order the writes were made, so one
 * shared callback can settle the oldest slot: no closure per write. A write
 * whose bytes all went to the kernel at once (the common case on a socket
 * that keeps up) is settled on the spot with a shared resolved promise; its
 * slot stays, empty, until its callback comes, to keep the order aligned.
 *
 * @module
 */
import { type NTSTATUS, STATUS_SUCCESS } from "../irp/ntstatus.ts";

/** The one promise every write that completes at once returns. */
const SUCCEEDED: Promise<NTSTATUS> = Promise.resolve(STATUS_SUCCESS);

/** How a pending write reports: `done(context, status)`, once. */
export type WriteDone<C> = (context: C, status: NTSTATUS) => void;

/** A promise's resolve as a {@linkcode WriteDone}: the context is the resolve. */
function resolveWith(resolve: (status: NTSTATUS) => void, status: NTSTATUS): void {
  resolve(status);
}

/** FIFO of pending write completions. */
export class WriteQueue {
  /**
   * Two slots per write still awaiting its callback (its `done` and its
   * context); null once settled, or for a write settled on the spot.
   */
  #slots: unknown[] = [];
  #head = 0;
  /** Slots not yet settled. */
  #waiting = 0;

  /** Take a slot for a write about to be handed to `node:net`. */
  reserve(): void {
    this.#slots.push(null, null);
  }

  /** No earlier write is still waiting: a write that is done may report so now. */
  get idle(): boolean {
    return this.#waiting === 0;
  }

  /** The shared success, for a write that is already in the kernel. */
  succeeded(): Promise<NTSTATUS> {
    return SUCCEEDED;
  }

  /** A promise for the slot last reserved, settled by a later {@linkcode complete}. */
  wait(): Promise<NTSTATUS> {
    const { promise, resolve } = Promise.withResolvers<NTSTATUS>();
    this.waitWith(resolveWith, resolve);
    return promise;
  }

  /** The slot last reserved reports through `done(context, status)` on a later {@linkcode complete}. */
  waitWith<C>(done: WriteDone<C>, context: C): void {
    const slots = this.#slots;
    slots[slots.length - 2] = done;
    slots[slots.length - 1] = context;
    this.#waiting++;
  }

  /** The oldest write's callback came: settle it. False if nothing was pending. */
  complete(status: NTSTATUS): boolean {
    const slots = this.#slots;
    const head = this.#head;
    if (head >= slots.length) return false;
    const done = slots[head] as WriteDone<unknown> | null;
    const context = slots[head + 1];
    slots[head] = slots[head + 1] = null;
    this.#head = head + 2;
    if (this.#head === slots.length) {
      slots.length = 0;
      this.#head = 0;
    } else if (this.#head >= 2048 && this.#head * 2 >= slots.length) {
      // A queue that never drains: drop the settled prefix now and then.
      slots.splice(0, this.#head);
      this.#head = 0;
    }
    if (done !== null) {
      this.#waiting--;
      done(context, status);
    }
    return true;
  }

  /** Settle every pending write with `status` (failure, abort, close) and forget them. */
  settleAll(status: NTSTATUS): void {
    const slots = this.#slots;
    const head = this.#head;
    if (head >= slots.length) return;
    this.#slots = [];
    this.#head = 0;
    this.#waiting = 0;
    for (let i = head; i < slots.length; i += 2) {
      const done = slots[i] as WriteDone<unknown> | null;
      if (done !== null) done(slots[i + 1], status);
    }
  }
}
