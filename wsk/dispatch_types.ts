// Copyright 2026 the wskemu authors. MIT license.
/**
 * The function types (PFN_WSK_*) and dispatch tables of wsk.h, with their
 * fields in header order. Provider tables embed `Basic` and also expose its two
 * functions directly, as C code uses both.
 *
 * @module
 */
import type { IRP } from "../irp/irp.ts";
import type { WSK_BUF } from "../irp/mdl.ts";
import type { NTSTATUS } from "../irp/ntstatus.ts";
import type { SOCKADDR } from "./address.ts";
import type { WSK_CONTROL_SOCKET_TYPE, WSK_INSPECT_ACTION } from "./constants.ts";
import type {
  ADDRINFOEXW,
  UNICODE_STRING,
  WSK_BUF_LIST,
  WSK_CLIENT,
  WSK_DATA_INDICATION,
  WSK_DATAGRAM_INDICATION,
  WSK_INSPECT_ID,
  WSK_SOCKET,
} from "./structures.ts";

/** A pointer-to-pointer or in/out ULONG parameter: a box whose `value` the callee sets. */
export interface Box<T> {
  /** The pointed-to value. */
  value: T;
}

// ---- client callbacks -------------------------------------------------------------------------

/** `PFN_WSK_CLIENT_EVENT`. */
export type PFN_WSK_CLIENT_EVENT = (
  ClientContext: unknown,
  EventType: number,
  Information: unknown,
  InformationLength: number,
) => NTSTATUS;

/** `WSK_CLIENT_DISPATCH`. */
export interface WSK_CLIENT_DISPATCH {
  /** `MAKE_WSK_VERSION(1, 0)`. */
  Version: number;
  /** Zero. */
  Reserved: number;
  /** Optional; no event types are defined. */
  WskClientEvent: PFN_WSK_CLIENT_EVENT | null;
}

/** `PFN_WSK_ACCEPT_EVENT`: a connection was accepted on a listening socket. */
export type PFN_WSK_ACCEPT_EVENT = (
  SocketContext: unknown,
  Flags: number,
  LocalAddress: SOCKADDR | null,
  RemoteAddress: SOCKADDR | null,
  AcceptSocket: WSK_SOCKET | null,
  AcceptSocketContext: Box<unknown>,
  AcceptSocketDispatch: Box<WSK_CLIENT_CONNECTION_DISPATCH | null>,
) => NTSTATUS;

/** `PFN_WSK_INSPECT_EVENT`: a connection request awaits a conditional-accept decision. */
export type PFN_WSK_INSPECT_EVENT = (
  SocketContext: unknown,
  LocalAddress: SOCKADDR | null,
  RemoteAddress: SOCKADDR | null,
  InspectID: WSK_INSPECT_ID | null,
) => WSK_INSPECT_ACTION;

/** `PFN_WSK_ABORT_EVENT`: a pended or accepted request was dropped by the peer. */
export type PFN_WSK_ABORT_EVENT = (SocketContext: unknown, InspectID: WSK_INSPECT_ID) => NTSTATUS;

/** `PFN_WSK_RECEIVE_EVENT`: data arrived on a connection socket. */
export type PFN_WSK_RECEIVE_EVENT = (
  SocketContext: unknown,
  Flags: number,
  DataIndication: WSK_DATA_INDICATION | null,
  BytesIndicated: number,
  BytesAccepted: Box<number>,
) => NTSTATUS;

/** `PFN_WSK_DISCONNECT_EVENT`: the peer disconnected (WSK_FLAG_ABORTIVE for a reset). */
export type PFN_WSK_DISCONNECT_EVENT = (SocketContext: unknown, Flags: number) => NTSTATUS;

/** `PFN_WSK_SEND_BACKLOG_EVENT`: the ideal send backlog changed. */
export type PFN_WSK_SEND_BACKLOG_EVENT = (
  SocketContext: unknown,
  IdealBacklogSize: number,
) => NTSTATUS;

