// Copyright 2026 the wskemu authors. MIT license.
/**
 * What both UDP backends share around their socket: delivery of arrivals
 * (with the hold before `receive`), the checks on a send's destination,
 * SO_BROADCAST as those checks see it, and close. A backend supplies the
 * send itself and the release of its socket.
 *
 * @module
 */
import { type NTSTATUS, STATUS_FILE_FORCED_CLOSED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { Datagram, Endpoint, UdpSocket } from "./types.ts";
import { DatagramDelivery, type HoldPolicy } from "./_udp_delivery.ts";
import { DestinationCheck } from "./_udp_destination.ts";
import { noteClosed } from "./_udp_release.ts";

/** A bound UDP socket of either backend. */
export abstract class BoundUdpSocket implements UdpSocket {
  /** The bound address, with the real port when port 0 was asked. */
  readonly localAddress: Endpoint;
  /** Where the backend hands each datagram it reads. */
  protected readonly delivery: DatagramDelivery;
  readonly #destinations: DestinationCheck;
  #closed = false;

  /** A socket bound to `localAddress`, IPv6-only or not, holding within `hold`. */
  constructor(localAddress: Endpoint, ipv6Only: boolean, hold: HoldPolicy) {
    this.localAddress = localAddress;
    this.delivery = new DatagramDelivery(hold);
    this.#destinations = new DestinationCheck(localAddress.family, ipv6Only);
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Deliver each datagram to `receiver`. Datagrams held before this call are
   * delivered first, from a microtask (never inside this call). A later call
   * replaces the receiver.
   */
  receive(receiver: (datagram: Datagram) => void): void {
    this.delivery.receive(receiver);
  }

  /**
   * Send one datagram made of `chunks` to `to` (see {@linkcode DestinationCheck}
   * for the destinations refused). Over-size payloads (more than 65507 bytes
   * to IPv4, 65527 to IPv6) resolve STATUS_BUFFER_OVERFLOW. The chunks are
   * read until the promise settles.
   */
  send(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS> {
    if (this.#closed) return Promise.resolve(STATUS_FILE_FORCED_CLOSED);
    const refused = this.#destinations.check(to);
    if (refused !== STATUS_SUCCESS) return Promise.resolve(refused);
    return this.sendChecked(chunks, to);
  }

  /** SO_BROADCAST. Ignored once closed. */
  setBroadcast(on: boolean): void {
    if (this.#closed || !this.applyBroadcast(on)) return;
    this.#destinations.broadcast = on;
  }

  /** Release the socket and drop any held datagrams. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.delivery.close();
    // Both backends release the OS socket only once the event loop has turned
    // (a pending receive holds it): a bind of this port right now would find
    // it in use (see _udp_release.ts).
    noteClosed(this.localAddress.port);
    this.release();
  }

  /** Sends to `to`, which passed the destination checks. */
  protected abstract sendChecked(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS>;

  /** Sets SO_BROADCAST on the socket underneath, if it has the option; false if that failed. */
  protected abstract applyBroadcast(on: boolean): boolean;

  /** Releases the socket underneath; called once. */
  protected abstract release(): void;
}
