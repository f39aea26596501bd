// Copyright 2026 the wskemu authors. MIT license.
/**
 * The data structures of wsk.h and ws2def.h: registration blocks, NPIs,
 * indications, event-callback control, transports, strings and ADDRINFOEXW.
 * A pointer to a structure is the object itself; NULL is `null`.
 *
 * @module
 */
import type { WSK_BUF } from "../irp/mdl.ts";
import type { SOCKADDR } from "./address.ts";
import type { WSK_CLIENT_DISPATCH, WSK_PROVIDER_DISPATCH } from "./dispatch_types.ts";

/** A GUID, as `NPIID` and `WSK_TRANSPORT.ProviderId` use it. */
export interface GUID {
  /** First 32 bits. */
  readonly Data1: number;
  /** Next 16 bits. */
  readonly Data2: number;
  /** Next 16 bits. */
  readonly Data3: number;
  /** Last 8 bytes. */
  readonly Data4: readonly number[];
}

/** `NPI_WSK_INTERFACE_ID`: {2227E803-8D8B-11D4-ABAD-009027719E09}, the WSK network programming interface. */
export const NPI_WSK_INTERFACE_ID: GUID = Object.freeze({
  Data1: 0x2227e803,
  Data2: 0x8d8b,
  Data3: 0x11d4,
  Data4: Object.freeze([0xab, 0xad, 0x00, 0x90, 0x27, 0x71, 0x9e, 0x09]),
});

/** The opaque client object that WskCaptureProviderNPI hands out in `WSK_PROVIDER_NPI.Client`. */
export interface WSK_CLIENT {
  /** Marks the object as a WSK client; it has no public fields. */
  readonly __wskClient: true;
}

/** `WSK_CLIENT_NPI`: what the client gives WskRegister. */
export interface WSK_CLIENT_NPI {
  /** Passed back to WskClientEvent. */
  ClientContext: unknown;
  /** The client's dispatch table; must stay valid until WskDeregister returns. */
  Dispatch: WSK_CLIENT_DISPATCH;
}

/**
 * `WSK_REGISTRATION`: opaque, caller-owned storage filled by WskRegister.
 *
 * @example Usage
 * ```ts
 * import { WSK_REGISTRATION } from "@wskemu/wsk";
 * const WskRegistration = new WSK_REGISTRATION();
 * ```
 */
export class WSK_REGISTRATION {
  /** Reserved for the WSK subsystem. */
  ReservedRegistrationState = 0n;
  /** Reserved for the WSK subsystem. */
  ReservedRegistrationContext: unknown = null;
  /** Reserved for the WSK subsystem. */
  ReservedRegistrationLock = 0;
}

/**
 * `WSK_PROVIDER_NPI`: filled by WskCaptureProviderNPI.
 *
 * @example Usage
 * ```ts
 * import { WSK_PROVIDER_NPI } from "@wskemu/wsk";
 * const wskProviderNpi = new WSK_PROVIDER_NPI();
 * ```
 */
export class WSK_PROVIDER_NPI {
  /** The client object to pass to every WSK_PROVIDER_DISPATCH function. */
  Client: WSK_CLIENT | null = null;
  /** The provider's dispatch table. */
  Dispatch: WSK_PROVIDER_DISPATCH | null = null;
}

/** `WSK_PROVIDER_CHARACTERISTICS`: the versions the provider supports. */
export interface WSK_PROVIDER_CHARACTERISTICS {
  /** Highest supported version. */
  HighestVersion: number;
  /** Lowest supported version. */
  LowestVersion: number;
}

/** `WSK_SOCKET`: its only public field is the provider dispatch table of its category. */
export interface WSK_SOCKET {
  /** Cast to the dispatch table of the socket's category, as C does. */
  readonly Dispatch: unknown;
}

/** `WSK_DATA_INDICATION`: one element of the list WskReceiveEvent gets. */
export interface WSK_DATA_INDICATION {
  /** The next element, or null. */
  Next: WSK_DATA_INDICATION | null;
  /** The data. */
  Buffer: WSK_BUF;
}

