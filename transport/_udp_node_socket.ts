// Copyright 2026 the wskemu authors. MIT license.
/**
 * The node:dgram UDP backend: what serves a bind when `Deno.listenDatagram`
 * is missing (no `--unstable-net`) or cannot (an IPv6-only socket), or when
 * the transport is told to use it. Sends, SO_BROADCAST, close; arrivals go to
 * the shared {@linkcode DatagramDelivery}.
 *
 * @module
 */
import dgram from "node:dgram";
import { endpoint, permissionHost } from "./_endpoint.ts";
import {
  type NTSTATUS,
  STATUS_ACCESS_DENIED,
  STATUS_CANCELLED,
  STATUS_FILE_FORCED_CLOSED,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Datagram, Endpoint, Result, UdpBindOptions, UdpSocket } from "./types.ts";
import { DatagramDelivery, type HoldPolicy } from "./_udp_delivery.ts";
import { DestinationCheck } from "./_udp_destination.ts";
import { noteClosed } from "./_udp_release.ts";
import { statusFromError } from "./errors.ts";

/**
 * Binds a node:dgram socket as `options` ask (the endpoint and the permission
 * were checked already). An error becomes its status; nothing throws.
 */
export function bindNode(options: UdpBindOptions, hold: HoldPolicy): Promise<Result<UdpSocket>> {
  const { local } = options;
  const ipv6Only = local.family === 6 && (options.ipv6Only ?? false);
  let socket: dgram.Socket;
  try {
    socket = dgram.createSocket({
      type: local.family === 6 ? "udp6" : "udp4",
      reuseAddr: options.reuseAddress ?? false,
      ipv6Only,
    });
  } catch (error) {
    return Promise.resolve({ status: statusFromError(error), value: null });
  }
  return new Promise((resolve) => {
    const failed = (error: unknown) => {
      try {
        socket.close();
      } catch {
        // Never opened: nothing to release.
      }
      resolve({ status: statusFromError(error), value: null });
    };
    socket.once("error", failed);
    try {
      socket.bind({ address: local.hostname, port: local.port }, () => {
        socket.off("error", failed);
        resolve({ status: STATUS_SUCCESS, value: new NodeUdpSocket(socket, ipv6Only, hold) });
      });
    } catch (error) {
      socket.off("error", failed);
      failed(error);
    }
  });
}

/** A {@linkcode UdpSocket} over a bound node:dgram socket. */
export class NodeUdpSocket implements UdpSocket {
  /** The bound address, with the real port when port 0 was asked. */
  readonly localAddress: Endpoint;
  readonly #socket: dgram.Socket;
  readonly #delivery: DatagramDelivery;
  readonly #destinations: DestinationCheck;
  #closed = false;

  /** Wrap `socket`, which must already be bound. */
  constructor(socket: dgram.Socket, ipv6Only: boolean, hold: HoldPolicy) {
    this.#socket = socket;
    this.#delivery = new DatagramDelivery(hold);
    const bound = socket.address();
    this.localAddress = endpoint(bound.address, bound.port);
    this.#destinations = new DestinationCheck(this.localAddress.family, ipv6Only);
    socket.on("message", (message: Uint8Array, remote: { address: string; port: number }) => {
      const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      this.#delivery.arrived({ data, from: endpoint(remote.address, remote.port) });
    });
    // After bind, node:dgram reports only receive errors here. An unconnected
    // UDP socket has nobody to tell them to (the contract has no error event),
    // and an unhandled "error" event would kill the process.
    socket.on("error", () => {});
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
   * to IPv4, 65527 to IPv6) resolve STATUS_BUFFER_OVERFLOW.
   */
  send(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS> {
    if (this.#closed) return Promise.resolve(STATUS_FILE_FORCED_CLOSED);
    const refused = this.#destinations.check(to);
    if (refused !== STATUS_SUCCESS) return Promise.resolve(refused);
    return new Promise((resolve) => {
      try {
        this.#socket.send([...chunks], to.port, to.hostname, (error: Error | null) => {
          resolve(error ? this.#sendFailure(error, to) : STATUS_SUCCESS);
        });
      } catch (error) {
        resolve(this.#closed ? STATUS_FILE_FORCED_CLOSED : statusFromError(error));
      }
    });
  }

  /** SO_BROADCAST. Ignored once closed. */
  setBroadcast(on: boolean): void {
    if (this.#closed) return;
    try {
      this.#socket.setBroadcast(on);
      this.#destinations.broadcast = on;
    } catch {
      // Only a closed handle throws here, and closed sockets ignore options.
    }
  }

  /** Release the socket and drop any held datagrams. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#delivery.close();
    noteClosed(this.localAddress.port);
    try {
      this.#socket.close();
    } catch {
      // Already closed underneath: nothing left to release.
    }
  }

  #sendFailure(error: Error, to: Endpoint): NTSTATUS {
    if (this.#closed) return STATUS_CANCELLED;
    // Deno reports a denied send as "UNKNOWN"; the permission state tells.
    try {
      const host = permissionHost(to);
      if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
        return STATUS_ACCESS_DENIED;
      }
    } catch {
      // An unparsable host for the permission API: fall through to the code.
    }
    return statusFromError(error);
  }
}
