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

/** A first-in first-out queue of held datagrams. */
export class DatagramFifo {
  #items: HeldDatagram[] = [];
  #head = 0;

  /** Datagrams queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends at the tail. */
  push(datagram: HeldDatagram): void {
    this.#items.push(datagram);
  }

  /** Puts `datagrams` back at the head, in their order (a refused indication). */
  unshiftAll(datagrams: HeldDatagram[]): void {
    this.#items = [...datagrams, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  /** Takes the oldest datagram, or undefined. */
  shift(): HeldDatagram | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const datagram = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as HeldDatagram; // let it be collected
    // Compact once the consumed prefix dominates, keeping shift amortised O(1).
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return datagram;
  }

  /** Takes everything, oldest first. */
  takeAll(): HeldDatagram[] {
    // The array itself when nothing was shifted from it: no copy.
    const all = this.#head === 0 ? this.#items : this.#items.slice(this.#head);
    this.clear();
    return all;
  }

  /** Drops everything. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
