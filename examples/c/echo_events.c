/* Copyright 2026 the wskemu authors. MIT license.
 *
 * A TCP echo server in C driven entirely by event callbacks, at
 * DISPATCH_LEVEL, with no thread: WskAcceptEvent on a dual-stack listening
 * socket, then per connection WskReceiveEvent (each indicated chain is kept,
 * returned STATUS_PENDING, sent back as it is, and handed back with WskRelease
 * once the sends completed) and WskDisconnectEvent (graceful: disconnect and
 * close once everything is echoed).
 *
 * Registry parameters (RegistryPath\Parameters): Port (REG_DWORD, 0 = any).
 *
 *   deno task driver build -o echo_events.wasm examples/c/echo_events.c
 *   deno task driver run echo_events.wasm --param Port=7007
 */
#include <ntddk.h>
#include <wsk.h>

#define EV_TAG 'vEoE'

typedef struct _EV_CONNECTION {
  LIST_ENTRY Link;
  PWSK_SOCKET Socket;
  PIRP ControlIrp; /* the disconnect, then the close */
  LONG ChainsInFlight;
  BOOLEAN PeerClosed;
  BOOLEAN Disconnecting;
  BOOLEAN Closing;
} EV_CONNECTION, *PEV_CONNECTION;

/* One indicated chain being echoed: released when its last send completes. */
typedef struct _EV_CHAIN {
  PEV_CONNECTION Connection;
  PWSK_DATA_INDICATION Head;
  LONG SendsLeft;
} EV_CHAIN, *PEV_CHAIN;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD EvUnload;
WSK_ACCEPT_EVENT EvAccept;
WSK_RECEIVE_EVENT EvReceive;
WSK_DISCONNECT_EVENT EvDisconnect;
IO_COMPLETION_ROUTINE EvSendComplete;
IO_COMPLETION_ROUTINE EvDisconnectComplete;
IO_COMPLETION_ROUTINE EvCloseComplete;
IO_COMPLETION_ROUTINE EvWake;

static const WSK_CLIENT_DISPATCH EvClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static const WSK_CLIENT_LISTEN_DISPATCH EvListenDispatch = {EvAccept, NULL, NULL};
static const WSK_CLIENT_CONNECTION_DISPATCH EvConnectionDispatch = {EvReceive, EvDisconnect, NULL};
static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI ProviderNpi;
static PWSK_SOCKET Listener;
static LIST_ENTRY Live;
static KSPIN_LOCK LiveLock;
static KEVENT AllClosed;
static LONG Stopping;
static ULONG Port;

#define CONN_DISPATCH(Connection) ((PWSK_PROVIDER_CONNECTION_DISPATCH)(Connection)->Socket->Dispatch)

