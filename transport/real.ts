// Copyright 2026 the wskemu authors. MIT license.
/**
 * The transport over real sockets, as one {@linkcode Transport}: what every
 * WSK registration uses unless it was given another.
 *
 * @module
 */
import type { Transport } from "./types.ts";
import { tcpTransport } from "./tcp.ts";
import { udpTransport } from "./udp.ts";
import { nameResolver } from "./dns.ts";

export type { Transport } from "./types.ts";

/**
 * Real TCP ({@linkcode tcpTransport}), UDP ({@linkcode udpTransport}) and the
 * system resolver ({@linkcode nameResolver}) behind one object.
 *
 * @example Resolve a numeric address through it
 * ```ts
 * import { realTransport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const found = await realTransport.dns.getAddressInfo("127.0.0.1", "7", {
 *   family: 4,
 *   numericHost: true,
 *   numericService: true,
 * });
 * assert.equal(found.status, 0);
 * assert.deepEqual(found.value![0]!.endpoint, { hostname: "127.0.0.1", port: 7, family: 4 });
 * ```
 */
export const realTransport: Transport = Object.freeze({
  tcp: tcpTransport,
  udp: udpTransport,
  dns: nameResolver,
});
