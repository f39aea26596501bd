// Copyright 2026 the wskemu authors. MIT license.
// Internal: WskGetNameInfo's arguments (checked as GetNameInfoW checks them)
// and its UNICODE_STRING outputs.
import {
  type NTSTATUS,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Endpoint, NameInfoFlags } from "../transport/types.ts";
import { sockaddrFamily, sockaddrToEndpoint } from "./_address.ts";
import { sizeofSockaddr } from "./_datagram_address.ts";
import type { SOCKADDR } from "./address.ts";
import { NI_DGRAM, NI_NAMEREQD, NI_NOFQDN, NI_NUMERICHOST, NI_NUMERICSERV } from "./constants.ts";
import type { UNICODE_STRING } from "./structures.ts";

/** `sizeof(SOCKADDR_STORAGE)`: the documented upper bound of SockAddrLength. */
const SOCKADDR_STORAGE_SIZE = 128;

const KNOWN_FLAGS = NI_NOFQDN | NI_NUMERICHOST | NI_NAMEREQD | NI_NUMERICSERV | NI_DGRAM;

/** A checked WskGetNameInfo request. */
export interface NameQuery {
  /** The address to look up. */
  endpoint: Endpoint;
  /** What the resolver is asked. */
  flags: NameInfoFlags;
  /** NI_NOFQDN: a local host's name without its domain. */
  noFqdn: boolean;
}

/**
 * Checks WskGetNameInfo's arguments: a valid AF_INET or AF_INET6 SOCKADDR
 * whose SockAddrLength covers its structure (16 or 28 bytes) and does not
 * exceed sizeof(SOCKADDR_STORAGE), at least one output string, and known NI_*
 * flags; else STATUS_INVALID_PARAMETER. Only what is asked for is looked up:
 * with no NodeName the host is not resolved (so NI_NAMEREQD cannot fail).
 */
export function nameQuery(
  SockAddr: SOCKADDR,
  SockAddrLength: number,
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  Flags: number,
): NameQuery | NTSTATUS {
  if (!NodeName && !ServiceName) return STATUS_INVALID_PARAMETER;
  const endpoint = sockaddrToEndpoint(SockAddr);
  const size = sizeofSockaddr(sockaddrFamily(SockAddr));
  if (!endpoint || SockAddrLength < size || SockAddrLength > SOCKADDR_STORAGE_SIZE) {
    return STATUS_INVALID_PARAMETER;
  }
  if ((Flags >>> 0) & ~KNOWN_FLAGS) return STATUS_INVALID_PARAMETER;
  return {
    endpoint,
    flags: {
      numericHost: !NodeName || (Flags & NI_NUMERICHOST) !== 0,
      numericService: !ServiceName || (Flags & NI_NUMERICSERV) !== 0,
      nameRequired: !!NodeName && (Flags & NI_NAMEREQD) !== 0,
      datagram: (Flags & NI_DGRAM) !== 0,
    },
    noFqdn: (Flags & NI_NOFQDN) !== 0,
  };
}

/** Whether `s` can take `text` and its terminating NUL (MaximumLength is in bytes). */
function fits(s: UNICODE_STRING | null, text: string): boolean {
  return !s || (Number.isFinite(s.MaximumLength) && s.MaximumLength >= text.length * 2 + 2);
}

/**
 * Writes the names into the caller's strings: Buffer, and Length = 2 bytes a
 * character (MaximumLength is the caller's). A string too small for its text
 * and NUL makes the call complete STATUS_BUFFER_TOO_SMALL with neither written
 * (nothing partial is returned, so not the warning STATUS_BUFFER_OVERFLOW).
 */
export function writeNames(
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  host: string,
  service: string,
  noFqdn: boolean,
): NTSTATUS {
  const node = noFqdn && !/^[\d.]+$|:/.test(host) ? host.split(".", 1)[0]! : host;
  if (!fits(NodeName, node) || !fits(ServiceName, service)) return STATUS_BUFFER_TOO_SMALL;
  if (NodeName) {
    NodeName.Buffer = node;
    NodeName.Length = node.length * 2;
  }
  if (ServiceName) {
    ServiceName.Buffer = service;
    ServiceName.Length = service.length * 2;
  }
  return STATUS_SUCCESS;
}
