// Copyright 2026 the wskemu authors. MIT license.
// A correct driver with a short, fixed life, for the trace tests: a datagram
// socket bound to 127.0.0.1 sends one datagram to itself, receives it and
// closes.
import {
  AF_INET,
  type DRIVER_OBJECT,
  IN4ADDR_SETLOOPBACK,
  IoAllocateIrp,
  IoAllocateMdl,
  IoFreeIrp,
  IoFreeMdl,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IPPROTO_UDP,
  type IRP,
  KeInitializeEvent,
  KeSetEvent,
  KEVENT,
  KeWaitForSingleObject,
  MmBuildMdlForNonPagedPool,
  NotificationEvent,
  type NTSTATUS,
  SOCK_DGRAM,
  type SOCKADDR_IN,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
  WSK_FLAG_DATAGRAM_SOCKET,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  type WSK_SOCKET,
  WskDeregister,
  WskReleaseProviderNPI,
} from "../../mod.ts";
import { attach } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();

/** Issues one call on `Irp` and returns a promise of its completion. */
function start(Irp: IRP, issue: (Irp: IRP) => void): Promise<NTSTATUS> {
  const Event = new KEVENT();
  KeInitializeEvent(Event, NotificationEvent, false);
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(
    Irp,
    (_D, _I, Context) => {
      KeSetEvent(Context as KEVENT, 0, false);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    Event,
    true,
    true,
    true,
  );
  issue(Irp);
  return KeWaitForSingleObject(Event, 0, 0, false, null).then(() => Irp.IoStatus.Status);
}

export async function DriverEntry(DriverObject: DRIVER_OBJECT): Promise<NTSTATUS> {
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!, Other = IoAllocateIrp(1, false)!;
  await start(Irp, (Irp) =>
    ProviderNpi.Dispatch!.WskSocket(
      ProviderNpi.Client,
      AF_INET,
      SOCK_DGRAM,
      IPPROTO_UDP,
      WSK_FLAG_DATAGRAM_SOCKET,
      null,
      null,
      null,
      null,
      null,
      Irp,
    ));
  const Socket = Irp.IoStatus.Information as WSK_SOCKET;
  const Dispatch = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
  const Local = {} as SOCKADDR_IN;
  IN4ADDR_SETLOOPBACK(Local);
  Local.sin_port = 0;
  await start(Irp, (Irp) => Dispatch.WskBind(Socket, Local, 0, Irp));
  const Bound = {} as SOCKADDR_IN;
  await start(Irp, (Irp) => Dispatch.WskGetLocalAddress(Socket, Bound, Irp));
  const Data = new Uint8Array(16).fill(0x5A);
  const Mdl = IoAllocateMdl(Data, Data.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  const Buffer = { Mdl, Offset: 0, Length: Data.length };
  const received = start(
    Other,
    (Irp) => Dispatch.WskReceiveFrom(Socket, Buffer, 0, null, null, null, null, Irp),
  );
  await start(Irp, (Irp) => Dispatch.WskSendTo(Socket, Buffer, 0, Bound, 0, null, Irp));
  await received;
  await start(Irp, (Irp) => Dispatch.WskCloseSocket(Socket, Irp));
  IoFreeMdl(Mdl);
  IoFreeIrp(Irp);
  IoFreeIrp(Other);
  WskReleaseProviderNPI(Registration);
  DriverObject.DriverUnload = () => WskDeregister(Registration);
  return STATUS_SUCCESS;
}
