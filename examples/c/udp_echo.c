/* Copyright 2026 the wskemu authors. MIT license.
 *
 * A UDP echo server in C on WskReceiveFromEvent: one dual-stack datagram
 * socket ([::], IPV6_V6ONLY = 0); the receive-from callback copies each
 * datagram into its own send context and sends it back with WskSendTo, at
 * DISPATCH_LEVEL, without a thread. Unload closes the socket and waits until
 * every send in flight has completed.
 *
 * Registry parameters (RegistryPath\Parameters): Port (REG_DWORD, 0 = any).
 *
 *   deno task driver build -o udp_echo.wasm examples/c/udp_echo.c
 *   deno task driver run udp_echo.wasm --param Port=7007
 */
#include <ntddk.h>
#include <wsk.h>

#define UDP_TAG 'pdUE'

/* One datagram on its way back: its IRP, its MDL, where it goes, its bytes. */
typedef struct _UDP_SEND {
  PIRP Irp;
  PMDL Mdl;
  SOCKADDR_STORAGE Remote;
  UCHAR Data[1];
} UDP_SEND, *PUDP_SEND;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD UdpUnload;
WSK_RECEIVE_FROM_EVENT UdpReceiveFromEvent;
IO_COMPLETION_ROUTINE UdpSendComplete;
IO_COMPLETION_ROUTINE UdpSignalComplete;

static const WSK_CLIENT_DISPATCH UdpClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static const WSK_CLIENT_DATAGRAM_DISPATCH UdpDatagramDispatch = {UdpReceiveFromEvent};
static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI ProviderNpi;
static PWSK_SOCKET Socket;
static LONG SendsInFlight;
static LONG Stopping;
static KEVENT Idle;
static ULONG Port;
static ULONG Echoed;

NTSTATUS UdpSignalComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Readies Irp for one more call whose completion signals Event. */
static PIRP UdpArm(PIRP Irp, PKEVENT Event) {
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  KeClearEvent(Event);
  IoSetCompletionRoutine(Irp, UdpSignalComplete, Event, TRUE, TRUE, TRUE);
  return Irp;
}

/* The final status of a call made with an armed IRP (PASSIVE_LEVEL only). */
static NTSTATUS UdpResult(PIRP Irp, PKEVENT Event, NTSTATUS Status) {
  if (Status != STATUS_PENDING && !NT_SUCCESS(Status)) return Status; /* refused: the IRP was not taken */
  KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
  return Irp->IoStatus.Status;
}

NTSTATUS UdpSendComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PUDP_SEND Send = (PUDP_SEND)Context;
  UNREFERENCED_PARAMETER(DeviceObject);
  if (NT_SUCCESS(Irp->IoStatus.Status)) InterlockedIncrement((PLONG)&Echoed);
  IoFreeMdl(Send->Mdl);
  IoFreeIrp(Irp);
  ExFreePoolWithTag(Send, UDP_TAG);
  if (InterlockedDecrement(&SendsInFlight) == 0 && Stopping) KeSetEvent(&Idle, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Copies a WSK_BUF's bytes out of its MDL chain. */
static VOID UdpCopy(PUCHAR Target, const WSK_BUF *Buffer) {
  SIZE_T Left = Buffer->Length;
  ULONG Offset = Buffer->Offset;
  for (PMDL Mdl = Buffer->Mdl; Mdl != NULL && Left > 0; Mdl = Mdl->Next) {
    PUCHAR Va = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority);
    SIZE_T Take = min(MmGetMdlByteCount(Mdl) - Offset, Left);
    RtlCopyMemory(Target, Va + Offset, Take);
    Target += Take;
    Left -= Take;
    Offset = 0;
  }
}

static VOID UdpEcho(const WSK_DATAGRAM_INDICATION *Datagram) {
  PWSK_PROVIDER_DATAGRAM_DISPATCH Dispatch = (PWSK_PROVIDER_DATAGRAM_DISPATCH)Socket->Dispatch;
  SIZE_T Length = Datagram->Buffer.Length;
  PUDP_SEND Send = ExAllocatePoolUninitialized(NonPagedPoolNx, FIELD_OFFSET(UDP_SEND, Data) + Length + 1, UDP_TAG);
  WSK_BUF Buffer;
  if (Send == NULL) return; /* a datagram may be dropped, as UDP allows */
  Send->Irp = IoAllocateIrp(1, FALSE);
  Send->Mdl = IoAllocateMdl(Send->Data, (ULONG)max(Length, 1), FALSE, FALSE, NULL);
  if (Send->Irp == NULL || Send->Mdl == NULL) {
    if (Send->Irp) IoFreeIrp(Send->Irp);
    if (Send->Mdl) IoFreeMdl(Send->Mdl);
    ExFreePoolWithTag(Send, UDP_TAG);
    return;
  }
  MmBuildMdlForNonPagedPool(Send->Mdl);
  UdpCopy(Send->Data, &Datagram->Buffer);
  RtlCopyMemory(&Send->Remote, Datagram->RemoteAddress,
                Datagram->RemoteAddress->sa_family == AF_INET6 ? sizeof(SOCKADDR_IN6) : sizeof(SOCKADDR_IN));
  Buffer.Mdl = Send->Mdl;
  Buffer.Offset = 0;
  Buffer.Length = Length;
  IoSetCompletionRoutine(Send->Irp, UdpSendComplete, Send, TRUE, TRUE, TRUE);
  InterlockedIncrement(&SendsInFlight);
  Dispatch->WskSendTo(Socket, &Buffer, 0, (PSOCKADDR)&Send->Remote, 0, NULL, Send->Irp);
}

