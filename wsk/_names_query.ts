// Copyright 2026 the wskemu authors. MIT license.
// Internal: what WskGetAddressInfo is asked — the names, the name space and
// the hints — checked the way GetAddrInfoExW checks them, and turned into a
// request for the system resolver.
import { type NTSTATUS, STATUS_INVALID_PARAMETER, STATUS_NOT_SUPPORTED } from "../irp/ntstatus.ts";
import type { ResolveHints } from "../transport/types.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AI_ALL,
  AI_CANONNAME,
  AI_FQDN,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NS_ALL,
  NS_DNS,
  SOCK_DGRAM,
  SOCK_STREAM,
} from "./constants.ts";
import type { ADDRINFOEXW, UNICODE_STRING } from "./structures.ts";

/** Socket types getaddrinfo knows: 0 (any), STREAM, DGRAM, RAW, RDM, SEQPACKET. */
const SOCKET_TYPES = new Set([0, 1, 2, 3, 4, 5]);

/** A checked WskGetAddressInfo request. */
export interface AddressQuery {
  /** The node name, or null. */
  node: string | null;
  /** The service name or port, or null. */
  service: string | null;
  /** What the resolver is asked. */
  hints: ResolveHints;
  /** ai_socktype and ai_protocol of every result entry (copied from the hints, as Windows does). */
  socktype: number;
  protocol: number;
  /** AI_V4MAPPED with AF_INET6: IPv4 results become v4-mapped, as a fallback or (AI_ALL) always. */
  v4Mapped: "no" | "fallback" | "all";
}

/**
 * The text of an input UNICODE_STRING: `Length / 2` characters of `Buffer`, up
 * to a NUL as C reads it. Null for a null or empty string; undefined when it
 * is malformed (odd Length, Length past the Buffer, Buffer not a string).
 */
export function unicodeText(s: UNICODE_STRING | null | undefined): string | null | undefined {
  if (s === null || s === undefined) return null;
  if (typeof s !== "object" || typeof s.Buffer !== "string") return undefined;
  const { Length } = s;
  if (!Number.isInteger(Length) || Length < 0 || Length % 2 !== 0) return undefined;
  if (Length / 2 > s.Buffer.length) return undefined;
  const text = s.Buffer.slice(0, Length / 2).split("\0", 1)[0]!;
  return text === "" ? null : text;
}

/**
 * Checks the arguments of WskGetAddressInfo. Statuses (where the WSK
 * documentation says only "invalid parameter"): a name space other than NS_ALL
 * or NS_DNS, a provider GUID (no name-space provider is emulated), malformed
 * or absent names, hints with ai_addrlen/ai_canonname/ai_addr/ai_next set, or
 * AI_CANONNAME with AI_FQDN or with no node → STATUS_INVALID_PARAMETER; an
 * ai_family other than AF_UNSPEC/AF_INET/AF_INET6 or an unknown ai_socktype
 * (getaddrinfo's EAI_FAMILY / EAI_SOCKTYPE) → STATUS_NOT_SUPPORTED. Other
 * AI_* bits are accepted and ignored (AI_ADDRCONFIG, AI_RETURN_TTL, ...).
 */
export function addressQuery(
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  NameSpace: number,
  Provider: unknown,
  Hints: Partial<ADDRINFOEXW> | null,
): AddressQuery | NTSTATUS {
  if (NameSpace !== NS_ALL && NameSpace !== NS_DNS) return STATUS_INVALID_PARAMETER;
  if (Provider !== null && Provider !== undefined) return STATUS_INVALID_PARAMETER;
  const node = unicodeText(NodeName), service = unicodeText(ServiceName);
  if (node === undefined || service === undefined) return STATUS_INVALID_PARAMETER;
  if (node === null && service === null) return STATUS_INVALID_PARAMETER;
  const h = Hints ?? {};
  if (h.ai_addrlen || h.ai_canonname || h.ai_addr || h.ai_next) return STATUS_INVALID_PARAMETER;
  const flags = (h.ai_flags ?? 0) >>> 0;
  const family = h.ai_family ?? AF_UNSPEC;
  const socktype = h.ai_socktype ?? 0;
  const protocol = h.ai_protocol ?? 0;
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
    return STATUS_NOT_SUPPORTED;
  }
  if (!SOCKET_TYPES.has(socktype)) return STATUS_NOT_SUPPORTED;
  const canonical = (flags & (AI_CANONNAME | AI_FQDN)) !== 0;
  if ((flags & AI_CANONNAME && flags & AI_FQDN) || (canonical && node === null)) {
    return STATUS_INVALID_PARAMETER;
  }
  const v4Mapped = family === AF_INET6 && flags & AI_V4MAPPED
    ? (flags & AI_ALL ? "all" : "fallback")
    : "no";
  const hints: ResolveHints = {
    // For v4-mapped results both families are looked up, then filtered.
    family: v4Mapped !== "no" ? 0 : family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0,
    numericHost: (flags & AI_NUMERICHOST) !== 0,
    numericService: (flags & AI_NUMERICSERV) !== 0,
    canonicalName: canonical,
    passive: (flags & AI_PASSIVE) !== 0,
  };
  const udp = socktype === SOCK_DGRAM || protocol === IPPROTO_UDP;
  const tcp = socktype === SOCK_STREAM || protocol === IPPROTO_TCP;
  if (udp !== tcp) hints.protocol = udp ? "udp" : "tcp";
  return { node, service, hints, socktype, protocol, v4Mapped };
}
