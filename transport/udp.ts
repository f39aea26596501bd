// Copyright 2026 the wskemu authors. MIT license.
/**
 * UDP over real sockets, for WSK datagram sockets (WskBind, WskSendTo,
 * WskReceiveFrom, SO_BROADCAST), with two backends behind one interface:
 *
 * - `Deno.listenDatagram`, the fast one (a datagram costs about a third of
 *   what it costs through node:dgram). It exists only when the program runs
 *   with `--unstable-net` (or `"unstable": ["net"]` in deno.json), and it
 *   serves every bind except an IPv6-only one on the wildcard `::` (it has no
 *   such option, and only there could IPv4 tell; see {@linkcode udpBackend}).
 * - node:dgram, which needs no flag: the fallback for everything else, or
 *   for every bind when {@linkcode UdpTransportOptions.backend} says `"node"`.
 *
 * Both behave the same: same statuses, same hold before `receive`, same
 * order. SO_BROADCAST off is enforced before the socket for the broadcasts
 * the transport can recognise (255.255.255.255, 127.255.255.255, and with
 * `--allow-sys=networkInterfaces` each local subnet's broadcast), since the
 * Deno socket always has it on.
 *
 * Status choices: an address in use is STATUS_ADDRESS_ALREADY_ASSOCIATED (what
 * Windows completed WskBind with); a denied permission, or a broadcast without
 * SO_BROADCAST, is STATUS_ACCESS_DENIED; an over-size datagram (more than
 * 65507 bytes to IPv4, 65527 to IPv6) is STATUS_BUFFER_OVERFLOW, a
 * warning-class status that NT_SUCCESS rejects.
 *
 * @module
 */
import { STATUS_ADDRESS_ALREADY_ASSOCIATED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { Datagram, Result, UdpBindOptions, UdpSocket, UdpTransport } from "./types.ts";
export type { NTSTATUS } from "../irp/ntstatus.ts";
import { DEFAULT_HOLD_BYTES, DEFAULT_HOLD_DATAGRAMS } from "./_udp_backlog.ts";
import { checkEndpoint } from "./_endpoint.ts";
import { checkNetPermission } from "./_permission.ts";
import type { HoldPolicy } from "./_udp_delivery.ts";
import { bindDeno, denoDatagramAvailable } from "./_udp_deno_socket.ts";
import { bindNode } from "./_udp_node_socket.ts";
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
 * Tuning for {@linkcode createUdpTransport}: which backend serves a bind, and
 * how much a socket holds while nobody receives from it. A socket reads from
 * the kernel from the moment it is bound; what arrives before `receive` is
 * held up to these bounds, then dropped, as a full socket receive buffer drops.
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
  /**
   * `"auto"` (the default): `Deno.listenDatagram` where the program has it
   * and can serve the bind (see {@linkcode udpBackend}), else node:dgram.
   * `"node"`: node:dgram for
   * every bind (to compare backends, or to test the fallback).
   */
  backend?: "auto" | "node";
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
 * bytes before `receive` is called, over the backend the options ask for.
 * {@linkcode udpTransport} is this with the defaults.
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
 *
 * @example A WSK client whose datagram sockets run over node:dgram
 * ```ts
 * import { createUdpTransport, realTransport, type Transport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * // Give this to wskRegisterWithTransport, e.g. to test a driver on the fallback.
 * const overNode: Transport = { ...realTransport, udp: createUdpTransport({ backend: "node" }) };
 * const bound = await overNode.udp.bind({ local: { hostname: "127.0.0.1", port: 0, family: 4 } });
 * assert.equal(bound.status, 0);
 * bound.value!.close();
 * ```
 */
export function createUdpTransport(options: UdpTransportOptions = {}): UdpTransport {
  const hold: HoldPolicy = {
    datagrams: options.holdDatagrams ?? DEFAULT_HOLD_DATAGRAMS,
    bytes: options.holdBytes ?? DEFAULT_HOLD_BYTES,
    onDrop: options.onDrop,
  };
  const nodeOnly = options.backend === "node";
  return { bind: (bindOptions) => bind(bindOptions, hold, nodeOnly) };
}

/**
 * UDP sockets over `Deno.listenDatagram` where the program has it (run with
 * `--unstable-net`), else over node:dgram. `bind` never throws: an address in use gives
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

/**
 * The backend a bind as `options` ask gets from {@linkcode udpTransport} (or
 * from any transport of {@linkcode createUdpTransport} with `backend: "auto"`):
 * `"Deno.listenDatagram"` when this program has it (it runs with
 * `--unstable-net`, or `"unstable": ["net"]` in its deno.json), unless the
 * bind is IPv6-only on an address IPv4 could reach (the wildcard `::`, or a
 * v4-mapped one): Deno's socket has no IPv6-only option, so those get
 * `"node:dgram"`. IPv6-only on any other address changes nothing a socket
 * could see, so Deno's socket serves it. Without `options`, an IPv4 bind.
 *
 * @param options The bind's local address and IPv6-only flag.
 * @returns The backend's name.
 *
 * @example Which backend binds get here
 * ```ts
 * import { udpBackend } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const fast = typeof Deno.listenDatagram === "function" ? "Deno.listenDatagram" : "node:dgram";
 * assert.equal(udpBackend(), fast);
 * const any6 = { hostname: "::", port: 0, family: 6 as const };
 * assert.equal(udpBackend({ local: any6, ipv6Only: true }), "node:dgram");
 * assert.equal(udpBackend({ local: { ...any6, hostname: "::1" }, ipv6Only: true }), fast);
 * ```
 */
export function udpBackend(
  options?: Pick<UdpBindOptions, "local" | "ipv6Only">,
): "Deno.listenDatagram" | "node:dgram" {
  if (!denoDatagramAvailable()) return "node:dgram";
  if (!options?.ipv6Only || options.local.family !== 6) return "Deno.listenDatagram";
  return ipv4Reaches(options.local.hostname) ? "node:dgram" : "Deno.listenDatagram";
}

/** Whether IPv4 datagrams could reach a dual-stack socket bound to IPv6 `hostname`. */
function ipv4Reaches(hostname: string): boolean {
  try {
    // The URL parser spells every IPv6 literal one way: [::] and [::ffff:…].
    const canonical = new URL(`udp://[${hostname}]/`).hostname;
    return canonical === "[::]" || canonical.startsWith("[::ffff:");
  } catch {
    return true; // a zone (fe80::1%eth0) or the like: node:dgram, to be safe
  }
}

async function bind(
  options: UdpBindOptions,
  hold: HoldPolicy,
  nodeOnly: boolean,
): Promise<Result<UdpSocket>> {
  const { local } = options;
  // A literal only (node:dgram would look a name up), then the permission:
  // node:dgram under Deno throws a denied bind's NotCapable from a later tick,
  // uncatchable, so it is asked first (see _permission.ts).
  const status = checkEndpoint(local);
  if (status !== STATUS_SUCCESS) return { status, value: null };
  const permitted = checkNetPermission(local);
  if (permitted !== STATUS_SUCCESS) return { status: permitted, value: null };
  const bindOnce = nodeOnly || udpBackend(options) === "node:dgram"
    ? () => bindNode(options, hold)
    : () => Promise.resolve(bindDeno(options, hold));
  let result = await bindOnce();
  // A port this process closed a moment ago may not be released yet.
  for (
    let retry = 0;
    retry < RELEASE_RETRIES && result.status === STATUS_ADDRESS_ALREADY_ASSOCIATED &&
    local.port !== 0 && justClosed(local.port);
    retry++
  ) {
    await loopTurn();
    result = await bindOnce();
  }
  return result;
}
