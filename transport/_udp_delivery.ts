// Copyright 2026 the wskemu authors. MIT license.
/**
 * What every UDP backend does with an arriving datagram: hand it to the
 * receiver, or, while there is none (or while held datagrams are still being
 * handed over), hold a copy within the socket's bounds and drop the rest.
 * Both backends read from the kernel from the moment they are bound, so the
 * hold is what stands in for a socket receive buffer until `receive`.
 *
 * @module
 */
import type { Datagram } from "./types.ts";
import { DatagramBacklog } from "./_udp_backlog.ts";

/** How many datagrams a socket holds before `receive`, and who hears of drops. */
export interface HoldPolicy {
  /** At most this many datagrams are held. */
  datagrams: number;
  /** At most this many payload bytes are held. */
  bytes: number;
  /** Called with each datagram dropped because the hold was full. */
  onDrop?: (datagram: Datagram) => void;
}

/** The receive side of one bound UDP socket, whatever reads it from the kernel. */
export class DatagramDelivery {
  readonly #backlog: DatagramBacklog;
  readonly #onDrop: ((datagram: Datagram) => void) | undefined;
  #receiver: ((datagram: Datagram) => void) | null = null;
  // True from a `receive` that found held datagrams until they are delivered:
  // arrivals in between queue behind them so the order stays the wire order.
  #draining = false;
  #closed = false;

  /** A delivery that holds within `hold` until a receiver is set. */
  constructor(hold: HoldPolicy) {
    this.#backlog = new DatagramBacklog(hold.datagrams, hold.bytes);
    this.#onDrop = hold.onDrop;
  }

  /**
   * Deliver each datagram to `receiver`. Datagrams held before this call are
   * delivered first, from a microtask (never inside this call). A later call
   * replaces the receiver. Ignored once closed.
   */
  receive(receiver: (datagram: Datagram) => void): void {
    if (this.#closed) return;
    this.#receiver = receiver;
    if (this.#backlog.length > 0 && !this.#draining) {
      this.#draining = true;
      queueMicrotask(() => this.#drain());
    }
  }

  /** A datagram read from the kernel; its bytes are only valid during this call. */
  arrived(datagram: Datagram): void {
    if (this.#closed) return;
    if (this.#receiver !== null && !this.#draining) {
      this.#deliver(datagram);
    } else if (!this.#backlog.push(datagram, !this.#draining) && this.#onDrop) {
      try {
        this.#onDrop(datagram);
      } catch (error) {
        reportError(error);
      }
    }
  }

  /** Drop the receiver and whatever is held; nothing is delivered after this. */
  close(): void {
    this.#closed = true;
    this.#receiver = null;
    this.#backlog.clear();
  }

  #drain(): void {
    for (let held = this.#backlog.shift(); held; held = this.#backlog.shift()) {
      this.#deliver(held);
    }
    this.#draining = false;
  }

  #deliver(datagram: Datagram): void {
    const receiver = this.#receiver;
    if (receiver === null) return;
    try {
      receiver(datagram);
    } catch (error) {
      // Neither backend may let a receiver's bug vanish (node:dgram under
      // Deno swallows listener exceptions; a receive loop would die of it),
      // so it is reported as an uncaught error, and delivery goes on. The
      // same goes for onDrop.
      reportError(error);
    }
  }
}
