// Copyright 2026 the wskemu authors. MIT license.
// Internal: the ADDRINFOEXW chain WskGetAddressInfo returns, and the record of
// chains not yet given back with WskFreeAddressInfo (per client, so a leak can
// be reported; freeing twice bug checks as a double pool free does).
import { BAD_POOL_CALLER, KeBugCheckEx, objectAddress } from "../irp/bugcheck.ts";
import type { Endpoint, ResolvedAddress } from "../transport/types.ts";
import { fillSockaddr } from "./_address.ts";
import type { WskClientState } from "./_client.ts";
import { sizeofSockaddr } from "./_datagram_address.ts";
import type { AddressQuery } from "./_names_query.ts";
import type { SOCKADDR } from "./address.ts";
import { AF_INET, AF_INET6 } from "./constants.ts";
import type { ADDRINFOEXW } from "./structures.ts";

/**
 * Applies AI_V4MAPPED to what the resolver found for an AF_INET6 query: IPv4
 * addresses become `::ffff:a.b.c.d`, kept only when there is no IPv6 address
 * unless AI_ALL asked for both.
 */
export function applyV4Mapped(found: ResolvedAddress[], query: AddressQuery): ResolvedAddress[] {
  if (query.v4Mapped === "no") return found;
  const v6 = found.filter((a) => a.endpoint.family === 6);
  const out = query.v4Mapped === "fallback" && v6.length > 0
    ? v6
    : found.map((a) => a.endpoint.family === 6 ? a : { ...a, endpoint: mapped(a.endpoint) });
  // The canonical name stays on the first entry whatever the filtering kept.
  const canonicalName = found[0]?.canonicalName;
  if (canonicalName && out[0]) out[0] = { ...out[0], canonicalName };
  return out;
}

function mapped(ep: Endpoint): Endpoint {
  return { hostname: `::ffff:${ep.hostname}`, port: ep.port, family: 6 };
}

/**
 * The result chain, one entry per address in the resolver's order. Windows
 * does not multiply entries per socket type the way glibc does: every entry
 * carries the hints' ai_socktype and ai_protocol (0 and 0 when unspecified).
 */
export function addrInfoChain(found: ResolvedAddress[], query: AddressQuery): ADDRINFOEXW | null {
  let head: ADDRINFOEXW | null = null, tail: ADDRINFOEXW | null = null;
  for (const { endpoint, canonicalName } of found) {
    const family = endpoint.family === 6 ? AF_INET6 : AF_INET;
    const ai_addr: SOCKADDR = {};
    fillSockaddr(ai_addr, endpoint, family);
    const entry: ADDRINFOEXW = {
      ai_flags: 0,
      ai_family: family,
      ai_socktype: query.socktype,
      ai_protocol: query.protocol,
      ai_addrlen: sizeofSockaddr(family),
      ai_canonname: head === null && query.hints.canonicalName ? canonicalName ?? null : null,
      ai_addr,
      ai_blob: null,
      ai_bloblen: 0,
      ai_provider: null,
      ai_next: null,
    };
    if (tail) tail.ai_next = entry;
    else head = entry;
    tail = entry;
  }
  return head;
}

/** Live results per client; each result's head knows its set. */
const live = new WeakMap<WskClientState, Set<ADDRINFOEXW>>();
const ownerSet = new WeakMap<ADDRINFOEXW, Set<ADDRINFOEXW>>();
const freed = new WeakSet<ADDRINFOEXW>();

/** Records a chain handed to `client`, until WskFreeAddressInfo. */
export function recordAddressInfo(client: WskClientState, head: ADDRINFOEXW): void {
  let set = live.get(client);
  if (!set) live.set(client, set = new Set());
  set.add(head);
  ownerSet.set(head, set);
}

/** Results of `client` not yet freed. */
export function liveAddressInfo(client: WskClientState): number {
  return live.get(client)?.size ?? 0;
}

/**
 * WskFreeAddressInfo: forgets the chain. NULL does nothing. A chain freed
 * twice bug checks BAD_POOL_CALLER (0xC2) with P1 = 0x07, and anything that is
 * not the head of a WskGetAddressInfo result with P1 = 0x43, as freeing such
 * memory does on Windows.
 */
export function freeAddressInfo(AddrInfo: ADDRINFOEXW | null): void {
  if (AddrInfo === null || AddrInfo === undefined) return;
  const set = typeof AddrInfo === "object" ? ownerSet.get(AddrInfo) : undefined;
  if (set) {
    set.delete(AddrInfo);
    ownerSet.delete(AddrInfo);
    freed.add(AddrInfo);
    return;
  }
  if (typeof AddrInfo === "object" && freed.has(AddrInfo)) {
    KeBugCheckEx(
      BAD_POOL_CALLER,
      0x07,
      0,
      0,
      objectAddress(AddrInfo),
      "WskFreeAddressInfo on an ADDRINFOEXW list that was already freed",
    );
  }
  KeBugCheckEx(
    BAD_POOL_CALLER,
    0x43,
    objectAddress(typeof AddrInfo === "object" ? AddrInfo : null),
    0,
    0,
    "WskFreeAddressInfo on something that is not the head of a list WskGetAddressInfo " +
      "returned (an entry further down the list, or a structure the caller built)",
  );
}
