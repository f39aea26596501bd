// Copyright 2026 the wskemu authors. MIT license.
/**
 * The `Deno.listenDatagram` UDP backend (it needs `--unstable-net` or
 * `"unstable": ["net"]`): several times cheaper per datagram than node:dgram,
 * which stays the fallback. One receive loop per socket reads into a reused
 * 64 KiB buffer from the moment of bind and hands each datagram to the shared
 * {@linkcode DatagramDelivery}, as the node backend does.
 *
 * What the Deno socket lacks is emulated or left to node:dgram: it has no
 * IPv6-only option (such binds go to node:dgram, see udp.ts), and SO_BROADCAST
 * is always on underneath, so broadcasts are refused here while the option is
 * off (see {@linkcode DestinationCheck}).
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_CANCELLED,
  STATUS_FILE_FORCED_CLOSED,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Datagram, Endpoint, Result, UdpBindOptions, UdpSocket } from "./types.ts";
import { DatagramDelivery, type HoldPolicy } from "./_udp_delivery.ts";
import { DestinationCheck } from "./_udp_destination.ts";
import { noteClosed } from "./_udp_release.ts";
import { statusFromError } from "./errors.ts";

/** Large enough for any UDP payload (65527 bytes over IPv6): a smaller buffer truncates. */
const RECEIVE_BUFFER = 64 * 1024;

/** Whether this program has `Deno.listenDatagram` (it runs with unstable net). */
export function denoDatagramAvailable(): boolean {
  return typeof Deno.listenDatagram === "function";
}

/**
 * Binds a Deno datagram socket as `options` ask (the endpoint and the
 * permission were checked already; an IPv6-only bind never comes here). An
 * error becomes its status; nothing throws.
 */
export function bindDeno(options: UdpBindOptions, hold: HoldPolicy): Result<UdpSocket> {
  const { local } = options;
  try {
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: local.hostname,
      port: local.port,
      reuseAddress: options.reuseAddress ?? false,
    });
    return { status: STATUS_SUCCESS, value: new DenoUdpSocket(conn, hold) };
  } catch (error) {
    return { status: statusFromError(error), value: null };
  }
}

/** An endpoint as Deno reports one: an IPv6 address always has a colon. */
function endpointOf(address: Deno.Addr): Endpoint {
  const { hostname, port } = address as Deno.NetAddr;
  return { hostname, port, family: hostname.includes(":") ? 6 : 4 };
}

/** The chunks of one datagram as one buffer: a single chunk as it is, more copied once. */
function gathered(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

const sent = (): NTSTATUS => STATUS_SUCCESS;

/** A {@linkcode UdpSocket} over a bound `Deno.DatagramConn`. */
export class DenoUdpSocket implements UdpSocket {
  /** The bound address, with the real port when port 0 was asked. */
  readonly localAddress: Endpoint;
  readonly #conn: Deno.DatagramConn;
  readonly #delivery: DatagramDelivery;
  readonly #destinations: DestinationCheck;
  #closed = false;

  /** Wrap `conn`, which is bound, and start reading from it. */
  constructor(conn: Deno.DatagramConn, hold: HoldPolicy) {
    this.#conn = conn;
    this.#delivery = new DatagramDelivery(hold);
    this.localAddress = endpointOf(conn.addr);
    // Deno has no IPv6-only socket: an IPv6 one is dual stack.
    this.#destinations = new DestinationCheck(this.localAddress.family, false);
    this.#read();
  }

  /**
   * Deliver each datagram to `receiver`. Datagrams held before this call are
   * delivered first, from a microtask (never inside this call). A later call
   * replaces the receiver.
   */
  receive(receiver: (datagram: Datagram) => void): void {
    this.#delivery.receive(receiver);
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
    return this.#conn.send(gathered(chunks), {
      transport: "udp",
      hostname: to.hostname,
      port: to.port,
    })
      .then(sent, this.#sendFailed);
  }

  /** SO_BROADCAST. The Deno socket always has it on; this decides what send refuses. */
  setBroadcast(on: boolean): void {
    if (this.#closed) return;
    this.#destinations.broadcast = on;
  }

  /** Release the socket and drop any held datagrams. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#delivery.close();
    // The pending receive keeps the OS socket until the loop turns: a bind of
    // this port right now would find it in use (see _udp_release.ts).
    noteClosed(this.localAddress.port);
    try {
      this.#conn.close();
    } catch {
      // Already closed underneath: nothing left to release.
    }
  }

  #sendFailed = (error: unknown): NTSTATUS =>
    this.#closed ? STATUS_CANCELLED : statusFromError(error);

  /** The receive loop: one receive pending at all times, until close. */
  async #read(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER);
    const conn = this.#conn, delivery = this.#delivery;
    for (;;) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await conn.receive(buffer);
      } catch (error) {
        // Close rejects the pending receive (Interrupted); that ends the loop.
        if (this.#closed || !receiveGoesOn(error)) return;
        continue;
      }
      delivery.arrived({ data: received[0], from: endpointOf(received[1]) });
    }
  }
}

/**
 * Whether a failed receive leaves the socket usable: an error the kernel
 * reports about one datagram (an ICMP error queued on the socket) does; a
 * closed or broken resource does not.
 */
function receiveGoesOn(error: unknown): boolean {
  return !(error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted);
}
