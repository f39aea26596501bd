// Copyright 2026 the wskemu authors. MIT license.
/**
 * Transport addresses as a C program on little-endian x86 sees them:
 * SOCKADDR_IN / SOCKADDR_IN6 with the port and IPv4 address in network byte
 * order, the byte-swap helpers, the mstcpip.h macros, and `sockaddr()` /
 * `sockaddrToString()` for people.
 *
 * @module
 */
import { fillIn4, fillIn6, parseIPv4, parseIPv6, sockaddrToEndpoint } from "./_address.ts";

/** `IN_ADDR`: an IPv4 address; `s_addr` holds the bytes in network order read as a little-endian ULONG. */
export interface IN_ADDR {
  /** For 127.0.0.1 this is 0x0100007F. */
  s_addr: number;
}

/** `IN6_ADDR`: an IPv6 address as 16 bytes. */
export interface IN6_ADDR {
  /** The address bytes. */
  u: { Byte: Uint8Array };
}

/** `SOCKADDR_IN`: an IPv4 transport address (16 bytes in C). */
export interface SOCKADDR_IN {
  /** AF_INET. */
  sin_family: number;
  /** The port in network byte order: `RtlUshortByteSwap(port)`. */
  sin_port: number;
  /** The address. */
  sin_addr: IN_ADDR;
  /** Eight zero bytes. */
  sin_zero: Uint8Array;
}

/** `SOCKADDR_IN6`: an IPv6 transport address (28 bytes in C). */
export interface SOCKADDR_IN6 {
  /** AF_INET6. */
  sin6_family: number;
  /** The port in network byte order. */
  sin6_port: number;
  /** Flow information. */
  sin6_flowinfo: number;
  /** The address. */
  sin6_addr: IN6_ADDR;
  /** Scope (interface) identifier. */
  sin6_scope_id: number;
}

/**
 * `SOCKADDR`: what a `PSOCKADDR` points at. An input is a SOCKADDR_IN or
 * SOCKADDR_IN6; an output is any object (`{}`) that the callee fills in place.
 */
export type SOCKADDR = SOCKADDR_IN | SOCKADDR_IN6 | Record<string, unknown>;

/** `INADDR_ANY` in host order, as in C. */
export const INADDR_ANY = 0x00000000;
/** `INADDR_LOOPBACK` (127.0.0.1) in host order, as in C. */
export const INADDR_LOOPBACK = 0x7f000001;

/**
 * Swaps the two bytes of a USHORT.
 *
 * @example Usage
 * ```ts
 * import { RtlUshortByteSwap } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(RtlUshortByteSwap(0x1234), 0x3412);
 * ```
 */
export function RtlUshortByteSwap(Source: number): number {
  return ((Source & 0xff) << 8) | ((Source >> 8) & 0xff);
}

/**
 * Reverses the four bytes of a ULONG.
 *
 * @example Usage
 * ```ts
 * import { RtlUlongByteSwap } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(RtlUlongByteSwap(0x7f000001), 0x0100007f);
 * ```
 */
export function RtlUlongByteSwap(Source: number): number {
  return (((Source & 0xff) << 24) | ((Source & 0xff00) << 8) | ((Source >>> 8) & 0xff00) |
    ((Source >>> 24) & 0xff)) >>> 0;
}

/**
 * Host to network order for a USHORT (x86 is little-endian, so a swap).
 *
 * @example Usage
 * ```ts
 * import { htons } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(htons(80), 0x5000);
 * ```
 */
export function htons(hostshort: number): number {
  return RtlUshortByteSwap(hostshort);
}

/**
 * Network to host order for a USHORT.
 *
 * @example Usage
 * ```ts
 * import { ntohs } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(ntohs(0x5000), 80);
 * ```
 */
export function ntohs(netshort: number): number {
  return RtlUshortByteSwap(netshort);
}

/**
 * Host to network order for a ULONG.
 *
 * @example Usage
 * ```ts
 * import { htonl, INADDR_LOOPBACK } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(htonl(INADDR_LOOPBACK), 0x0100007f);
 * ```
 */
export function htonl(hostlong: number): number {
  return RtlUlongByteSwap(hostlong);
}

/**
 * Network to host order for a ULONG.
 *
 * @example Usage
 * ```ts
 * import { ntohl } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(ntohl(0x0100007f), 0x7f000001);
 * ```
 */
export function ntohl(netlong: number): number {
  return RtlUlongByteSwap(netlong);
}

