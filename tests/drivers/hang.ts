// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for hang detection: it posts a receive on a datagram socket
// that nobody will ever send to, never cancels it, and unloads without
// closing the socket.
import {
  AF_INET,
  type DRIVER_OBJECT,
  IN4ADDR_SETLOOPBACK,
  IoAllocateIrp,
  IoAllocateMdl,
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
} from "../../mod.ts";
import { attach } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();
const Data = new Uint8Array(512);

async function call(Irp: IRP, issue: (Irp: IRP) => void): Promise<void> {
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
  await KeWaitForSingleObject(Event, 0, 0, false, null);
}

function ReceiveComplete(): NTSTATUS {
  return STATUS_MORE_PROCESSING_REQUIRED;
}

export async function DriverEntry(DriverObject: DRIVER_OBJECT): Promise<NTSTATUS> {
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!;
  await call(Irp, (Irp) =>
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
  await call(Irp, (Irp) => Dispatch.WskBind(Socket, Local, 0, Irp));
  const Mdl = IoAllocateMdl(Data, Data.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  const Receive = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Receive, ReceiveComplete, null, true, true, true);
  // The bug: nothing will ever arrive, and nothing cancels this receive.
  Dispatch.WskReceiveFrom(
    Socket,
    { Mdl, Offset: 0, Length: Data.length },
    0,
    null,
    null,
    null,
    null,
    Receive,
  );
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