NTSTATUS EvCloseComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PEV_CONNECTION Connection = Context;
  KIRQL OldIrql;
  UNREFERENCED_PARAMETER(DeviceObject);
  IoFreeIrp(Irp);
  KeAcquireSpinLock(&LiveLock, &OldIrql);
  RemoveEntryList(&Connection->Link);
  BOOLEAN Empty = IsListEmpty(&Live);
  KeReleaseSpinLock(&LiveLock, OldIrql);
  ExFreePoolWithTag(Connection, EV_TAG);
  if (Empty && Stopping) KeSetEvent(&AllClosed, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID EvClose(PEV_CONNECTION Connection) {
  PIRP Irp = Connection->ControlIrp;
  if (Connection->Closing) return;
  if (Connection->Disconnecting && Connection->ControlIrp->CurrentLocation <= Connection->ControlIrp->StackCount) {
    IoCancelIrp(Irp); /* the disconnect in flight completes, then closes */
    return;
  }
  Connection->Closing = TRUE;
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(Irp, EvCloseComplete, Connection, TRUE, TRUE, TRUE);
  CONN_DISPATCH(Connection)->WskCloseSocket(Connection->Socket, Irp);
}

NTSTATUS EvDisconnectComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  EvClose((PEV_CONNECTION)Context);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The peer finished and everything it sent went back: finish our side too. */
static VOID EvFinishIfDone(PEV_CONNECTION Connection) {
  if (!Connection->PeerClosed || Connection->ChainsInFlight != 0 || Connection->Disconnecting || Connection->Closing)
    return;
  Connection->Disconnecting = TRUE;
  IoReuseIrp(Connection->ControlIrp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(Connection->ControlIrp, EvDisconnectComplete, Connection, TRUE, TRUE, TRUE);
  CONN_DISPATCH(Connection)->WskDisconnect(Connection->Socket, NULL, 0, Connection->ControlIrp);
}

NTSTATUS EvSendComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PEV_CHAIN Chain = Context;
  PEV_CONNECTION Connection = Chain->Connection;
  UNREFERENCED_PARAMETER(DeviceObject);
  IoFreeIrp(Irp);
  if (InterlockedDecrement(&Chain->SendsLeft) == 0) {
    CONN_DISPATCH(Connection)->WskRelease(Connection->Socket, Chain->Head);
    ExFreePoolWithTag(Chain, EV_TAG);
    InterlockedDecrement(&Connection->ChainsInFlight);
    EvFinishIfDone(Connection);
  }
  return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS WSKAPI EvReceive(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                          SIZE_T BytesIndicated, SIZE_T *BytesAccepted) {
  PEV_CONNECTION Connection = SocketContext;
  PEV_CHAIN Chain;
  LONG Count = 0;
  UNREFERENCED_PARAMETER(Flags);
  UNREFERENCED_PARAMETER(BytesIndicated);
  *BytesAccepted = 0;
  if (DataIndication == NULL) { /* the connection is gone */
    Connection->PeerClosed = TRUE;
    EvFinishIfDone(Connection);
    return STATUS_SUCCESS;
  }
  Chain = ExAllocatePoolZero(NonPagedPoolNx, sizeof(*Chain), EV_TAG);
  if (Chain == NULL) return STATUS_DATA_NOT_ACCEPTED;
  for (PWSK_DATA_INDICATION d = DataIndication; d != NULL; d = d->Next) Count++;
  Chain->Connection = Connection;
  Chain->Head = DataIndication;
  Chain->SendsLeft = Count;
  InterlockedIncrement(&Connection->ChainsInFlight);
  for (PWSK_DATA_INDICATION d = DataIndication; d != NULL; d = d->Next) {
    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp == NULL) { /* cannot echo it: treat the send as failed */
      InterlockedDecrement(&Chain->SendsLeft);
      continue;
    }
    IoSetCompletionRoutine(Irp, EvSendComplete, Chain, TRUE, TRUE, TRUE);
    CONN_DISPATCH(Connection)->WskSend(Connection->Socket, &d->Buffer, 0, Irp);
  }
  return STATUS_PENDING; /* the chain is ours until WskRelease */
}

NTSTATUS WSKAPI EvDisconnect(PVOID SocketContext, ULONG Flags) {
  PEV_CONNECTION Connection = SocketContext;
  Connection->PeerClosed = TRUE;
  if (Flags & WSK_FLAG_ABORTIVE) EvClose(Connection);
  else EvFinishIfDone(Connection);
  return STATUS_SUCCESS;
}

NTSTATUS WSKAPI EvAccept(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
                         PWSK_SOCKET AcceptSocket, PVOID *AcceptSocketContext,
                         const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch) {
  PEV_CONNECTION Connection;
  KIRQL OldIrql;
  UNREFERENCED_PARAMETER(SocketContext);
  UNREFERENCED_PARAMETER(Flags);
  UNREFERENCED_PARAMETER(LocalAddress);
  UNREFERENCED_PARAMETER(RemoteAddress);
  if (AcceptSocket == NULL || Stopping) return STATUS_REQUEST_NOT_ACCEPTED;
  Connection = ExAllocatePoolZero(NonPagedPoolNx, sizeof(*Connection), EV_TAG);
  if (Connection == NULL) return STATUS_REQUEST_NOT_ACCEPTED;
  Connection->ControlIrp = IoAllocateIrp(1, FALSE);
  if (Connection->ControlIrp == NULL) {
    ExFreePoolWithTag(Connection, EV_TAG);
    return STATUS_REQUEST_NOT_ACCEPTED;
  }
  Connection->Socket = AcceptSocket;
  KeAcquireSpinLock(&LiveLock, &OldIrql);
  InsertTailList(&Live, &Connection->Link);
  KeReleaseSpinLock(&LiveLock, OldIrql);
  *AcceptSocketContext = Connection;
  *AcceptSocketDispatch = &EvConnectionDispatch;
  return STATUS_SUCCESS;
}

NTSTATUS EvWake(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* One request on Irp, waited for at PASSIVE_LEVEL. */
static NTSTATUS EvSync(PIRP Irp, NTSTATUS (*Issue)(PVOID, PIRP), PVOID Argument) {
  KEVENT Done;
  NTSTATUS Status;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(Irp, EvWake, &Done, TRUE, TRUE, TRUE);
  Status = Issue(Argument, Irp);
  if (Status != STATUS_PENDING && !NT_SUCCESS(Status)) return Status;
  KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
  return Irp->IoStatus.Status;
}

static NTSTATUS IssueSocket(PVOID Argument, PIRP Irp) {
  UNREFERENCED_PARAMETER(Argument);
  return ProviderNpi.Dispatch->WskSocket(ProviderNpi.Client, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
                                         WSK_FLAG_LISTEN_SOCKET, NULL, &EvListenDispatch, NULL, NULL, NULL, Irp);
}

static NTSTATUS IssueDualStack(PVOID Argument, PIRP Irp) {
  static ULONG Off = 0;
  UNREFERENCED_PARAMETER(Argument);
  return ((PWSK_PROVIDER_LISTEN_DISPATCH)Listener->Dispatch)
      ->WskControlSocket(Listener, WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6, sizeof(Off), &Off, 0, NULL, NULL, Irp);
}

static NTSTATUS IssueBind(PVOID Argument, PIRP Irp) {
  return ((PWSK_PROVIDER_LISTEN_DISPATCH)Listener->Dispatch)->WskBind(Listener, (PSOCKADDR)Argument, 0, Irp);
}

static NTSTATUS IssueLocalAddress(PVOID Argument, PIRP Irp) {
  return ((PWSK_PROVIDER_LISTEN_DISPATCH)Listener->Dispatch)->WskGetLocalAddress(Listener, (PSOCKADDR)Argument, Irp);
}

static NTSTATUS IssueClose(PVOID Argument, PIRP Irp) {
  PWSK_SOCKET Socket = Argument;
  return ((PWSK_PROVIDER_BASIC_DISPATCH)Socket->Dispatch)->WskCloseSocket(Socket, Irp);
}

static NTSTATUS EvListen(void) {
  PIRP Irp = IoAllocateIrp(1, FALSE);
  SOCKADDR_IN6 Address;
  NTSTATUS Status;
  if (Irp == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  Status = EvSync(Irp, IssueSocket, NULL);
  if (NT_SUCCESS(Status)) {
    Listener = (PWSK_SOCKET)Irp->IoStatus.Information;
    Status = EvSync(Irp, IssueDualStack, NULL);
  }
  if (NT_SUCCESS(Status)) {
    IN6ADDR_SETANY(&Address);
    Address.sin6_port = RtlUshortByteSwap((USHORT)Port);
    Status = EvSync(Irp, IssueBind, &Address);
  }
  if (NT_SUCCESS(Status)) Status = EvSync(Irp, IssueLocalAddress, &Address);
  if (NT_SUCCESS(Status)) DbgPrint("echo_events: listening on [::]:%u\n", RtlUshortByteSwap(Address.sin6_port));
  IoFreeIrp(Irp);
  return Status;
}

VOID EvUnload(PDRIVER_OBJECT DriverObject) {
  PIRP Irp = IoAllocateIrp(1, FALSE);
  KIRQL OldIrql;
  UNREFERENCED_PARAMETER(DriverObject);
  InterlockedExchange(&Stopping, 1);
  if (Irp != NULL) {
    EvSync(Irp, IssueClose, Listener);
    IoFreeIrp(Irp);
  }
  KeAcquireSpinLock(&LiveLock, &OldIrql);
  BOOLEAN Empty = IsListEmpty(&Live);
  for (PLIST_ENTRY e = Live.Flink; e != &Live; e = e->Flink) EvClose(CONTAINING_RECORD(e, EV_CONNECTION, Link));
  KeReleaseSpinLock(&LiveLock, OldIrql);
  if (!Empty) KeWaitForSingleObject(&AllClosed, Executive, KernelMode, FALSE, NULL);
  WskReleaseProviderNPI(&Registration);
  WskDeregister(&Registration);
  DbgPrint("echo_events: stopped\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  WSK_CLIENT_NPI ClientNpi = {NULL, &EvClientDispatch};
  /* Static events: every listening socket accepts, every accepted socket indicates. */
  WSK_EVENT_CALLBACK_CONTROL Events = {(PNPIID)&NPI_WSK_INTERFACE_ID,
                                       WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT};
  RTL_QUERY_REGISTRY_TABLE Query[3];
  WCHAR Path[256];
  UNICODE_STRING Key = {0, sizeof(Path) - sizeof(WCHAR), Path};
  NTSTATUS Status;

  RtlZeroMemory(Path, sizeof(Path));
  RtlCopyUnicodeString(&Key, RegistryPath);
  RtlZeroMemory(Query, sizeof(Query));
  Query[0].Flags = RTL_QUERY_REGISTRY_SUBKEY; /* the values below are in RegistryPath\Parameters */
  Query[0].Name = L"Parameters";
  Query[1].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
  Query[1].Name = L"Port";
  Query[1].EntryContext = &Port;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, Path, Query, NULL, NULL);
  if (!NT_SUCCESS(Status)) {
    DbgPrint("echo_events: the Port parameter is missing (0x%08X)\n", Status);
    return Status;
  }
  InitializeListHead(&Live);
  KeInitializeSpinLock(&LiveLock);
  KeInitializeEvent(&AllClosed, NotificationEvent, FALSE);
  Status = WskRegister(&ClientNpi, &Registration);
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &ProviderNpi);
  if (NT_SUCCESS(Status)) {
    Status = ProviderNpi.Dispatch->WskControlClient(ProviderNpi.Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(Events),
                                                    &Events, 0, NULL, NULL, NULL);
    if (NT_SUCCESS(Status)) Status = EvListen();
    if (NT_SUCCESS(Status)) {
      DriverObject->DriverUnload = EvUnload;
      return STATUS_SUCCESS;
    }
    if (Listener != NULL) {
      PIRP Irp = IoAllocateIrp(1, FALSE);
      if (Irp != NULL) {
        EvSync(Irp, IssueClose, Listener);
        IoFreeIrp(Irp);
      }
    }
    WskReleaseProviderNPI(&Registration);
  }
  WskDeregister(&Registration);
  return Status;
}
