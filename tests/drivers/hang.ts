// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for hang detection: it sends a request from one datagram
// socket to a peer socket that is gone (closed), posts a receive for the reply
// that can never come, never cancels it, and unloads without closing the
// socket. A datagram socket has no connection, so nothing tells it the peer
// left: only the verifier's hang detection finds the receive.
import {
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoAllocateMdl,
  IoSetCompletionRoutine,
  MmBuildMdlForNonPagedPool,
  type NTSTATUS,
  type SOCKADDR_IN,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
} from "../../mod.ts";
import { syncCall } from "../../examples/_server.ts";
import { attach, loopbackDatagramSocket } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();
const Data = new Uint8Array(512);

function ReceiveComplete(): NTSTATUS {
  return STATUS_MORE_PROCESSING_REQUIRED;
}

export async function DriverEntry(DriverObject: DRIVER_OBJECT): Promise<NTSTATUS> {
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!;
  const { Socket, Dispatch } = await loopbackDatagramSocket(ProviderNpi, Irp);
  // The peer: a socket that answers requests, until it is closed.
  const Peer = await loopbackDatagramSocket(ProviderNpi, Irp);
  const PeerAddress = {} as SOCKADDR_IN;
  await syncCall(Irp, (Irp) => Peer.Dispatch.WskGetLocalAddress(Peer.Socket, PeerAddress, Irp));
  await syncCall(Irp, (Irp) => Peer.Dispatch.WskCloseSocket(Peer.Socket, Irp));
  const Mdl = IoAllocateMdl(Data, Data.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  const Buffer = { Mdl, Offset: 0, Length: Data.length };
  await syncCall(Irp, (Irp) => Dispatch.WskSendTo(Socket, Buffer, 0, PeerAddress, 0, null, Irp));
  const Receive = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Receive, ReceiveComplete, null, true, true, true);
  // The bug: the peer is gone, the reply will never come, and nothing cancels this receive.
  Dispatch.WskReceiveFrom(Socket, Buffer, 0, null, null, null, null, Receive);
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
