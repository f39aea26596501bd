// Copyright 2026 the wskemu authors. MIT license.
/**
 * UDP over real sockets, for WSK datagram sockets (WskBind, WskSendTo,
 * WskReceiveFrom, SO_BROADCAST). Built on node:dgram, which needs no
 * `--unstable-net` flag, unlike `Deno.listenDatagram`.
 *
 * Status choices: an address in use is STATUS_ADDRESS_ALREADY_ASSOCIATED (what
 * Windows completed WskBind with); a denied permission is STATUS_ACCESS_DENIED;
 * an over-size datagram (more than 65507 bytes to IPv4, 65527 to IPv6) is
 * STATUS_BUFFER_OVERFLOW, a warning-class status that NT_SUCCESS rejects.
 *
 * @module
 */
import dgram from "node:dgram";
import { STATUS_ADDRESS_ALREADY_ASSOCIATED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { Datagram, Result, UdpBindOptions, UdpSocket, UdpTransport } from "./types.ts";
export type { NTSTATUS } from "../irp/ntstatus.ts";
import { DEFAULT_HOLD_BYTES, DEFAULT_HOLD_DATAGRAMS } from "./_udp_backlog.ts";
import { checkEndpoint } from "./_endpoint.ts";
import { checkNetPermission } from "./_permission.ts";
import { type HoldPolicy, NodeUdpSocket } from "./_udp_socket.ts";
import { statusFromError } from "./errors.ts";
import { justClosed, loopTurn, RELEASE_RETRIES } from "./_udp_release.ts";

// Re-exported so this module documents on its own; mod.ts exports the same bindings.
export type {
  Datagram,
  Endpoint,
  Result,
  UdpBindOptions,
  UdpSocket,
  UdpTransport,
} from "./types.ts";

/**
 * Tuning for {@linkcode createUdpTransport}: how much a socket holds while
 * nobody receives from it. A socket reads from the kernel from the moment it
 * is bound; what arrives before `receive` is held up to these bounds, then
 * dropped, as a full socket receive buffer drops.
 *
 * @example A small hold that reports what it drops
 * ```ts
 * import { createUdpTransport, type UdpTransportOptions } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * let dropped = 0;
 * const options: UdpTransportOptions = { holdDatagrams: 8, onDrop: () => dropped++ };
 * const bound = await createUdpTransport(options).bind({
 *   local: { hostname: "127.0.0.1", port: 0, family: 4 },
 * });
 * assert.equal(bound.status, 0);
 * bound.value!.close();
 * assert.equal(dropped, 0);
 * ```
 */
export interface UdpTransportOptions {
  /** Datagrams held before `receive` is called. Default 256. */
  holdDatagrams?: number;
  /** Payload bytes held before `receive` is called. Default 1 MiB (1048576). */
  holdBytes?: number;
  /**
   * Called with each datagram dropped because the hold was full. The datagram
   * is only valid during the call.
   */
  onDrop?: (datagram: Datagram) => void;
}

/**
 * A {@linkcode UdpTransport} whose sockets hold at most the given datagrams and
 * bytes before `receive` is called. {@linkcode udpTransport} is this with the
 * defaults.
 *
 * @example Bind with a hold of 16 datagrams
 * ```ts
 * import { createUdpTransport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const transport = createUdpTransport({ holdDatagrams: 16 });
 * const bound = await transport.bind({ local: { hostname: "127.0.0.1", port: 0, family: 4 } });
 * assert.equal(bound.status, 0);
 * assert.notEqual(bound.value!.localAddress.port, 0);
 * bound.value!.close();
 * ```
 */
export function createUdpTransport(options: UdpTransportOptions = {}): UdpTransport {
  const hold: HoldPolicy = {
    datagrams: options.holdDatagrams ?? DEFAULT_HOLD_DATAGRAMS,
    bytes: options.holdBytes ?? DEFAULT_HOLD_BYTES,
    onDrop: options.onDrop,
  };
  return { bind: (bindOptions) => bind(bindOptions, hold) };
}

/**
 * UDP sockets over node:dgram. `bind` never throws: an address in use gives
 * STATUS_ADDRESS_ALREADY_ASSOCIATED, a denied net permission
 * STATUS_ACCESS_DENIED, a local address that is not an IP literal
 * STATUS_INVALID_PARAMETER. Datagrams arriving before `receive` are held, up
 * to 256 datagrams or 1 MiB of payload, then dropped (see
 * {@linkcode createUdpTransport} to change that).
 *
 * @example Send a datagram to yourself on loopback
 * ```ts
 * import { udpTransport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const bound = await udpTransport.bind({ local: { hostname: "127.0.0.1", port: 0, family: 4 } });
 * assert.equal(bound.status, 0);
 * const socket = bound.value!;
 * const arrived = new Promise<string>((resolve) =>
 *   socket.receive(({ data }) => resolve(new TextDecoder().decode(data)))
 * );
 * const sent = await socket.send([new TextEncoder().encode("hello")], socket.localAddress);
 * assert.equal(sent, 0);
 * assert.equal(await arrived, "hello");
 * socket.close();
 * ```
 */
export const udpTransport: UdpTransport = createUdpTransport();

async function bind(options: UdpBindOptions, hold: HoldPolicy): Promise<Result<UdpSocket>> {
  const { local } = options;
  // A literal only (node:dgram would look a name up), then the permission:
  // node:dgram under Deno throws a denied bind's NotCapable from a later tick,
  // uncatchable, so it is asked first (see _permission.ts).
  const status = checkEndpoint(local);
  if (status !== STATUS_SUCCESS) return { status, value: null };
  const permitted = checkNetPermission(local);
  if (permitted !== STATUS_SUCCESS) return { status: permitted, value: null };
  let result = await bindOnce(options, hold);
  // A port this process closed a moment ago may not be released yet.
  for (
    let retry = 0;
    retry < RELEASE_RETRIES && result.status === STATUS_ADDRESS_ALREADY_ASSOCIATED &&
    local.port !== 0 && justClosed(local.port);
    retry++
  ) {
    await loopTurn();
    result = await bindOnce(options, hold);
  }
  return result;
}

function bindOnce(options: UdpBindOptions, hold: HoldPolicy): Promise<Result<UdpSocket>> {
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
