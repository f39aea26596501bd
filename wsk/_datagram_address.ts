// Copyright 2026 the wskemu authors. MIT license.
// Internal: comparing datagram peers, the C sizes of the SOCKADDR types, and
// filling a sender's SOCKADDR once per datagram without parsing its address
// each time.
import type { Endpoint } from "../transport/types.ts";
import {
  parseIPv4,
  parseIPv6,
  type SockaddrAddress,
  sockaddrAddressOf,
  sockaddrToEndpoint,
  v4Mapped,
  writeSockaddr,
} from "./_address.ts";
import type { SOCKADDR, SOCKADDR_IN } from "./address.ts";
import { slabBytes } from "./_datagram_slab.ts";
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
  if (v4) return v4Mapped(v4);
  return parseIPv6(hostname.split("%", 1)[0]!);
}

/** Whether two endpoints are the same address and port, whatever their spelling. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.port !== b.port) return false;
  if (a.hostname === b.hostname) return true;
  const x = addressBytes(a.hostname), y = addressBytes(b.hostname);
  return !!x && !!y && x.every((byte, i) => byte === y[i]);
}

/**
 * Fills the SOCKADDRs of one socket's datagram senders. Parsing the sender's
 * address text is most of what a SOCKADDR costs, and datagrams mostly come
 * from the sender of the one before, so the last sender's parsed address is
 * kept: each SOCKADDR is still a fresh structure (the client may keep it).
 */
export class SenderAddresses {
  readonly #family: number;
  #hostname: string | null = null;
  #address: SockaddrAddress = 0;

  /** Senders as a socket of `family` reports them (see fillSockaddr). */
  constructor(family: number) {
    this.#family = family;
  }

  /** Fills `out` in place with `from`, as fillSockaddr does. */
  fill(out: SOCKADDR, from: Endpoint): void {
    if (from.hostname !== this.#hostname) {
      this.#address = sockaddrAddressOf(from, this.#family);
      this.#hostname = from.hostname;
    }
    writeSockaddr(out, this.#address, from.port, slabBytes);
  }
}

/**
 * SOCKADDR destinations as endpoints. Formatting the address text is most of
 * what reading a SOCKADDR costs, and a driver mostly sends to the destination
 * of its last send, so the last AF_INET destination's endpoint is reused while
 * the structure holds the same address and port (endpoints are never changed
 * once made).
 */
export class DestinationEndpoints {
  #sAddr = -1;
  #port = -1;
  #endpoint: Endpoint | null = null;

  /** `sa` as an endpoint; null when it is not a valid AF_INET or AF_INET6 address. */
  endpointOf(sa: SOCKADDR): Endpoint | null {
    const four = sa as Partial<SOCKADDR_IN>;
    if (four.sin_family === AF_INET && four.sin_addr?.s_addr === this.#sAddr) {
      if (four.sin_port === this.#port) return this.#endpoint;
    }
    const to = sockaddrToEndpoint(sa);
    if (to !== null && to.family === 4) {
      this.#sAddr = four.sin_addr!.s_addr;
      this.#port = four.sin_port!;
      this.#endpoint = to;
    }
    return to;
  }
}
