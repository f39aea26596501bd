// Copyright 2026 the wskemu authors. MIT license.
// Internal: conversions between SOCKADDR structures and transport endpoints.
import type { Endpoint } from "../transport/types.ts";
import { AF_INET, AF_INET6 } from "./constants.ts";
import type { SOCKADDR, SOCKADDR_IN, SOCKADDR_IN6 } from "./address.ts";

const swap16 = (x: number): number => ((x & 0xff) << 8) | ((x >> 8) & 0xff);

/**
 * Reads a SOCKADDR into a transport endpoint; null when it is not a valid
 * AF_INET or AF_INET6 address.
 */
export function sockaddrToEndpoint(sa: SOCKADDR | null | undefined): Endpoint | null {
  if (!sa || typeof sa !== "object") return null;
  if ("sin_family" in sa && sa.sin_family === AF_INET) {
    const a = sa as SOCKADDR_IN;
    if (typeof a.sin_addr?.s_addr !== "number" || typeof a.sin_port !== "number") return null;
    const s = a.sin_addr.s_addr >>> 0;
    const hostname = `${s & 0xff}.${(s >>> 8) & 0xff}.${(s >>> 16) & 0xff}.${s >>> 24}`;
    return { hostname, port: swap16(a.sin_port & 0xffff), family: 4 };
  }
  if ("sin6_family" in sa && sa.sin6_family === AF_INET6) {
    const a = sa as SOCKADDR_IN6;
    const bytes = a.sin6_addr?.u?.Byte;
    if (!(bytes instanceof Uint8Array) || bytes.length !== 16 || typeof a.sin6_port !== "number") {
      return null;
    }
    const scope = a.sin6_scope_id ? `%${a.sin6_scope_id}` : "";
    return { hostname: formatIPv6(bytes) + scope, port: swap16(a.sin6_port & 0xffff), family: 6 };
  }
  return null;
}

/** The address family of a SOCKADDR, or AF_UNSPEC (0) when it has none. */
export function sockaddrFamily(sa: SOCKADDR | null | undefined): number {
  if (!sa || typeof sa !== "object") return 0;
  if ("sin_family" in sa) return Number(sa.sin_family);
  if ("sin6_family" in sa) return Number(sa.sin6_family);
  return 0;
}

/**
 * How `ep`'s address shows in a socket of `family`: an AF_INET s_addr, or the
 * bytes and scope id of a SOCKADDR_IN6 (an IPv4 peer of an AF_INET6 socket is
 * v4-mapped, as on Windows).
 */
export function sockaddrAddressOf(ep: Endpoint, family: number): SockaddrAddress {
  const v4 = parseIPv4(ep.hostname);
  if (family === AF_INET && v4) return v4[0]! | (v4[1]! << 8) | (v4[2]! << 16) | (v4[3]! << 24);
  const [address, zone] = ep.hostname.split("%", 2) as [string, string | undefined];
  const bytes = parseIPv6(address) ?? (v4 ? v4Mapped(v4) : new Uint8Array(16));
  return { bytes, scope: zone ? Number(zone) || 0 : 0 };
}

/** The 16 bytes of IPv4 address `v4` as v4-mapped IPv6 (`::ffff:a.b.c.d`). */
export function v4Mapped(v4: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = bytes[11] = 0xff;
  bytes.set(v4, 12);
  return bytes;
}

/** An AF_INET s_addr, or a SOCKADDR_IN6's address bytes and scope id (see sockaddrAddressOf). */
export type SockaddrAddress = number | { bytes: Uint8Array; scope: number };

/**
 * Fills `out` in place with `ep`, as the socket of `family` reports it: an
 * IPv4 peer of an AF_INET6 socket shows as a v4-mapped SOCKADDR_IN6, as on Windows.
 */
export function fillSockaddr(out: SOCKADDR, ep: Endpoint, family: number): void {
  writeSockaddr(out, sockaddrAddressOf(ep, family), ep.port, newBytes);
}

const newBytes = (length: number): Uint8Array => new Uint8Array(length);

/**
 * Writes `address` and `port` into `out`, taking fresh zeroed bytes (sin_zero,
 * sin6_addr) from `bytesOf`. A structure that is a SOCKADDR_IN already and
 * stays one (the driver's structure of its last call, mostly) is overwritten
 * in place, as C overwrites it; any other is emptied first. Deleting the fields
 * of every structure would turn each into a slow dictionary object for good.
 */
export function writeSockaddr(
  out: SOCKADDR,
  address: SockaddrAddress,
  port: number,
  bytesOf: (length: number) => Uint8Array,
): void {
  if (typeof address === "number" && isSockaddrIn(out)) {
    out.sin_zero.fill(0);
    fillIn4(out, address, port, out.sin_zero);
    return;
  }
  for (const key in out) delete out[key as keyof typeof out];
  if (typeof address === "number") fillIn4(out as SOCKADDR_IN, address, port, bytesOf(8));
  else {
    const bytes = bytesOf(16);
    bytes.set(address.bytes);
    fillIn6(out as SOCKADDR_IN6, bytes, port, address.scope);
  }
}

/**
 * Whether `sa` has a SOCKADDR_IN's fields and none of a SOCKADDR_IN6's: then
 * writing those fields is all a fill takes.
 */
function isSockaddrIn(sa: SOCKADDR): sa is SOCKADDR_IN {
  const four = sa as Partial<SOCKADDR_IN>;
  return four.sin_family === AF_INET && typeof four.sin_addr === "object" &&
    four.sin_zero instanceof Uint8Array && four.sin_zero.length === 8 && !("sin6_family" in sa);
}

/** `zero` lets a caller that fills many SOCKADDR_INs supply sin_zero from a slab of its own. */
export function fillIn4(
  a: SOCKADDR_IN,
  sAddr: number,
  port: number,
  zero: Uint8Array = new Uint8Array(8),
): void {
  a.sin_family = AF_INET;
  a.sin_port = swap16(port);
  a.sin_addr = { s_addr: sAddr >>> 0 };
  a.sin_zero = zero;
}

export function fillIn6(a: SOCKADDR_IN6, bytes: Uint8Array, port: number, scope: number): void {
  a.sin6_family = AF_INET6;
  a.sin6_port = swap16(port);
  a.sin6_flowinfo = 0;
  a.sin6_addr = { u: { Byte: bytes } };
  a.sin6_scope_id = scope;
}

export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array | null {
  if (!text.includes(":")) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

export function formatIPv6(b: Uint8Array): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the longest run (of two or more) of zero groups.
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}
