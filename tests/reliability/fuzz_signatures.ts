// Copyright 2026 the wskemu authors. MIT license.
// The seeded API fuzzer's map of the WSK surface: the kind of every parameter
// of every dispatch function, and the codes and socket kinds worth drawing.
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SIO_ADDRESS_LIST_CHANGE,
  SIO_ADDRESS_LIST_QUERY,
  SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
  SIO_WSK_QUERY_INSPECT_ID,
  SIO_WSK_QUERY_RECEIVE_BACKLOG,
  SIO_WSK_REGISTER_EXTENSION,
  SIO_WSK_SET_REMOTE_ADDRESS,
  SIO_WSK_SET_SENDTO_ADDRESS,
  SIO_WSK_SET_TCP_SILENT_MODE,
  SO_BROADCAST,
  SO_CONDITIONAL_ACCEPT,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_WSK_EVENT_CALLBACK,
  SOCK_DGRAM,
  SOCK_STREAM,
  TCP_NODELAY,
  WSK_CACHE_SD,
  WSK_FLAG_BASIC_SOCKET,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_STREAM_SOCKET,
  WSK_RELEASE_SD,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  WSK_TDI_BEHAVIOR,
  WSK_TDI_DEVICENAME_MAPPING,
  WSK_TRANSPORT_LIST_CHANGE,
  WSK_TRANSPORT_LIST_QUERY,
} from "../../mod.ts";

/** The kinds of parameter the generators know. */
export type Kind =
  | "socket"
  | "client"
  | "irp"
  | "irpOrNull"
  | "any"
  | "flags"
  | "size"
  | "address"
  | "addressOrNull"
  | "addressOut"
  | "box"
  | "wskBuf"
  | "wskBufOrNull"
  | "bufList"
  | "reqType"
  | "controlCode"
  | "level"
  | "controlBuffer"
  | "clientControlCode"
  | "family"
  | "socketType"
  | "protocol"
  | "category"
  | "clientDispatch"
  | "inspectId"
  | "inspectAction"
  | "indication"
  | "nodeName"
  | "serviceName"
  | "nameOut"
  | "nameSpace"
  | "hints"
  | "resultBox"
  | "addrInfo"
  | "nameFlags";

/** The parameters of every dispatch function, by name (the same in every table that has it). */
export const SIGNATURES: Record<string, Kind[]> = {
  WskControlSocket: [
    "socket",
    "reqType",
    "controlCode",
    "level",
    "size",
    "controlBuffer",
    "size",
    "controlBuffer",
    "box",
    "irpOrNull",
  ],
  WskCloseSocket: ["socket", "irp"],
  WskBind: ["socket", "address", "flags", "irp"],
  WskConnect: ["socket", "address", "flags", "irp"],
  WskConnectEx: ["socket", "address", "wskBufOrNull", "flags", "irp"],
  WskListen: ["socket", "irp"],
  WskAccept: ["socket", "flags", "any", "clientDispatch", "addressOut", "addressOut", "irp"],
  WskInspectComplete: ["socket", "inspectId", "inspectAction", "irp"],
  WskGetLocalAddress: ["socket", "addressOut", "irp"],
  WskGetRemoteAddress: ["socket", "addressOut", "irp"],
  WskSend: ["socket", "wskBuf", "flags", "irp"],
  WskReceive: ["socket", "wskBuf", "flags", "irp"],
  WskDisconnect: ["socket", "wskBufOrNull", "flags", "irp"],
  WskRelease: ["socket", "indication"],
  WskSendTo: ["socket", "wskBuf", "flags", "addressOrNull", "size", "any", "irp"],
  WskReceiveFrom: ["socket", "wskBuf", "flags", "addressOut", "box", "any", "box", "irp"],
  WskSendMessages: ["socket", "bufList", "flags", "addressOrNull", "size", "any", "irp"],
  WskSendEx: ["socket", "wskBuf", "flags", "size", "any", "irp"],
  WskReceiveEx: ["socket", "wskBuf", "flags", "box", "any", "box", "irp"],
  WskSocket: [
    "client",
    "family",
    "socketType",
    "protocol",
    "category",
    "any",
    "clientDispatch",
    "any",
    "any",
    "any",
    "irp",
  ],
  WskSocketConnect: [
    "client",
    "socketType",
    "protocol",
    "address",
    "address",
    "flags",
    "any",
    "clientDispatch",
    "any",
    "any",
    "any",
    "irp",
  ],
  WskControlClient: [
    "client",
    "clientControlCode",
    "size",
    "controlBuffer",
    "size",
    "controlBuffer",
    "box",
    "irpOrNull",
  ],
  WskGetAddressInfo: [
    "client",
    "nodeName",
    "serviceName",
    "nameSpace",
    "any",
    "hints",
    "resultBox",
    "any",
    "any",
    "irp",
  ],
  WskFreeAddressInfo: ["client", "addrInfo"],
  WskGetNameInfo: [
    "client",
    "address",
    "size",
    "nameOut",
    "nameOut",
    "nameFlags",
    "any",
    "any",
    "irp",
  ],
};

/** WskControlSocket codes: options and I/O controls, and one nobody knows. */
export const CONTROL_CODES = [
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_SNDBUF,
  SO_REUSEADDR,
  SO_EXCLUSIVEADDRUSE,
  SO_BROADCAST,
  SO_CONDITIONAL_ACCEPT,
  SO_WSK_EVENT_CALLBACK,
  SO_WSK_EVENT_CALLBACK,
  TCP_NODELAY,
  IPV6_V6ONLY,
  SIO_WSK_QUERY_RECEIVE_BACKLOG,
  SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
  SIO_WSK_QUERY_INSPECT_ID,
  SIO_WSK_SET_REMOTE_ADDRESS,
  SIO_WSK_SET_SENDTO_ADDRESS,
  SIO_WSK_REGISTER_EXTENSION,
  SIO_ADDRESS_LIST_QUERY,
  SIO_ADDRESS_LIST_CHANGE,
  SIO_WSK_SET_TCP_SILENT_MODE,
  12345,
];

/** WskControlClient codes, and one nobody knows. */
export const CLIENT_CONTROL_CODES = [
  WSK_TRANSPORT_LIST_QUERY,
  WSK_TRANSPORT_LIST_CHANGE,
  WSK_CACHE_SD,
  WSK_RELEASE_SD,
  WSK_TDI_DEVICENAME_MAPPING,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  WSK_TDI_BEHAVIOR,
  99,
];

/** Family, type, protocol and category that go together, so that WskSocket often succeeds. */
export const COHERENT: [number, number, number, number][] = [
  [AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_BASIC_SOCKET],
  [AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET],
  [AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET],
  [AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_LISTEN_SOCKET],
  [AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET],
  [AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET],
  [AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET],
  [AF_INET6, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET],
  [AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_STREAM_SOCKET],
];
