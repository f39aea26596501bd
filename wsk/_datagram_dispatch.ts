// Copyright 2026 the wskemu authors. MIT license.
// Internal: the WSK_PROVIDER_DATAGRAM_DISPATCH table. Each entry checks the
// socket and the IRP, then hands the call to the socket.
import { STATUS_INVALID_PARAMETER } from "../irp/ntstatus.ts";
import { BasicDispatch } from "./_connection_dispatch.ts";
import { DatagramSocket } from "./_datagram.ts";
import { socketCall } from "./_socket.ts";
import type { WSK_PROVIDER_DATAGRAM_DISPATCH } from "./dispatch_types.ts";
import { guardTable } from "./_guard.ts";

/** `WSK_PROVIDER_DATAGRAM_DISPATCH`: Basic embedded and flattened. */
export const DatagramDispatch: WSK_PROVIDER_DATAGRAM_DISPATCH = guardTable<
  WSK_PROVIDER_DATAGRAM_DISPATCH
>({
  Basic: BasicDispatch,
  ...BasicDispatch,
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, DatagramSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskSendTo: (Socket, Buffer, Flags, RemoteAddress, ControlInfoLength, _ControlInfo, Irp) =>
    socketCall(
      Socket,
      Irp,
      DatagramSocket,
      (s, irp) => s.sendTo(Buffer, Flags, RemoteAddress, ControlInfoLength, irp),
    ),
  WskReceiveFrom: (
    Socket,
    Buffer,
    Flags,
    RemoteAddress,
    ControlLength,
    _ControlInfo,
    ControlFlags,
    Irp,
  ) =>
    socketCall(
      Socket,
      Irp,
      DatagramSocket,
      (s, irp) => s.receiveFrom(Buffer, Flags, RemoteAddress, ControlLength, ControlFlags, irp),
    ),
  // No IRP and no closed check: a list retained before WskCloseSocket can
  // still be released until the close completes (a cancelled send's completion
  // routine does exactly that).
  WskRelease: (Socket, DatagramIndication) =>
    Socket instanceof DatagramSocket
      ? Socket.receiver.release(DatagramIndication)
      : STATUS_INVALID_PARAMETER,
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, DatagramSocket, (s, irp) => s.address(LocalAddress, irp)),
  WskSendMessages: (
    Socket,
    BufferList,
    Flags,
    RemoteAddress,
    ControlInfoLength,
    _ControlInfo,
    Irp,
  ) =>
    socketCall(
      Socket,
      Irp,
      DatagramSocket,
      (s, irp) => s.sendMessages(BufferList, Flags, RemoteAddress, ControlInfoLength, irp),
    ),
});
