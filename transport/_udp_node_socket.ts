// Copyright 2026 the wskemu authors. MIT license.
/**
 * The node:dgram UDP backend: what serves a bind when `Deno.listenDatagram`
 * is missing (no `--unstable-net`) or cannot (an IPv6-only socket), or when
 * the transport is told to use it: node:dgram's sends, SO_BROADCAST and close
 * under what {@linkcode BoundUdpSocket} shares with the Deno backend.
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
import type { Endpoint, Result, UdpBindOptions, UdpSocket } from "./types.ts";
import type { HoldPolicy } from "./_udp_delivery.ts";
import { BoundUdpSocket } from "./_udp_base.ts";
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
export class NodeUdpSocket extends BoundUdpSocket {
  readonly #socket: dgram.Socket;

  /** Wrap `socket`, which must already be bound. */
  constructor(socket: dgram.Socket, ipv6Only: boolean, hold: HoldPolicy) {
    const bound = socket.address();
    super(endpoint(bound.address, bound.port), ipv6Only, hold);
    this.#socket = socket;
    socket.on("message", (message: Uint8Array, remote: { address: string; port: number }) => {
      const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      this.delivery.arrived({ data, from: endpoint(remote.address, remote.port) });
    });
    // After bind, node:dgram reports only receive errors here. An unconnected
    // UDP socket has nobody to tell them to (the contract has no error event),
    // and an unhandled "error" event would kill the process.
    socket.on("error", () => {});
  }

  protected sendChecked(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS> {
    return new Promise((resolve) => {
      try {
        this.#socket.send([...chunks], to.port, to.hostname, (error: Error | null) => {
          resolve(error ? this.#sendFailure(error, to) : STATUS_SUCCESS);
        });
      } catch (error) {
        resolve(this.closed ? STATUS_FILE_FORCED_CLOSED : statusFromError(error));
      }
    });
  }

  protected applyBroadcast(on: boolean): boolean {
    try {
      this.#socket.setBroadcast(on);
      return true;
    } catch {
      // Only a closed handle throws here, and closed sockets ignore options.
      return false;
    }
  }

  protected release(): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed underneath: nothing left to release.
    }
  }

  #sendFailure(error: Error, to: Endpoint): NTSTATUS {
    if (this.closed) return STATUS_CANCELLED;
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