/**
 * mstcpip.h: sets an IN_ADDR to the wildcard address.
 *
 * @example Usage
 * ```ts
 * import { IN4ADDR_SETANY, type SOCKADDR_IN } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * const a = {} as SOCKADDR_IN;
 * IN4ADDR_SETANY(a);
 * assert.equal(a.sin_addr.s_addr, 0);
 * ```
 */
export function IN4ADDR_SETANY(a: SOCKADDR_IN): void {
  fillIn4(a, INADDR_ANY, 0);
}

/**
 * mstcpip.h: sets a SOCKADDR_IN to 127.0.0.1, port 0.
 *
 * @example Usage
 * ```ts
 * import { IN4ADDR_SETLOOPBACK, sockaddrToString, type SOCKADDR_IN } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * const a = {} as SOCKADDR_IN;
 * IN4ADDR_SETLOOPBACK(a);
 * assert.equal(sockaddrToString(a), "127.0.0.1:0");
 * ```
 */
export function IN4ADDR_SETLOOPBACK(a: SOCKADDR_IN): void {
  fillIn4(a, htonl(INADDR_LOOPBACK), 0);
}

/**
 * mstcpip.h: sets a SOCKADDR_IN6 to the wildcard address `[::]`, port 0.
 *
 * @example Usage
 * ```ts
 * import { IN6ADDR_SETANY, sockaddrToString, type SOCKADDR_IN6 } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * const a = {} as SOCKADDR_IN6;
 * IN6ADDR_SETANY(a);
 * assert.equal(sockaddrToString(a), "[::]:0");
 * ```
 */
export function IN6ADDR_SETANY(a: SOCKADDR_IN6): void {
  fillIn6(a, new Uint8Array(16), 0, 0);
}

/**
 * mstcpip.h: sets a SOCKADDR_IN6 to `[::1]`, port 0.
 *
 * @example Usage
 * ```ts
 * import { IN6ADDR_SETLOOPBACK, sockaddrToString, type SOCKADDR_IN6 } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * const a = {} as SOCKADDR_IN6;
 * IN6ADDR_SETLOOPBACK(a);
 * assert.equal(sockaddrToString(a), "[::1]:0");
 * ```
 */
export function IN6ADDR_SETLOOPBACK(a: SOCKADDR_IN6): void {
  const bytes = new Uint8Array(16);
  bytes[15] = 1;
  fillIn6(a, bytes, 0, 0);
}

/**
 * Builds a SOCKADDR_IN or SOCKADDR_IN6 from an IP literal and a host-order
 * port. Brackets around IPv6 literals are allowed. Returns null for anything
 * that is not an IP literal.
 *
 * @example Usage
 * ```ts
 * import { sockaddr, RtlUshortByteSwap, type SOCKADDR_IN } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * const a = sockaddr("127.0.0.1", 9374) as SOCKADDR_IN;
 * assert.equal(a.sin_port, RtlUshortByteSwap(9374));
 * assert.equal(a.sin_addr.s_addr, 0x0100007f);
 * assert.equal(sockaddr("not an address", 1), null);
 * ```
 */
export function sockaddr(host: string, port: number): SOCKADDR_IN | SOCKADDR_IN6 | null {
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const v4 = parseIPv4(literal);
  if (v4) {
    const a = {} as SOCKADDR_IN;
    fillIn4(a, v4[0]! | (v4[1]! << 8) | (v4[2]! << 16) | (v4[3]! << 24), port);
    return a;
  }
  const [address, zone] = literal.split("%", 2) as [string, string | undefined];
  const v6 = parseIPv6(address);
  if (!v6) return null;
  const a = {} as SOCKADDR_IN6;
  fillIn6(a, v6, port, zone && /^\d+$/.test(zone) ? Number(zone) : 0);
  return a;
}

/**
 * Formats a SOCKADDR for people: `"127.0.0.1:9374"`, `"[::1]:80"`.
 *
 * @example Usage
 * ```ts
 * import { sockaddr, sockaddrToString } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(sockaddrToString(sockaddr("::1", 80)!), "[::1]:80");
 * ```
 */
export function sockaddrToString(sa: SOCKADDR): string {
  const ep = sockaddrToEndpoint(sa);
  if (!ep) return "(invalid address)";
  return ep.family === 6 ? `[${ep.hostname}]:${ep.port}` : `${ep.hostname}:${ep.port}`;
}
