// Copyright 2026 the wskemu authors. MIT license.
/**
 * A bound UDP socket over node:dgram (which, unlike `Deno.listenDatagram`,
 * needs no `--unstable-net` flag): delivery of arriving datagrams, holding
 * them while nobody receives, sends, SO_BROADCAST and close.
 *
 * @module
 */
import type { Socket } from "node:dgram";
import { isIP } from "node:net";
import { checkEndpoint, endpoint, permissionHost } from "./_endpoint.ts";
import {
  type NTSTATUS,
  STATUS_ACCESS_DENIED,
  STATUS_CANCELLED,
  STATUS_FILE_FORCED_CLOSED,
  STATUS_INVALID_ADDRESS_COMPONENT,
  STATUS_NOT_SUPPORTED,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Datagram, Endpoint, UdpSocket } from "./types.ts";
import { DatagramBacklog } from "./_udp_backlog.ts";
import { noteClosed } from "./_udp_release.ts";
import { statusFromError } from "./errors.ts";

/** How many datagrams a socket holds before `receive`, and who hears of drops. */
export interface HoldPolicy {
  /** At most this many datagrams are held. */
  datagrams: number;
  /** At most this many payload bytes are held. */
  bytes: number;
  /** Called with each datagram dropped because the hold was full. */
  onDrop?: (datagram: Datagram) => void;
}

/** A {@linkcode UdpSocket} over a bound node:dgram socket. */
export class NodeUdpSocket implements UdpSocket {
  /** The bound address, with the real port when port 0 was asked. */
  readonly localAddress: Endpoint;
  readonly #socket: Socket;
  readonly #ipv6Only: boolean;
  readonly #backlog: DatagramBacklog;
  readonly #onDrop: ((datagram: Datagram) => void) | undefined;
  #receiver: ((datagram: Datagram) => void) | null = null;
  // True from a `receive` that found held datagrams until they are delivered:
  // arrivals in between queue behind them so the order stays the wire order.
  #draining = false;
  #broadcast = false;
  #closed = false;

  /** Wrap `socket`, which must already be bound. */
  constructor(socket: Socket, ipv6Only: boolean, hold: HoldPolicy) {
    this.#socket = socket;
    this.#ipv6Only = ipv6Only;
    this.#backlog = new DatagramBacklog(hold.datagrams, hold.bytes);
    this.#onDrop = hold.onDrop;
    const bound = socket.address();
    this.localAddress = endpoint(bound.address, bound.port);
    socket.on("message", (message: Uint8Array, remote: { address: string; port: number }) => {
      const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      this.#arrived({ data, from: endpoint(remote.address, remote.port) });
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
    if (this.#closed) return;
    this.#receiver = receiver;
    if (this.#backlog.length > 0 && !this.#draining) {
      this.#draining = true;
      queueMicrotask(() => this.#drain());
    }
  }

  /**
   * Send one datagram made of `chunks` to `to`, an IP literal of a family this
   * socket can reach. Over-size payloads (more than 65507 bytes to IPv4,
   * 65527 to IPv6) resolve STATUS_BUFFER_OVERFLOW.
   */
  send(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS> {
    if (this.#closed) return Promise.resolve(STATUS_FILE_FORCED_CLOSED);
    // Not a literal: node:dgram would look the name up, which WskSendTo never does.
    const valid = checkEndpoint(to);
    if (valid !== STATUS_SUCCESS) return Promise.resolve(valid);
    // Port 0 is no destination (Windows: WSAEADDRNOTAVAIL); node:dgram throws on it.
    if (to.port === 0) return Promise.resolve(STATUS_INVALID_ADDRESS_COMPONENT);
    if (!this.#reaches(to)) return Promise.resolve(STATUS_NOT_SUPPORTED);
    // Deno folds the EACCES of a broadcast without SO_BROADCAST into
    // "UNKNOWN"; the limited broadcast address at least is caught here.
    if (!this.#broadcast && to.hostname === "255.255.255.255") {
      return Promise.resolve(STATUS_ACCESS_DENIED);
    }
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
      this.#broadcast = on;
    } catch {
      // Only a closed handle throws here, and closed sockets ignore options.
    }
  }

  /** Release the socket and drop any held datagrams. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiver = null;
    this.#backlog.clear();
    noteClosed(this.localAddress.port);
    try {
      this.#socket.close();
    } catch {
      // Already closed underneath: nothing left to release.
    }
  }

  #arrived(datagram: Datagram): void {
    if (this.#closed) return;
    if (this.#receiver && !this.#draining) {
      this.#deliver(datagram);
    } else if (!this.#backlog.push(datagram, !this.#draining)) {
      this.#onDrop?.(datagram);
    }
  }

  #drain(): void {
    for (let held = this.#backlog.shift(); held; held = this.#backlog.shift()) {
      this.#deliver(held);
    }
    this.#draining = false;
  }

  #deliver(datagram: Datagram): void {
    const receiver = this.#receiver;
    if (!receiver) return;
    try {
      receiver(datagram);
    } catch (error) {
      // node:dgram under Deno swallows listener exceptions; a receiver's bug
      // must not vanish, so it is reported as an uncaught error instead.
      reportError(error);
    }
  }

  #reaches(to: Endpoint): boolean {
    if (this.localAddress.family === 4) return to.family === 4;
    if (!this.#ipv6Only) return true; // dual stack: IPv4 peers are reached too
    return to.family === 6 && isIP(to.hostname) === 6 && !/^::ffff:/i.test(to.hostname);
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
