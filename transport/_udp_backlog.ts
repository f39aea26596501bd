// Copyright 2026 the wskemu authors. MIT license.
/**
 * The datagrams a UDP socket holds while nobody receives yet. node:dgram reads
 * from the kernel as soon as the socket is bound and has no way to stop, so
 * without a bound here a socket that is never read would grow without limit.
 * A real socket's receive buffer drops what does not fit; so does this.
 *
 * @module
 */
import type { Datagram } from "./types.ts";

/** Default number of datagrams held before `receive` is called. */
export const DEFAULT_HOLD_DATAGRAMS = 256;

/** Default payload bytes held before `receive` is called (1 MiB). */
export const DEFAULT_HOLD_BYTES = 1024 * 1024;

/**
 * A FIFO of datagrams bounded by count and by payload bytes, whichever is hit
 * first. A datagram that does not fit is dropped (tail drop, as a full socket
 * buffer does), never one already held.
 */
export class DatagramBacklog {
  readonly #maxDatagrams: number;
  readonly #maxBytes: number;
  #queue: Datagram[] = [];
  #bytes = 0;

  /** A backlog holding at most `maxDatagrams` datagrams and `maxBytes` payload bytes. */
  constructor(maxDatagrams: number, maxBytes: number) {
    this.#maxDatagrams = maxDatagrams;
    this.#maxBytes = maxBytes;
  }

  /** Datagrams held now. */
  get length(): number {
    return this.#queue.length;
  }

  /** Payload bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Hold a copy of `datagram` if it fits and return true; else return false.
   * The copy matters: node:dgram hands out views of a 64 KiB receive buffer,
   * so holding the view of a 1-byte datagram would pin 64 KiB.
   */
  push(datagram: Datagram, bounded = true): boolean {
    const size = datagram.data.byteLength;
    if (
      bounded &&
      (this.#queue.length >= this.#maxDatagrams || this.#bytes + size > this.#maxBytes)
    ) {
      return false;
    }
    this.#queue.push({ data: datagram.data.slice(), from: { ...datagram.from } });
    this.#bytes += size;
    return true;
  }

  /** Take the oldest datagram, or undefined when empty. */
  shift(): Datagram | undefined {
    const datagram = this.#queue.shift();
    if (datagram) this.#bytes -= datagram.data.byteLength;
    return datagram;
  }

  /** Drop everything held. */
  clear(): void {
    this.#queue = [];
    this.#bytes = 0;
  }
}