NTSTATUS WSKAPI UdpReceiveFromEvent(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication) {
  UNREFERENCED_PARAMETER(SocketContext);
  UNREFERENCED_PARAMETER(Flags);
  for (PWSK_DATAGRAM_INDICATION Datagram = DataIndication; Datagram != NULL; Datagram = Datagram->Next)
    if (!Stopping) UdpEcho(Datagram);
  return STATUS_SUCCESS;
}

VOID UdpUnload(PDRIVER_OBJECT DriverObject) {
  KEVENT Event;
  PIRP Irp = IoAllocateIrp(1, FALSE);
  UNREFERENCED_PARAMETER(DriverObject);
  InterlockedExchange(&Stopping, 1);
  KeInitializeEvent(&Event, NotificationEvent, FALSE);
  if (Irp != NULL) {
    UdpResult(Irp, &Event,
              ((PWSK_PROVIDER_DATAGRAM_DISPATCH)Socket->Dispatch)->WskCloseSocket(Socket, UdpArm(Irp, &Event)));
    IoFreeIrp(Irp);
  }
  if (InterlockedCompareExchange(&SendsInFlight, 0, 0) != 0)
    KeWaitForSingleObject(&Idle, Executive, KernelMode, FALSE, NULL);
  WskReleaseProviderNPI(&Registration);
  WskDeregister(&Registration);
  DbgPrint("udp_echo: stopped after echoing %u datagrams\n", Echoed);
}

static NTSTATUS UdpOpen(void) {
  KEVENT Event;
  PIRP Irp = IoAllocateIrp(1, FALSE);
  ULONG V6Only = 0;
  SOCKADDR_IN6 Address;
  WSK_EVENT_CALLBACK_CONTROL Callbacks = {(PNPIID)&NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM};
  PWSK_PROVIDER_DATAGRAM_DISPATCH Dispatch;
  NTSTATUS Status;
  if (Irp == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  KeInitializeEvent(&Event, NotificationEvent, FALSE);
  Status = UdpResult(Irp, &Event,
                     ProviderNpi.Dispatch->WskSocket(ProviderNpi.Client, AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
                                                     WSK_FLAG_DATAGRAM_SOCKET, NULL, &UdpDatagramDispatch, NULL,
                                                     NULL, NULL, UdpArm(Irp, &Event)));
  if (!NT_SUCCESS(Status)) goto out;
  Socket = (PWSK_SOCKET)Irp->IoStatus.Information;
  Dispatch = (PWSK_PROVIDER_DATAGRAM_DISPATCH)Socket->Dispatch;
  Status = UdpResult(Irp, &Event,
                     Dispatch->WskControlSocket(Socket, WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6, sizeof(V6Only),
                                                &V6Only, 0, NULL, NULL, UdpArm(Irp, &Event)));
  if (!NT_SUCCESS(Status)) goto out;
  IN6ADDR_SETANY(&Address);
  Address.sin6_port = RtlUshortByteSwap((USHORT)Port);
  Status = UdpResult(Irp, &Event, Dispatch->WskBind(Socket, (PSOCKADDR)&Address, 0, UdpArm(Irp, &Event)));
  if (!NT_SUCCESS(Status)) goto out;
  /* Enabling an event callback needs no IRP. */
  Status = Dispatch->WskControlSocket(Socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(Callbacks),
                                      &Callbacks, 0, NULL, NULL, NULL);
  if (!NT_SUCCESS(Status)) goto out;
  Status = UdpResult(Irp, &Event, Dispatch->WskGetLocalAddress(Socket, (PSOCKADDR)&Address, UdpArm(Irp, &Event)));
  if (NT_SUCCESS(Status)) DbgPrint("udp_echo: listening on [::]:%u\n", RtlUshortByteSwap(Address.sin6_port));
out:
  IoFreeIrp(Irp);
  return Status;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  WSK_CLIENT_NPI ClientNpi = {NULL, &UdpClientDispatch};
  RTL_QUERY_REGISTRY_TABLE Query[2];
  UNICODE_STRING Parameters;
  NTSTATUS Status;

  Parameters.MaximumLength = RegistryPath->Length + sizeof(L"\\Parameters");
  Parameters.Length = 0;
  Parameters.Buffer = ExAllocatePool2(POOL_FLAG_PAGED, Parameters.MaximumLength, UDP_TAG);
  if (Parameters.Buffer == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  RtlCopyUnicodeString(&Parameters, RegistryPath);
  RtlAppendUnicodeToString(&Parameters, L"\\Parameters");
  RtlZeroMemory(Query, sizeof(Query));
  Query[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
  Query[0].Name = L"Port";
  Query[0].EntryContext = &Port;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, Parameters.Buffer, Query, NULL, NULL);
  ExFreePoolWithTag(Parameters.Buffer, UDP_TAG);
  if (!NT_SUCCESS(Status)) {
    DbgPrint("udp_echo: the Port parameter is missing (0x%08X)\n", Status);
    return Status;
  }
  KeInitializeEvent(&Idle, NotificationEvent, FALSE);
  Status = WskRegister(&ClientNpi, &Registration);
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &ProviderNpi);
  if (NT_SUCCESS(Status)) {
    Status = UdpOpen();
    if (NT_SUCCESS(Status)) {
      DriverObject->DriverUnload = UdpUnload;
      return STATUS_SUCCESS;
    }
    WskReleaseProviderNPI(&Registration);
  }
  WskDeregister(&Registration);
  return Status;
}
