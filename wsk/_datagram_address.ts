// Copyright 2026 the wskemu authors. MIT license.
// Internal: comparing datagram peers, and the C sizes of the SOCKADDR types.
import type { Endpoint } from "../transport/types.ts";
import { parseIPv4, parseIPv6 } from "./_address.ts";
import { AF_INET, AF_INET6 } from "./constants.ts";

/** `sizeof(SOCKADDR_IN)` or `sizeof(SOCKADDR_IN6)` for `family`; 0 for any other family. */
export function sizeofSockaddr(family: number): number {
  return family === AF_INET ? 16 : family === AF_INET6 ? 28 : 0;
}

/**
 * The 16 bytes of an address, IPv4 as v4-mapped IPv6, so that a dual-stack
 * socket's `::ffff:127.0.0.1` and `127.0.0.1` compare equal. Null if not a literal.
 */
function addressBytes(hostname: string): Uint8Array | null {
  const v4 = parseIPv4(hostname);
  if (v4) {
    const mapped = new Uint8Array(16);
    mapped[10] = mapped[11] = 0xff;
    mapped.set(v4, 12);
    return mapped;
  }
  return parseIPv6(hostname.split("%", 1)[0]!);
}

/** Whether two endpoints are the same address and port, whatever their spelling. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.port !== b.port) return false;
  if (a.hostname === b.hostname) return true;
  const x = addressBytes(a.hostname), y = addressBytes(b.hostname);
  return !!x && !!y && x.every((byte, i) => byte === y[i]);
}
