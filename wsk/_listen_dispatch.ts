// Copyright 2026 the wskemu authors. MIT license.
// Internal: the WSK_PROVIDER_LISTEN_DISPATCH and WSK_PROVIDER_STREAM_DISPATCH tables.
import { STATUS_INVALID_PARAMETER } from "../irp/ntstatus.ts";
import { ConnectionSocket } from "./_connection.ts";
import { BasicDispatch, CONNECT_EX_LIMIT, reserved } from "./_connection_dispatch.ts";
import { failIrp } from "./_irp.ts";
import { ListenSocket } from "./_listen.ts";
import { socketCall } from "./_socket.ts";
import { StreamSocket } from "./_stream.ts";
import { STATUS_BUFFER_OVERFLOW } from "../irp/ntstatus.ts";
import type {
  WSK_PROVIDER_LISTEN_DISPATCH,
  WSK_PROVIDER_STREAM_DISPATCH,
} from "./dispatch_types.ts";
import { guardTable } from "./_guard.ts";

/** `WSK_PROVIDER_LISTEN_DISPATCH`: Basic embedded and flattened. */
export const ListenDispatch: WSK_PROVIDER_LISTEN_DISPATCH = guardTable<
  WSK_PROVIDER_LISTEN_DISPATCH
>({
  Basic: BasicDispatch,
  ...BasicDispatch,
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, ListenSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskAccept: (Socket, Flags, Context, Dispatch, Local, Remote, Irp) =>
    socketCall(
      Socket,
      Irp,
      ListenSocket,
      (s, irp) => s.accept(Flags, Context, Dispatch, Local, Remote, irp),
    ),
  WskInspectComplete: (Socket, InspectID, Action, Irp) =>
    socketCall(Socket, Irp, ListenSocket, (s, irp) => s.inspectComplete(InspectID, Action, irp)),
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, ListenSocket, (s, irp) => s.address(LocalAddress, irp)),
});

/** `WSK_PROVIDER_STREAM_DISPATCH`: calls go to the inner socket once the stream socket is committed. */
export const StreamDispatch: WSK_PROVIDER_STREAM_DISPATCH = guardTable<
  WSK_PROVIDER_STREAM_DISPATCH
>({
  Basic: BasicDispatch,
  ...BasicDispatch,
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, StreamSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskListen: (Socket, Irp) => socketCall(Socket, Irp, StreamSocket, (s, irp) => s.listen(irp)),
  WskConnect: (Socket, RemoteAddress, Flags, Irp) =>
    socketCall(Socket, Irp, StreamSocket, (s, irp) => s.connect(RemoteAddress, Flags, irp, null)),
  WskConnectEx: (Socket, RemoteAddress, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) =>
        Buffer && Buffer.Length > CONNECT_EX_LIMIT
          ? failIrp(irp, STATUS_BUFFER_OVERFLOW)
          : s.connect(RemoteAddress, Flags, irp, Buffer),
    ),
  WskAccept: (Socket, Flags, Context, Dispatch, Local, Remote, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) =>
        s.as(ListenSocket, irp, (l) => l.accept(Flags, Context, Dispatch, Local, Remote, irp)),
    ),
  WskSend: (Socket, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.send(Buffer, Flags, irp)),
    ),
  WskReceive: (Socket, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.receiveCall(Buffer, Flags, irp)),
    ),
  WskDisconnect: (Socket, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.disconnect(Buffer, Flags, irp)),
    ),
  WskRelease: (Socket, DataIndication) =>
    Socket instanceof StreamSocket && Socket.inner instanceof ConnectionSocket
      ? Socket.inner.receive.release(DataIndication)
      : STATUS_INVALID_PARAMETER,
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, StreamSocket, (s, irp) => s.localAddress(LocalAddress, irp)),
  WskGetRemoteAddress: (Socket, RemoteAddress, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.address(RemoteAddress, "remote", irp)),
    ),
  WskSendEx: reserved,
  WskReceiveEx: reserved,
});
