// Copyright 2026 the wskemu authors. MIT license.
/**
 * The constants of wsk.h, ws2def.h and ws2ipdef.h that a WSK client uses, with
 * the numeric values of the Windows headers.
 *
 * @module
 */

/** `MAKE_WSK_VERSION(Mj, Mn)`: a WSK version number, `(Mj << 8) | Mn`.
 *
 * @example Usage
 * ```ts
 * import { MAKE_WSK_VERSION } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(MAKE_WSK_VERSION(1, 0), 0x0100);
 * ```
 */
export function MAKE_WSK_VERSION(Mj: number, Mn: number): number {
  return ((Mj << 8) | (Mn & 0xff)) & 0xffff;
}

/** `WSK_MAJOR_VERSION(V)`: the major part of a WSK version.
 *
 * @example Usage
 * ```ts
 * import { WSK_MAJOR_VERSION } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(WSK_MAJOR_VERSION(0x0100), 1);
 * ```
 */
export function WSK_MAJOR_VERSION(V: number): number {
  return (V >> 8) & 0xff;
}

/** `WSK_MINOR_VERSION(V)`: the minor part of a WSK version.
 *
 * @example Usage
 * ```ts
 * import { WSK_MINOR_VERSION } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(WSK_MINOR_VERSION(0x0100), 0);
 * ```
 */
export function WSK_MINOR_VERSION(V: number): number {
  return V & 0xff;
}

/** WskCaptureProviderNPI: do not wait for the provider. */
export const WSK_NO_WAIT = 0;
/** WskCaptureProviderNPI: wait for the provider as long as it takes. */
export const WSK_INFINITE_WAIT = 0xffffffff;

// Socket categories (WskSocket Flags).
/** A basic socket: control operations only. */
export const WSK_FLAG_BASIC_SOCKET = 0x0;
/** A listening socket. */
export const WSK_FLAG_LISTEN_SOCKET = 0x1;
/** A connection-oriented socket. */
export const WSK_FLAG_CONNECTION_SOCKET = 0x2;
/** A datagram socket. */
export const WSK_FLAG_DATAGRAM_SOCKET = 0x4;
/** A stream socket: becomes listening after WskListen or connection-oriented after WskConnect. */
export const WSK_FLAG_STREAM_SOCKET = 0x8;

// Operation flags; the same bits mean different things per function.
/** WskDisconnect / WskDisconnectEvent: abortive (RST). */
export const WSK_FLAG_ABORTIVE = 0x1;
/** Out-of-band data (defined in wsk.h, not supported for WskSend). */
export const WSK_FLAG_OOB = 0x1;
/** WskSend: send now, without the Nagle delay. */
export const WSK_FLAG_NODELAY = 0x2;
/** WskReceive: complete only when the buffer is full or the connection ends. */
export const WSK_FLAG_WAITALL = 0x2;
/** WskReceive: discard data until the connection ends (Length must be 0). */
export const WSK_FLAG_DRAIN = 0x4;
/** Receive callbacks: release the indicated data as soon as possible. */
export const WSK_FLAG_RELEASE_ASAP = 0x2;
/** Receive callbacks: the indication ends a message (TCP PUSH seen). */
export const WSK_FLAG_ENTIRE_MESSAGE = 0x4;
/** Callbacks: called at DISPATCH_LEVEL. */
export const WSK_FLAG_AT_DISPATCH_LEVEL = 0x8;

// Event masks (WSK_EVENT_CALLBACK_CONTROL.EventMask).
/** WskSendBacklogEvent. */
export const WSK_EVENT_SEND_BACKLOG = 0x10;
/** WskReceiveEvent. */
export const WSK_EVENT_RECEIVE = 0x40;
/** WskDisconnectEvent. */
export const WSK_EVENT_DISCONNECT = 0x80;
/** WskReceiveFromEvent. */
export const WSK_EVENT_RECEIVE_FROM = 0x100;
/** WskAcceptEvent. */
export const WSK_EVENT_ACCEPT = 0x200;
/** Disable the one event named with it. */
export const WSK_EVENT_DISABLE = 0x80000000;

// WskControlClient codes.
/** List the available transports. */
export const WSK_TRANSPORT_LIST_QUERY = 2;
/** Complete the IRP when the transport list changes. */
export const WSK_TRANSPORT_LIST_CHANGE = 3;
/** Cache a security descriptor. */
export const WSK_CACHE_SD = 4;
/** Release a cached security descriptor. */
export const WSK_RELEASE_SD = 5;
/** Map socket types to TDI device names (legacy). */
export const WSK_TDI_DEVICENAME_MAPPING = 6;
/** Enable event callbacks on every socket the client creates from now on. */
export const WSK_SET_STATIC_EVENT_CALLBACKS = 7;
/** TDI behaviour flags (legacy). */
export const WSK_TDI_BEHAVIOR = 8;
/** WSK_TDI_BEHAVIOR: never use TDI transports. */
export const WSK_TDI_BEHAVIOR_BYPASS_TDI = 0x1;

/** WSK_CONTROL_SOCKET_TYPE: set a socket option. */
export const WskSetOption = 0;
/** WSK_CONTROL_SOCKET_TYPE: get a socket option. */
export const WskGetOption = 1;
/** WSK_CONTROL_SOCKET_TYPE: a socket I/O control. */
export const WskIoctl = 2;
/** The kind of WskControlSocket request. */
export type WSK_CONTROL_SOCKET_TYPE = number;

