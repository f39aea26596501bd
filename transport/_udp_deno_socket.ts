// Copyright 2026 the wskemu authors. MIT license.
/**
 * The `Deno.listenDatagram` UDP backend (it needs `--unstable-net` or
 * `"unstable": ["net"]`): several times cheaper per datagram than node:dgram,
 * which stays the fallback. One receive loop per socket reads into a reused
 * 64 KiB buffer from the moment of bind and hands each datagram to the shared
 * delivery of {@linkcode BoundUdpSocket}, as the node backend does.
 *
 * What the Deno socket lacks is emulated or left to node:dgram: it has no
 * IPv6-only option (such binds on the wildcard go to node:dgram, see
 * udpBackend in udp.ts), and SO_BROADCAST
 * is always on underneath, so broadcasts are refused here while the option is
 * off (see _udp_destination.ts).
 *
 * @module
 */
import { type NTSTATUS, STATUS_CANCELLED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { Endpoint, Result, UdpBindOptions, UdpSocket } from "./types.ts";
import type { HoldPolicy } from "./_udp_delivery.ts";
import { BoundUdpSocket } from "./_udp_base.ts";
import { statusFromError } from "./errors.ts";

/** Large enough for any UDP payload (65527 bytes over IPv6): a smaller buffer truncates. */
const RECEIVE_BUFFER = 64 * 1024;

/** Whether this program has `Deno.listenDatagram` (it runs with unstable net). */
export function denoDatagramAvailable(): boolean {
  return typeof Deno.listenDatagram === "function";
}

/**
 * Binds a Deno datagram socket as `options` ask (the endpoint and the
 * permission were checked already; an IPv6-only bind comes here only where
 * IPv4 cannot reach, see udpBackend). An error becomes its status; nothing
 * throws.
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
    const ipv6Only = local.family === 6 && (options.ipv6Only ?? false);
    return { status: STATUS_SUCCESS, value: new DenoUdpSocket(conn, ipv6Only, hold) };
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
export class DenoUdpSocket extends BoundUdpSocket {
  readonly #conn: Deno.DatagramConn;

  /**
   * Wrap `conn`, which is bound, and start reading from it. `ipv6Only` (Deno's
   * socket is dual stack underneath) is only ever asked where IPv4 cannot
   * reach the socket anyway: it is kept by refusing IPv4 destinations.
   */
  constructor(conn: Deno.DatagramConn, ipv6Only: boolean, hold: HoldPolicy) {
    super(endpointOf(conn.addr), ipv6Only, hold);
    this.#conn = conn;
    this.#read();
  }

  protected sendChecked(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS> {
    const address: Deno.NetAddr = { transport: "udp", hostname: to.hostname, port: to.port };
    return this.#conn.send(gathered(chunks), address).then(sent, this.#sendFailed);
  }

  /** The Deno socket always has SO_BROADCAST on: only what send refuses changes. */
  protected applyBroadcast(): boolean {
    return true;
  }

  protected release(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed underneath: nothing left to release.
    }
  }

  #sendFailed = (error: unknown): NTSTATUS =>
    this.closed ? STATUS_CANCELLED : statusFromError(error);

  /** The receive loop: one receive pending at all times, until close. */
  async #read(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER);
    const conn = this.#conn, delivery = this.delivery;
    for (;;) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await conn.receive(buffer);
      } catch (error) {
        // Close rejects the pending receive (Interrupted); that ends the loop.
        if (this.closed || !receiveGoesOn(error)) return;
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