/** `PFN_WSK_RECEIVE_FROM_EVENT`: datagrams arrived. */
export type PFN_WSK_RECEIVE_FROM_EVENT = (
  SocketContext: unknown,
  Flags: number,
  DataIndication: WSK_DATAGRAM_INDICATION | null,
) => NTSTATUS;

/** `WSK_CLIENT_LISTEN_DISPATCH`. */
export interface WSK_CLIENT_LISTEN_DISPATCH {
  /** Called for each accepted connection. */
  WskAcceptEvent: PFN_WSK_ACCEPT_EVENT | null;
  /** Conditional accept: called before the handshake. */
  WskInspectEvent: PFN_WSK_INSPECT_EVENT | null;
  /** Conditional accept: a request was dropped. */
  WskAbortEvent: PFN_WSK_ABORT_EVENT | null;
}

/** `WSK_CLIENT_CONNECTION_DISPATCH`. */
export interface WSK_CLIENT_CONNECTION_DISPATCH {
  /** Data arrived. */
  WskReceiveEvent: PFN_WSK_RECEIVE_EVENT | null;
  /** The peer disconnected. */
  WskDisconnectEvent: PFN_WSK_DISCONNECT_EVENT | null;
  /** The ideal send backlog changed. */
  WskSendBacklogEvent: PFN_WSK_SEND_BACKLOG_EVENT | null;
}

/** `WSK_CLIENT_DATAGRAM_DISPATCH`. */
export interface WSK_CLIENT_DATAGRAM_DISPATCH {
  /** Datagrams arrived. */
  WskReceiveFromEvent: PFN_WSK_RECEIVE_FROM_EVENT | null;
}

/** `WSK_CLIENT_STREAM_DISPATCH`. */
export interface WSK_CLIENT_STREAM_DISPATCH {
  /** Callbacks used once the socket is listening. */
  Listen: WSK_CLIENT_LISTEN_DISPATCH | null;
  /** Callbacks used once the socket is connected. */
  Connect: WSK_CLIENT_CONNECTION_DISPATCH | null;
}

// ---- provider functions -----------------------------------------------------------------------

