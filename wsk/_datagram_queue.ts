// Copyright 2026 the wskemu authors. MIT license.
// Internal: a FIFO of received datagrams that costs O(1) per datagram taken,
// so a queue sized by a large SO_RCVBUF does not turn quadratic.
import type { Endpoint } from "../transport/types.ts";

/** What a real stack charges a queued datagram on top of its payload (its buffer header). */
export const DATAGRAM_OVERHEAD = 256;

/** A received datagram the socket owns (a copy: the transport's bytes are lent for one call). */
export interface HeldDatagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender. */
  from: Endpoint;
}

/** The receive-buffer charge of `datagram`. */
export function chargeOf(datagram: HeldDatagram): number {
  return datagram.data.length + DATAGRAM_OVERHEAD;
}

/** Above this many slots, an emptied queue lets its storage go. */
const KEPT_SLOTS = 64;

/**
 * A first-in first-out queue of held datagrams. It keeps its storage when it
 * empties (an array emptied and pushed again allocates a new backing store
 * each time, that is, per datagram on a socket that keeps up).
 */
export class DatagramFifo {
  #items: (HeldDatagram | undefined)[] = [];
  #head = 0;
  #tail = 0;

  /** Datagrams queued. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /** Appends at the tail. */
  push(datagram: HeldDatagram): void {
    this.#items[this.#tail++] = datagram;
  }

  /** Puts `datagrams` back at the head, in their order (a refused indication). */
  unshiftAll(datagrams: HeldDatagram[]): void {
    this.#items = [...datagrams, ...this.#items.slice(this.#head, this.#tail)];
    this.#head = 0;
    this.#tail = this.#items.length;
  }

  /** Takes the oldest datagram, or undefined. */
  shift(): HeldDatagram | undefined {
    if (this.#head === this.#tail) return undefined;
    const datagram = this.#items[this.#head];
    this.#items[this.#head++] = undefined; // let it be collected
    if (this.#head === this.#tail) this.#reset();
    else if (this.#head > 64 && this.#head * 2 > this.#tail) {
      // Compact once the consumed prefix dominates, keeping shift amortised O(1).
      this.#items = this.#items.slice(this.#head, this.#tail);
      this.#tail -= this.#head;
      this.#head = 0;
    }
    return datagram;
  }

  /** Takes everything, oldest first. */
  takeAll(): HeldDatagram[] {
    const all = new Array<HeldDatagram>(this.#tail - this.#head);
    for (let i = 0; i < all.length; i++) {
      all[i] = this.#items[this.#head + i]!;
      this.#items[this.#head + i] = undefined;
    }
    this.#reset();
    return all;
  }

  /** Drops everything. */
  clear(): void {
    this.#items = [];
    this.#head = this.#tail = 0;
  }

  #reset(): void {
    this.#head = this.#tail = 0;
    if (this.#items.length > KEPT_SLOTS) this.#items = [];
  }
}