/** WSK_INSPECT_ACTION: reject the connection request. */
export const WskInspectReject = 0;
/** WSK_INSPECT_ACTION: accept the connection request. */
export const WskInspectAccept = 1;
/** WSK_INSPECT_ACTION: decide later with WskInspectComplete. */
export const WskInspectPend = 2;
/** What a WskInspectEvent decides. */
export type WSK_INSPECT_ACTION = number;

// ws2def.h
/** Unspecified address family. */
export const AF_UNSPEC = 0;
/** IPv4. */
export const AF_INET = 2;
/** IPv6. */
export const AF_INET6 = 23;
/** An address family. */
export type ADDRESS_FAMILY = number;
/** Stream sockets. */
export const SOCK_STREAM = 1;
/** Datagram sockets. */
export const SOCK_DGRAM = 2;
/** Raw sockets. */
export const SOCK_RAW = 3;
/** IP. */
export const IPPROTO_IP = 0;
/** ICMP. */
export const IPPROTO_ICMP = 1;
/** TCP. */
export const IPPROTO_TCP = 6;
/** UDP. */
export const IPPROTO_UDP = 17;
/** IPv6 options level. */
export const IPPROTO_IPV6 = 41;
/** Socket-level options. */
export const SOL_SOCKET = 0xffff;
/** Allow the address to be shared. */
export const SO_REUSEADDR = 0x4;
/** TCP keep-alives. */
export const SO_KEEPALIVE = 0x8;
/** Allow broadcast datagrams. */
export const SO_BROADCAST = 0x20;
/** Linger on close. */
export const SO_LINGER = 0x80;
/** Exclusive use of the address: `~SO_REUSEADDR`. */
export const SO_EXCLUSIVEADDRUSE = 0xfffffffb;
/** Send buffer size. */
export const SO_SNDBUF = 0x1001;
/** Receive buffer size. */
export const SO_RCVBUF = 0x1002;
/** Pending error. */
export const SO_ERROR = 0x1007;
/** Socket type. */
export const SO_TYPE = 0x1008;
/** Conditional accept on a listening socket (before bind). */
export const SO_CONDITIONAL_ACCEPT = 0x3002;
/** WSK: security descriptor. */
export const SO_WSK_SECURITY = 0x4001;
/** WSK: enable or disable event callbacks. */
export const SO_WSK_EVENT_CALLBACK = 0x4002;
/** Disable the Nagle algorithm (level IPPROTO_TCP). */
export const TCP_NODELAY = 1;
/** IPv6 only (level IPPROTO_IPV6). */
export const IPV6_V6ONLY = 27;
/** Unicast hop limit (level IPPROTO_IP). */
export const IP_TTL = 4;

// Socket I/O controls.
/** Query the local address list. */
export const SIO_ADDRESS_LIST_QUERY = 0x48000016;
/** Wait for a change in the local address list. */
export const SIO_ADDRESS_LIST_CHANGE = 0x28000017;
/** Datagram: fix the remote address (and filter inbound datagrams). */
export const SIO_WSK_SET_REMOTE_ADDRESS = 0x8f000001;
/** Register an extension interface. */
export const SIO_WSK_REGISTER_EXTENSION = 0xcf000002;
/** Connection: the ideal send backlog size. */
export const SIO_WSK_QUERY_IDEAL_SEND_BACKLOG = 0x4f000003;
/** Connection: bytes received but not yet consumed. */
export const SIO_WSK_QUERY_RECEIVE_BACKLOG = 0x4f000004;
/** Accepted socket: the inspect ID of its conditional accept. */
export const SIO_WSK_QUERY_INSPECT_ID = 0x4f000005;
/** Datagram: fix the destination (inbound not filtered). */
export const SIO_WSK_SET_SENDTO_ADDRESS = 0x8f000006;
/** Connection: silent mode. */
export const SIO_WSK_SET_TCP_SILENT_MODE = 0x2f000007;

/** Datagram truncated. */
export const MSG_TRUNC = 0x100;
/** Control data truncated. */
export const MSG_CTRUNC = 0x200;
/** Received as broadcast. */
export const MSG_BCAST = 0x400;
/** Received as multicast. */
export const MSG_MCAST = 0x800;

// Name resolution.
/** All name spaces. */
export const NS_ALL = 0;
/** The DNS name space. */
export const NS_DNS = 12;
/** For a null node: the wildcard address. */
export const AI_PASSIVE = 0x1;
/** Return the canonical name. */
export const AI_CANONNAME = 0x2;
/** The node is a numeric address. */
export const AI_NUMERICHOST = 0x4;
/** The service is a numeric port. */
export const AI_NUMERICSERV = 0x8;
/** All addresses (with AI_V4MAPPED). */
export const AI_ALL = 0x100;
/** Only families configured on the host. */
export const AI_ADDRCONFIG = 0x400;
/** Map IPv4 to IPv6 when no IPv6 address exists. */
export const AI_V4MAPPED = 0x800;
/** The fully qualified domain name. */
export const AI_FQDN = 0x20000;
/** Host name without the domain part for local hosts. */
export const NI_NOFQDN = 0x01;
/** The numeric form of the host. */
export const NI_NUMERICHOST = 0x02;
/** Fail when the host has no name. */
export const NI_NAMEREQD = 0x04;
/** The numeric form of the service. */
export const NI_NUMERICSERV = 0x08;
/** The service is datagram (UDP). */
export const NI_DGRAM = 0x10;
/** Largest host name, with its NUL. */
export const NI_MAXHOST = 1025;
/** Largest service name, with its NUL. */
export const NI_MAXSERV = 32;