/** `PFN_WSK_SOCKET`. */
export type PFN_WSK_SOCKET = (
  Client: WSK_CLIENT | null,
  AddressFamily: number,
  SocketType: number,
  Protocol: number,
  Flags: number,
  SocketContext: unknown,
  Dispatch: unknown,
  OwningProcess: unknown,
  OwningThread: unknown,
  SecurityDescriptor: unknown,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_SOCKET_CONNECT`. */
export type PFN_WSK_SOCKET_CONNECT = (
  Client: WSK_CLIENT | null,
  SocketType: number,
  Protocol: number,
  LocalAddress: SOCKADDR,
  RemoteAddress: SOCKADDR,
  Flags: number,
  SocketContext: unknown,
  Dispatch: WSK_CLIENT_CONNECTION_DISPATCH | null,
  OwningProcess: unknown,
  OwningThread: unknown,
  SecurityDescriptor: unknown,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_CONTROL_CLIENT`. */
export type PFN_WSK_CONTROL_CLIENT = (
  Client: WSK_CLIENT | null,
  ControlCode: number,
  InputSize: number,
  InputBuffer: unknown,
  OutputSize: number,
  OutputBuffer: unknown,
  OutputSizeReturned: Box<number> | null,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_GET_ADDRESS_INFO`. */
export type PFN_WSK_GET_ADDRESS_INFO = (
  Client: WSK_CLIENT | null,
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  NameSpace: number,
  Provider: unknown,
  Hints: Partial<ADDRINFOEXW> | null,
  Result: Box<ADDRINFOEXW | null>,
  OwningProcess: unknown,
  OwningThread: unknown,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_FREE_ADDRESS_INFO`. */
export type PFN_WSK_FREE_ADDRESS_INFO = (
  Client: WSK_CLIENT | null,
  AddrInfo: ADDRINFOEXW | null,
) => void;

/** `PFN_WSK_GET_NAME_INFO`. */
export type PFN_WSK_GET_NAME_INFO = (
  Client: WSK_CLIENT | null,
  SockAddr: SOCKADDR,
  SockAddrLength: number,
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  Flags: number,
  OwningProcess: unknown,
  OwningThread: unknown,
  Irp: IRP | null,
) => NTSTATUS;

/** `WSK_PROVIDER_DISPATCH`. */
export interface WSK_PROVIDER_DISPATCH {
  /** The provider's version. */
  readonly Version: number;
  /** Zero. */
  readonly Reserved: number;
  /** Create a socket. */
  readonly WskSocket: PFN_WSK_SOCKET;
  /** Create, bind and connect a connection socket. */
  readonly WskSocketConnect: PFN_WSK_SOCKET_CONNECT;
  /** Client-level control operations. */
  readonly WskControlClient: PFN_WSK_CONTROL_CLIENT;
  /** Resolve names. */
  readonly WskGetAddressInfo: PFN_WSK_GET_ADDRESS_INFO;
  /** Free a WskGetAddressInfo result. */
  readonly WskFreeAddressInfo: PFN_WSK_FREE_ADDRESS_INFO;
  /** Reverse resolution. */
  readonly WskGetNameInfo: PFN_WSK_GET_NAME_INFO;
}

/** `PFN_WSK_CONTROL_SOCKET`. */
export type PFN_WSK_CONTROL_SOCKET = (
  Socket: WSK_SOCKET,
  RequestType: WSK_CONTROL_SOCKET_TYPE,
  ControlCode: number,
  Level: number,
  InputSize: number,
  InputBuffer: unknown,
  OutputSize: number,
  OutputBuffer: unknown,
  OutputSizeReturned: Box<number> | null,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_CLOSE_SOCKET`. */
export type PFN_WSK_CLOSE_SOCKET = (Socket: WSK_SOCKET, Irp: IRP | null) => NTSTATUS;

/** `PFN_WSK_BIND`. */
export type PFN_WSK_BIND = (
  Socket: WSK_SOCKET,
  LocalAddress: SOCKADDR,
  Flags: number,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_CONNECT`. */
export type PFN_WSK_CONNECT = (
  Socket: WSK_SOCKET,
  RemoteAddress: SOCKADDR,
  Flags: number,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_CONNECT_EX`: connect, then send `Buffer`. */
export type PFN_WSK_CONNECT_EX = (
  Socket: WSK_SOCKET,
  RemoteAddress: SOCKADDR,
  Buffer: WSK_BUF | null,
  Flags: number,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_LISTEN`. */
export type PFN_WSK_LISTEN = (Socket: WSK_SOCKET, Irp: IRP | null) => NTSTATUS;

/** `PFN_WSK_ACCEPT`. */
export type PFN_WSK_ACCEPT = (
  ListenSocket: WSK_SOCKET,
  Flags: number,
  AcceptSocketContext: unknown,
  AcceptSocketDispatch: WSK_CLIENT_CONNECTION_DISPATCH | null,
  LocalAddress: SOCKADDR | null,
  RemoteAddress: SOCKADDR | null,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_INSPECT_COMPLETE`. */
export type PFN_WSK_INSPECT_COMPLETE = (
  ListenSocket: WSK_SOCKET,
  InspectID: WSK_INSPECT_ID,
  Action: WSK_INSPECT_ACTION,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_SEND`. */
export type PFN_WSK_SEND = (
  Socket: WSK_SOCKET,
  Buffer: WSK_BUF,
  Flags: number,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_RECEIVE`. */
export type PFN_WSK_RECEIVE = (
  Socket: WSK_SOCKET,
  Buffer: WSK_BUF,
  Flags: number,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_DISCONNECT`. */
export type PFN_WSK_DISCONNECT = (
  Socket: WSK_SOCKET,
  Buffer: WSK_BUF | null,
  Flags: number,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_RELEASE_DATA_INDICATION_LIST`. */
export type PFN_WSK_RELEASE_DATA_INDICATION_LIST = (
  Socket: WSK_SOCKET,
  DataIndication: WSK_DATA_INDICATION | null,
) => NTSTATUS;

/** `PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST`. */
export type PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST = (
  Socket: WSK_SOCKET,
  DatagramIndication: WSK_DATAGRAM_INDICATION | null,
) => NTSTATUS;

/** `PFN_WSK_GET_LOCAL_ADDRESS`. */
export type PFN_WSK_GET_LOCAL_ADDRESS = (
  Socket: WSK_SOCKET,
  LocalAddress: SOCKADDR,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_GET_REMOTE_ADDRESS`. */
export type PFN_WSK_GET_REMOTE_ADDRESS = (
  Socket: WSK_SOCKET,
  RemoteAddress: SOCKADDR,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_SEND_TO`. */
export type PFN_WSK_SEND_TO = (
  Socket: WSK_SOCKET,
  Buffer: WSK_BUF,
  Flags: number,
  RemoteAddress: SOCKADDR | null,
  ControlInfoLength: number,
  ControlInfo: Uint8Array | null,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_RECEIVE_FROM`. */
export type PFN_WSK_RECEIVE_FROM = (
  Socket: WSK_SOCKET,
  Buffer: WSK_BUF,
  Flags: number,
  RemoteAddress: SOCKADDR | null,
  ControlLength: Box<number> | null,
  ControlInfo: Uint8Array | null,
  ControlFlags: Box<number> | null,
  Irp: IRP | null,
) => NTSTATUS;

/** `PFN_WSK_SEND_MESSAGES`. */
export type PFN_WSK_SEND_MESSAGES = (
  Socket: WSK_SOCKET,
  BufferList: WSK_BUF_LIST | null,
  Flags: number,
  RemoteAddress: SOCKADDR | null,
  ControlInfoLength: number,
  ControlInfo: Uint8Array | null,
  Irp: IRP | null,
) => NTSTATUS;

/** A reserved dispatch slot (WskSendEx / WskReceiveEx are "reserved for system use"). */
export type PFN_WSK_RESERVED = (...args: unknown[]) => NTSTATUS;

/** `WSK_PROVIDER_BASIC_DISPATCH`: the two functions every socket has. */
export interface WSK_PROVIDER_BASIC_DISPATCH {
  /** Options and I/O controls. */
  readonly WskControlSocket: PFN_WSK_CONTROL_SOCKET;
  /** Close the socket; never fails. */
  readonly WskCloseSocket: PFN_WSK_CLOSE_SOCKET;
}

/** `WSK_PROVIDER_LISTEN_DISPATCH`. */
export interface WSK_PROVIDER_LISTEN_DISPATCH extends WSK_PROVIDER_BASIC_DISPATCH {
  /** The embedded basic table. */
  readonly Basic: WSK_PROVIDER_BASIC_DISPATCH;
  /** Bind; on a listening socket this also starts listening. */
  readonly WskBind: PFN_WSK_BIND;
  /** Accept a connection. */
  readonly WskAccept: PFN_WSK_ACCEPT;
  /** Finish a pended conditional accept. */
  readonly WskInspectComplete: PFN_WSK_INSPECT_COMPLETE;
  /** The bound address. */
  readonly WskGetLocalAddress: PFN_WSK_GET_LOCAL_ADDRESS;
}

/** `WSK_PROVIDER_DATAGRAM_DISPATCH`. */
export interface WSK_PROVIDER_DATAGRAM_DISPATCH extends WSK_PROVIDER_BASIC_DISPATCH {
  /** The embedded basic table. */
  readonly Basic: WSK_PROVIDER_BASIC_DISPATCH;
  /** Bind. */
  readonly WskBind: PFN_WSK_BIND;
  /** Send one datagram. */
  readonly WskSendTo: PFN_WSK_SEND_TO;
  /** Receive one datagram. */
  readonly WskReceiveFrom: PFN_WSK_RECEIVE_FROM;
  /** Release retained datagram indications. */
  readonly WskRelease: PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST;
  /** The bound address. */
  readonly WskGetLocalAddress: PFN_WSK_GET_LOCAL_ADDRESS;
  /** Send several datagrams. */
  readonly WskSendMessages: PFN_WSK_SEND_MESSAGES;
}

/** `WSK_PROVIDER_CONNECTION_DISPATCH`. */
export interface WSK_PROVIDER_CONNECTION_DISPATCH extends WSK_PROVIDER_BASIC_DISPATCH {
  /** The embedded basic table. */
  readonly Basic: WSK_PROVIDER_BASIC_DISPATCH;
  /** Bind a local address. */
  readonly WskBind: PFN_WSK_BIND;
  /** Connect. */
  readonly WskConnect: PFN_WSK_CONNECT;
  /** The local address. */
  readonly WskGetLocalAddress: PFN_WSK_GET_LOCAL_ADDRESS;
  /** The remote address. */
  readonly WskGetRemoteAddress: PFN_WSK_GET_REMOTE_ADDRESS;
  /** Send. */
  readonly WskSend: PFN_WSK_SEND;
  /** Receive. */
  readonly WskReceive: PFN_WSK_RECEIVE;
  /** Disconnect gracefully or abortively. */
  readonly WskDisconnect: PFN_WSK_DISCONNECT;
  /** Release retained data indications. */
  readonly WskRelease: PFN_WSK_RELEASE_DATA_INDICATION_LIST;
  /** Connect and send initial data. */
  readonly WskConnectEx: PFN_WSK_CONNECT_EX;
  /** Reserved for system use. */
  readonly WskSendEx: PFN_WSK_RESERVED;
  /** Reserved for system use. */
  readonly WskReceiveEx: PFN_WSK_RESERVED;
}

/** `WSK_PROVIDER_STREAM_DISPATCH`. */
export interface WSK_PROVIDER_STREAM_DISPATCH extends WSK_PROVIDER_BASIC_DISPATCH {
  /** The embedded basic table. */
  readonly Basic: WSK_PROVIDER_BASIC_DISPATCH;
  /** Bind. */
  readonly WskBind: PFN_WSK_BIND;
  /** Accept (after WskListen). */
  readonly WskAccept: PFN_WSK_ACCEPT;
  /** Connect (commits the socket to connection-oriented). */
  readonly WskConnect: PFN_WSK_CONNECT;
  /** Listen (commits the socket to listening). */
  readonly WskListen: PFN_WSK_LISTEN;
  /** Send. */
  readonly WskSend: PFN_WSK_SEND;
  /** Receive. */
  readonly WskReceive: PFN_WSK_RECEIVE;
  /** Disconnect. */
  readonly WskDisconnect: PFN_WSK_DISCONNECT;
  /** Release retained data indications. */
  readonly WskRelease: PFN_WSK_RELEASE_DATA_INDICATION_LIST;
  /** The local address. */
  readonly WskGetLocalAddress: PFN_WSK_GET_LOCAL_ADDRESS;
  /** The remote address. */
  readonly WskGetRemoteAddress: PFN_WSK_GET_REMOTE_ADDRESS;
  /** Connect and send initial data. */
  readonly WskConnectEx: PFN_WSK_CONNECT_EX;
  /** Reserved for system use. */
  readonly WskSendEx: PFN_WSK_RESERVED;
  /** Reserved for system use. */
  readonly WskReceiveEx: PFN_WSK_RESERVED;
}
