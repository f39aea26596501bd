// Copyright 2026 the wskemu authors. MIT license.
// A correct driver with a short, fixed life, for the trace tests: a datagram
// socket bound to 127.0.0.1 sends one datagram to itself, receives it and
// closes.
import {
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoAllocateMdl,
  IoFreeIrp,
  IoFreeMdl,
  MmBuildMdlForNonPagedPool,
  type NTSTATUS,
  type SOCKADDR_IN,
  STATUS_SUCCESS,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WskDeregister,
  WskReleaseProviderNPI,
} from "../../mod.ts";
import { syncCall } from "../../examples/_server.ts";
import { attach, loopbackDatagramSocket } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();

export async function DriverEntry(DriverObject: DRIVER_OBJECT): Promise<NTSTATUS> {
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!, Other = IoAllocateIrp(1, false)!;
  const { Socket, Dispatch } = await loopbackDatagramSocket(ProviderNpi, Irp);
  const Bound = {} as SOCKADDR_IN;
  await syncCall(Irp, (Irp) => Dispatch.WskGetLocalAddress(Socket, Bound, Irp));
  const Data = new Uint8Array(16).fill(0x5A);
  const Mdl = IoAllocateMdl(Data, Data.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  const Buffer = { Mdl, Offset: 0, Length: Data.length };
  const received = syncCall(
    Other,
    (Irp) => Dispatch.WskReceiveFrom(Socket, Buffer, 0, null, null, null, null, Irp),
  );
  await syncCall(Irp, (Irp) => Dispatch.WskSendTo(Socket, Buffer, 0, Bound, 0, null, Irp));
  await received;
  await syncCall(Irp, (Irp) => Dispatch.WskCloseSocket(Socket, Irp));
  IoFreeMdl(Mdl);
  IoFreeIrp(Irp);
  IoFreeIrp(Other);
  WskReleaseProviderNPI(Registration);
  DriverObject.DriverUnload = () => WskDeregister(Registration);
  return STATUS_SUCCESS;
}