/** `WSK_DATAGRAM_INDICATION`: one datagram in the list WskReceiveFromEvent gets. */
export interface WSK_DATAGRAM_INDICATION {
  /** The next datagram, or null. */
  Next: WSK_DATAGRAM_INDICATION | null;
  /** The payload. */
  Buffer: WSK_BUF;
  /** Control information (CMSGHDR bytes), or null. */
  ControlInfo: Uint8Array | null;
  /** Length of ControlInfo. */
  ControlInfoLength: number;
  /** The sender. */
  RemoteAddress: SOCKADDR;
}

/** `WSK_BUF_LIST`: a list of buffers for WskSendMessages, one datagram each. */
export interface WSK_BUF_LIST {
  /** The next element, or null. */
  Next: WSK_BUF_LIST | null;
  /** One datagram. */
  Buffer: WSK_BUF;
}

/** `WSK_INSPECT_ID`: identifies a pending conditional accept; compare by contents. */
export interface WSK_INSPECT_ID {
  /** Key. */
  Key: number;
  /** Serial number. */
  SerialNumber: number;
}

/** `WSK_EVENT_CALLBACK_CONTROL`: which callbacks to enable or disable. */
export interface WSK_EVENT_CALLBACK_CONTROL {
  /** `NPI_WSK_INTERFACE_ID`. */
  NpiId: GUID;
  /** WSK_EVENT_* bits, with WSK_EVENT_DISABLE to disable one. */
  EventMask: number;
}

/** `WSK_TRANSPORT`: one entry of WSK_TRANSPORT_LIST_QUERY. */
export interface WSK_TRANSPORT {
  /** Transport version. */
  Version: number;
  /** SOCK_STREAM or SOCK_DGRAM. */
  SocketType: number;
  /** IPPROTO_TCP or IPPROTO_UDP. */
  Protocol: number;
  /** AF_INET or AF_INET6. */
  AddressFamily: number;
  /** The provider's GUID. */
  ProviderId: GUID;
}

/** `UNICODE_STRING`: a counted string; `Length` and `MaximumLength` are in bytes. */
export interface UNICODE_STRING {
  /** Length of Buffer in bytes, without a NUL. */
  Length: number;
  /** Capacity in bytes. */
  MaximumLength: number;
  /** The text. */
  Buffer: string;
}

/**
 * `RtlInitUnicodeString`: points `DestinationString` at `SourceString`.
 *
 * @example Usage
 * ```ts
 * import { RtlInitUnicodeString, type UNICODE_STRING } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * const s = {} as UNICODE_STRING;
 * RtlInitUnicodeString(s, "localhost");
 * assert.equal(s.Length, 18);
 * assert.equal(s.MaximumLength, 20);
 * ```
 */
export function RtlInitUnicodeString(
  DestinationString: UNICODE_STRING,
  SourceString: string | null,
): void {
  const text = SourceString ?? "";
  DestinationString.Buffer = text;
  DestinationString.Length = text.length * 2;
  DestinationString.MaximumLength = SourceString === null ? 0 : text.length * 2 + 2;
}

/** `ADDRINFOEXW`: one entry of a WskGetAddressInfo result list. */
export interface ADDRINFOEXW {
  /** AI_* flags. */
  ai_flags: number;
  /** AF_INET, AF_INET6 or AF_UNSPEC. */
  ai_family: number;
  /** SOCK_STREAM, SOCK_DGRAM or 0. */
  ai_socktype: number;
  /** IPPROTO_TCP, IPPROTO_UDP or 0. */
  ai_protocol: number;
  /** Size of ai_addr: 16 (SOCKADDR_IN) or 28 (SOCKADDR_IN6). */
  ai_addrlen: number;
  /** Canonical name, or null. */
  ai_canonname: string | null;
  /** The address. */
  ai_addr: SOCKADDR | null;
  /** Provider-specific data. */
  ai_blob: unknown;
  /** Length of ai_blob. */
  ai_bloblen: number;
  /** The name-space provider, or null. */
  ai_provider: GUID | null;
  /** The next entry, or null. */
  ai_next: ADDRINFOEXW | null;
}
