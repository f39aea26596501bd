// Copyright 2026 the wskemu authors. MIT license.
// Internal: creating a socket of a category, with the statuses Windows gives
// for invalid combinations (the AF_INET and AF_INET6 pages of the WSK documentation).
import {
  type NTSTATUS,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_PROTOCOL_UNREACHABLE,
} from "../irp/ntstatus.ts";
import type { WskClientState } from "./_client.ts";
import { ConnectionSocket } from "./_connection.ts";
import { BasicSocket } from "./_basic.ts";
import { DatagramSocket } from "./_datagram.ts";
import { ListenSocket } from "./_listen.ts";
import { StreamSocket } from "./_stream.ts";
import type { SocketBase } from "./_socket.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  WSK_FLAG_BASIC_SOCKET,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_STREAM_SOCKET,
} from "./constants.ts";

/** Creates a socket, or says why Windows would refuse it. */
export function createSocket(
  client: WskClientState,
  family: number,
  socketType: number,
  protocol: number,
  flags: number,
  context: unknown,
  dispatch: unknown,
): SocketBase | NTSTATUS {
  if (family !== AF_INET && family !== AF_INET6) return STATUS_NOT_SUPPORTED;
  if (protocol === 0) return STATUS_PROTOCOL_UNREACHABLE;
  const tcp = socketType === SOCK_STREAM && protocol === IPPROTO_TCP;
  const udp = socketType === SOCK_DGRAM && protocol === IPPROTO_UDP;
  // The arguments spelled out for each constructor: no argument array per socket.
  let socket: SocketBase;
  switch (flags) {
    case WSK_FLAG_BASIC_SOCKET:
      if (!tcp && !udp) return STATUS_NOT_SUPPORTED;
      if (dispatch !== null && dispatch !== undefined) return STATUS_INVALID_PARAMETER;
      socket = new BasicSocket(client, family, socketType, protocol, context, dispatch);
      break;
    case WSK_FLAG_LISTEN_SOCKET:
      // A UDP "listening" socket is created, but its bind fails (as observed on Windows).
      if (!tcp && !udp) return STATUS_NOT_SUPPORTED;
      socket = new ListenSocket(client, family, socketType, protocol, context, dispatch);
      break;
    case WSK_FLAG_CONNECTION_SOCKET:
      if (!tcp) return STATUS_NOT_SUPPORTED;
      socket = new ConnectionSocket(client, family, socketType, protocol, context, dispatch);
      break;
    case WSK_FLAG_DATAGRAM_SOCKET:
      if (!udp) return STATUS_NOT_SUPPORTED;
      socket = new DatagramSocket(client, family, socketType, protocol, context, dispatch);
      break;
    case WSK_FLAG_STREAM_SOCKET:
      if (!tcp) return STATUS_NOT_SUPPORTED;
      socket = new StreamSocket(client, family, socketType, protocol, context, dispatch);
      break;
    default:
      return STATUS_INVALID_PARAMETER;
  }
  socket.eventMask |= client.staticEvents & socket.eventBits;
  return socket;
}
