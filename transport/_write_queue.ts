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

type Settle = (status: NTSTATUS) => void;

/** FIFO of pending write completions. */
export class WriteQueue {
  /** One slot per write still awaiting its callback; null once settled. */
  #slots: (Settle | null)[] = [];
  #head = 0;
  /** Slots not yet settled. */
  #waiting = 0;

  /** Take a slot for a write about to be handed to `node:net`. */
  reserve(): void {
    this.#slots.push(null);
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
    this.#slots[this.#slots.length - 1] = resolve;
    this.#waiting++;
    return promise;
  }

  /** The oldest write's callback came: settle it. False if nothing was pending. */
  complete(status: NTSTATUS): boolean {
    const slots = this.#slots;
    if (this.#head >= slots.length) return false;
    const settle = slots[this.#head];
    slots[this.#head++] = null;
    if (this.#head === slots.length) {
      slots.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= slots.length) {
      // A queue that never drains: drop the settled prefix now and then.
      slots.splice(0, this.#head);
      this.#head = 0;
    }
    if (settle !== null) {
      this.#waiting--;
      settle(status);
    }
    return true;
  }

  /** Settle every pending write with `status` (failure, abort, close) and forget them. */
  settleAll(status: NTSTATUS): void {
    const slots = this.#slots;
    const head = this.#head;
    this.#slots = [];
    this.#head = 0;
    this.#waiting = 0;
    for (let i = head; i < slots.length; i++) slots[i]?.(status);
  }
}
