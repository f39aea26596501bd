// Copyright 2026 the wskemu authors. MIT license.
// Internal: the WSK_PROVIDER_CONNECTION_DISPATCH table. Each entry checks the
// socket and the IRP, then hands the call to the socket.
import { IRP } from "../irp/irp.ts";
import {
  type NTSTATUS,
  STATUS_BUFFER_OVERFLOW,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_IMPLEMENTED,
} from "../irp/ntstatus.ts";
import { ConnectionSocket } from "./_connection.ts";
import { WskControlSocket } from "./_control.ts";
import { checkIrp, failIrp } from "./_irp.ts";
import { socketCall, WskCloseSocket } from "./_socket.ts";
import type {
  WSK_PROVIDER_BASIC_DISPATCH,
  WSK_PROVIDER_CONNECTION_DISPATCH,
} from "./dispatch_types.ts";
import { guardTable } from "./_guard.ts";

/** The Basic table every category embeds. */
export const BasicDispatch: WSK_PROVIDER_BASIC_DISPATCH = guardTable({
  WskControlSocket,
  WskCloseSocket,
});

/** The largest WskConnectEx buffer. */
export const CONNECT_EX_LIMIT = 65535;

/** WskSendEx / WskReceiveEx: reserved for system use. The IRP, if any, completes with STATUS_NOT_IMPLEMENTED. */
export function reserved(...args: unknown[]): NTSTATUS {
  const Irp = args.at(-1);
  if (!(Irp instanceof IRP)) return STATUS_NOT_IMPLEMENTED;
  checkIrp(Irp);
  return failIrp(Irp, STATUS_NOT_IMPLEMENTED);
}

/** Connection-oriented functions, shared by the connection and stream tables. */
export const connectionFunctions = {
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskConnect: (Socket, RemoteAddress, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      ConnectionSocket,
      (s, irp) => s.connect(RemoteAddress, Flags, irp, null),
    ),
  WskConnectEx: (Socket, RemoteAddress, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      ConnectionSocket,
      (s, irp) =>
        Buffer && Buffer.Length > CONNECT_EX_LIMIT
          ? failIrp(irp, STATUS_BUFFER_OVERFLOW)
          : s.connect(RemoteAddress, Flags, irp, Buffer),
    ),
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.address(LocalAddress, "local", irp)),
  WskGetRemoteAddress: (Socket, RemoteAddress, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.address(RemoteAddress, "remote", irp)),
  WskSend: (Socket, Buffer, Flags, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.send(Buffer, Flags, irp)),
  WskReceive: (Socket, Buffer, Flags, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.receiveCall(Buffer, Flags, irp)),
  WskDisconnect: (Socket, Buffer, Flags, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.disconnect(Buffer, Flags, irp)),
  WskRelease: (Socket, DataIndication) =>
    Socket instanceof ConnectionSocket
      ? Socket.receive.release(DataIndication)
      : STATUS_INVALID_PARAMETER,
  WskSendEx: reserved,
  WskReceiveEx: reserved,
} satisfies Partial<WSK_PROVIDER_CONNECTION_DISPATCH>;

/** `WSK_PROVIDER_CONNECTION_DISPATCH`: Basic embedded and flattened. */
export const ConnectionDispatch: WSK_PROVIDER_CONNECTION_DISPATCH = guardTable({
  Basic: BasicDispatch,
  ...BasicDispatch,
  ...connectionFunctions,
});
