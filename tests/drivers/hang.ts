// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for hang detection: it posts a receive on a datagram socket
// that nobody will ever send to, never cancels it, and unloads without
// closing the socket.
import {
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoAllocateMdl,
  IoSetCompletionRoutine,
  MmBuildMdlForNonPagedPool,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
} from "../../mod.ts";
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
  const Mdl = IoAllocateMdl(Data, Data.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  const Receive = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Receive, ReceiveComplete, null, true, true, true);
  // The bug: nothing will ever arrive, and nothing cancels this receive.
  const Buffer = { Mdl, Offset: 0, Length: Data.length };
  Dispatch.WskReceiveFrom(Socket, Buffer, 0, null, null, null, null, Receive);
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
