/* Copyright 2026 the wskemu authors. MIT license.
 *
 * A TCP echo server in the structure of a classic WSK kernel server: a static
 * WskAcceptEvent on a dual-stack listening socket ([::], IPV6_V6ONLY = 0),
 * one worker thread that does all PASSIVE_LEVEL work, completion routines
 * that only queue work for it through an SList, one IRP per connection
 * reused with IoReuseIrp for every receive, send, disconnect and close, and
 * WPP-style tracing (DoTraceMessage; the build supplies echosrv.tmh).
 *
 * Registry parameters (RegistryPath\Parameters): Port (REG_DWORD, 0 = any).
 *
 *   deno task driver build -o echosrv.wasm examples/c/echosrv.c
 *   deno task driver run echosrv.wasm --param Port=7007
 */
#include <ntddk.h>
#include <wsk.h>

#define WPP_CONTROL_GUIDS                                                            \
  WPP_DEFINE_CONTROL_GUID(EchoServerTrace, (8a1b2c3d, 4e5f, 4a6b, 9c7d, 0e1f2a3b4c5d), \
                          WPP_DEFINE_BIT(TRACE_INIT) WPP_DEFINE_BIT(TRACE_CONNECTION))
#include "echosrv.tmh"

#define ECHO_TAG 'ohcE'
#define ECHO_BUFFER_SIZE (16 * 1024)

typedef enum _ECHO_STATE { EchoNew, EchoReceiving, EchoSending, EchoDisconnecting, EchoClosing } ECHO_STATE;

/* One accepted connection: its socket, its one IRP, its buffer. */
typedef struct _ECHO_CONNECTION {
  SLIST_ENTRY WorkEntry; /* queued to the worker (by the accept event and the completion routine) */
  LIST_ENTRY Link;       /* on the list of live connections */
  PWSK_SOCKET Socket;
  PIRP Irp;
  PMDL Mdl;
  ECHO_STATE State;
  UCHAR Buffer[ECHO_BUFFER_SIZE];
} ECHO_CONNECTION, *PECHO_CONNECTION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD EchoUnload;
KSTART_ROUTINE EchoWorker;
IO_COMPLETION_ROUTINE EchoOperationComplete;
IO_COMPLETION_ROUTINE EchoSignalComplete;
WSK_ACCEPT_EVENT EchoAcceptEvent;

static const WSK_CLIENT_DISPATCH EchoClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static const WSK_CLIENT_LISTEN_DISPATCH EchoListenDispatch = {EchoAcceptEvent, NULL, NULL};
static const WSK_CLIENT_CONNECTION_DISPATCH EchoConnectionDispatch = {NULL, NULL, NULL};

static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI ProviderNpi;
static PWSK_SOCKET ListenSocket;
static SLIST_HEADER WorkList;
static KEVENT WorkEvent;
static LIST_ENTRY Connections;
static KSPIN_LOCK ConnectionsLock;
static LONG Stopping;
static PETHREAD Worker;
static ULONG Port;

/* ---- synchronous helpers for DriverEntry and the worker ------------------------- */

NTSTATUS EchoSignalComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Prepares Irp for a call whose completion sets Event; the caller waits with EchoWait. */
static PIRP EchoSyncIrp(PIRP Irp, PKEVENT Event) {
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  KeResetEvent(Event);
  IoSetCompletionRoutine(Irp, EchoSignalComplete, Event, TRUE, TRUE, TRUE);
  return Irp;
}

/* A call that pended (or succeeded) completes its IRP; one that failed at once did not take it. */
static NTSTATUS EchoWait(PIRP Irp, PKEVENT Event, NTSTATUS Status) {
  if (Status == STATUS_PENDING || NT_SUCCESS(Status)) {
    KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
    return Irp->IoStatus.Status;
  }
  return Status;
}

static NTSTATUS EchoReadPort(PUNICODE_STRING RegistryPath) {
  OBJECT_ATTRIBUTES Attributes;
  HANDLE Key;
  UNICODE_STRING ValueName = RTL_CONSTANT_STRING(L"Port");
  WCHAR Path[256];
  UNICODE_STRING KeyName = {0, sizeof(Path), Path};
  UCHAR Buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
  PKEY_VALUE_PARTIAL_INFORMATION Value = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
  ULONG Length;
  NTSTATUS Status;

  RtlCopyUnicodeString(&KeyName, RegistryPath);
  RtlAppendUnicodeToString(&KeyName, L"\\Parameters");
  InitializeObjectAttributes(&Attributes, &KeyName, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
  Status = ZwOpenKey(&Key, KEY_READ, &Attributes);
  if (!NT_SUCCESS(Status)) return Status;
  Status = ZwQueryValueKey(Key, &ValueName, KeyValuePartialInformation, Value, sizeof(Buffer), &Length);
  if (NT_SUCCESS(Status) && Value->Type == REG_DWORD && Value->DataLength == sizeof(ULONG))
    Port = *(PULONG)Value->Data;
  else if (NT_SUCCESS(Status))
    Status = STATUS_INVALID_PARAMETER;
  ZwClose(Key);
  return Status;
}

/* ---- connections ------------------------------------------------------------------ */

static VOID EchoQueue(PECHO_CONNECTION Connection) {
  InterlockedPushEntrySList(&WorkList, &Connection->WorkEntry);
  KeSetEvent(&WorkEvent, IO_NO_INCREMENT, FALSE);
}

NTSTATUS EchoOperationComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  EchoQueue((PECHO_CONNECTION)Context);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS WSKAPI EchoAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
                                PWSK_SOCKET AcceptSocket, PVOID *AcceptSocketContext,
                                const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch) {
  PECHO_CONNECTION Connection;
  KIRQL OldIrql;
  UNREFERENCED_PARAMETER(SocketContext);
  UNREFERENCED_PARAMETER(Flags);
  UNREFERENCED_PARAMETER(LocalAddress);
  UNREFERENCED_PARAMETER(RemoteAddress);
  if (AcceptSocket == NULL || Stopping) return STATUS_REQUEST_NOT_ACCEPTED;
  Connection = ExAllocatePoolZero(NonPagedPoolNx, sizeof(*Connection), ECHO_TAG);
  if (Connection == NULL) return STATUS_REQUEST_NOT_ACCEPTED;
  Connection->Irp = IoAllocateIrp(1, FALSE);
  Connection->Mdl = IoAllocateMdl(Connection->Buffer, ECHO_BUFFER_SIZE, FALSE, FALSE, NULL);
  if (Connection->Irp == NULL || Connection->Mdl == NULL) {
    if (Connection->Irp) IoFreeIrp(Connection->Irp);
    if (Connection->Mdl) IoFreeMdl(Connection->Mdl);
    ExFreePoolWithTag(Connection, ECHO_TAG);
    return STATUS_REQUEST_NOT_ACCEPTED;
  }
  MmBuildMdlForNonPagedPool(Connection->Mdl);
  Connection->Socket = AcceptSocket;
  Connection->State = EchoNew;
  KeAcquireSpinLock(&ConnectionsLock, &OldIrql);
  InsertTailList(&Connections, &Connection->Link);
  KeReleaseSpinLock(&ConnectionsLock, OldIrql);
  *AcceptSocketContext = Connection;
  *AcceptSocketDispatch = &EchoConnectionDispatch;
  DoTraceMessage(TRACE_CONNECTION, "accepted connection %p", Connection);
  EchoQueue(Connection);
  return STATUS_SUCCESS;
}

/* Starts the connection's next operation on its IRP; its completion queues the connection again. */
static VOID EchoStart(PECHO_CONNECTION Connection, ECHO_STATE State, SIZE_T Length) {
  PWSK_PROVIDER_CONNECTION_DISPATCH Dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)Connection->Socket->Dispatch;
  WSK_BUF Buffer = {Connection->Mdl, 0, Length};
  PIRP Irp = Connection->Irp;
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(Irp, EchoOperationComplete, Connection, TRUE, TRUE, TRUE);
  Connection->State = State;
  switch (State) {
    case EchoReceiving:
      Dispatch->WskReceive(Connection->Socket, &Buffer, 0, Irp);
      break;
    case EchoSending:
      Dispatch->WskSend(Connection->Socket, &Buffer, 0, Irp);
      break;
    case EchoDisconnecting:
      Dispatch->WskDisconnect(Connection->Socket, NULL, 0, Irp);
      break;
    default:
      Dispatch->WskCloseSocket(Connection->Socket, Irp);
      break;
  }
}

static VOID EchoFree(PECHO_CONNECTION Connection) {
  KIRQL OldIrql;
  KeAcquireSpinLock(&ConnectionsLock, &OldIrql);
  RemoveEntryList(&Connection->Link);
  KeReleaseSpinLock(&ConnectionsLock, OldIrql);
  IoFreeMdl(Connection->Mdl);
  IoFreeIrp(Connection->Irp);
  ExFreePoolWithTag(Connection, ECHO_TAG);
}

/* What a finished operation leads to. */
static VOID EchoAdvance(PECHO_CONNECTION Connection) {
  NTSTATUS Status = Connection->Irp->IoStatus.Status;
  ULONG_PTR Bytes = Connection->Irp->IoStatus.Information;
  switch (Connection->State) {
    case EchoNew:
      EchoStart(Connection, EchoReceiving, ECHO_BUFFER_SIZE);
      break;
    case EchoReceiving:
      if (NT_SUCCESS(Status) && Bytes > 0 && !Stopping) EchoStart(Connection, EchoSending, Bytes);
      else if (NT_SUCCESS(Status) && !Stopping) EchoStart(Connection, EchoDisconnecting, 0);
      else EchoStart(Connection, EchoClosing, 0);
      break;
    case EchoSending:
      EchoStart(Connection, NT_SUCCESS(Status) && !Stopping ? EchoReceiving : EchoClosing, ECHO_BUFFER_SIZE);
      break;
    case EchoDisconnecting:
      EchoStart(Connection, EchoClosing, 0);
      break;
    case EchoClosing:
      DoTraceMessage(TRACE_CONNECTION, "connection %p closed: %!STATUS!", Connection, Status);
      EchoFree(Connection);
      break;
  }
}

/* Stopping: a receive waiting for a silent peer is cancelled so the connection closes. */
static VOID EchoCancelReceives(void) {
  KIRQL OldIrql;
  KeAcquireSpinLock(&ConnectionsLock, &OldIrql);
  for (PLIST_ENTRY Entry = Connections.Flink; Entry != &Connections; Entry = Entry->Flink) {
    PECHO_CONNECTION Connection = CONTAINING_RECORD(Entry, ECHO_CONNECTION, Link);
    if (Connection->State == EchoReceiving) IoCancelIrp(Connection->Irp);
  }
  KeReleaseSpinLock(&ConnectionsLock, OldIrql);
}

VOID EchoWorker(PVOID StartContext) {
  UNREFERENCED_PARAMETER(StartContext);
  for (;;) {
    KeWaitForSingleObject(&WorkEvent, Executive, KernelMode, FALSE, NULL);
    PSLIST_ENTRY Entry = InterlockedFlushSList(&WorkList), Ordered = NULL;
    while (Entry != NULL) { /* the SList is LIFO: put the work back in arrival order */
      PSLIST_ENTRY Next = Entry->Next;
      Entry->Next = Ordered;
      Ordered = Entry;
      Entry = Next;
    }
    for (Entry = Ordered; Entry != NULL;) {
      PSLIST_ENTRY Next = Entry->Next;
      EchoAdvance(CONTAINING_RECORD(Entry, ECHO_CONNECTION, WorkEntry));
      Entry = Next;
    }
    if (Stopping) {
      EchoCancelReceives();
      if (IsListEmpty(&Connections)) break;
    }
  }
  DoTraceMessage(TRACE_INIT, "worker thread exits");
  PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ---- the listener ------------------------------------------------------------------ */

static NTSTATUS EchoListen(void) {
  KEVENT Event;
  PIRP Irp = IoAllocateIrp(1, FALSE);
  NTSTATUS Status;
  ULONG V6Only = 0;
  SOCKADDR_IN6 Address;
  PWSK_PROVIDER_LISTEN_DISPATCH Dispatch;
  if (Irp == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  KeInitializeEvent(&Event, NotificationEvent, FALSE);

  Status = EchoWait(Irp, &Event,
                    ProviderNpi.Dispatch->WskSocket(ProviderNpi.Client, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
                                                    WSK_FLAG_LISTEN_SOCKET, NULL, &EchoListenDispatch, NULL, NULL,
                                                    NULL, EchoSyncIrp(Irp, &Event)));
  if (!NT_SUCCESS(Status)) goto out;
  ListenSocket = (PWSK_SOCKET)Irp->IoStatus.Information;
  Dispatch = (PWSK_PROVIDER_LISTEN_DISPATCH)ListenSocket->Dispatch;

  /* Dual stack: IPv4 clients arrive as v4-mapped IPv6 addresses. */
  Status = EchoWait(Irp, &Event,
                    Dispatch->WskControlSocket(ListenSocket, WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6, sizeof(V6Only),
                                               &V6Only, 0, NULL, NULL, EchoSyncIrp(Irp, &Event)));
  if (!NT_SUCCESS(Status)) goto out;

  IN6ADDR_SETANY(&Address);
  Address.sin6_port = RtlUshortByteSwap((USHORT)Port);
  Status = EchoWait(Irp, &Event, Dispatch->WskBind(ListenSocket, (PSOCKADDR)&Address, 0, EchoSyncIrp(Irp, &Event)));
  if (!NT_SUCCESS(Status)) goto out;
  Status = EchoWait(Irp, &Event,
                    Dispatch->WskGetLocalAddress(ListenSocket, (PSOCKADDR)&Address, EchoSyncIrp(Irp, &Event)));
  if (NT_SUCCESS(Status)) DbgPrint("echosrv: listening on [::]:%u\n", RtlUshortByteSwap(Address.sin6_port));
out:
  if (!NT_SUCCESS(Status)) DoTraceMessage(TRACE_INIT, "listener failed: %!STATUS!", Status);
  IoFreeIrp(Irp);
  return Status;
}

static VOID EchoCloseListener(void) {
  KEVENT Event;
  PIRP Irp;
  if (ListenSocket == NULL) return;
  Irp = IoAllocateIrp(1, FALSE);
  if (Irp == NULL) return;
  KeInitializeEvent(&Event, NotificationEvent, FALSE);
  EchoWait(Irp, &Event,
           ((PWSK_PROVIDER_LISTEN_DISPATCH)ListenSocket->Dispatch)->WskCloseSocket(ListenSocket,
                                                                                     EchoSyncIrp(Irp, &Event)));
  IoFreeIrp(Irp);
  ListenSocket = NULL;
}

VOID EchoUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  InterlockedExchange(&Stopping, 1);
  EchoCloseListener();
  KeSetEvent(&WorkEvent, IO_NO_INCREMENT, FALSE);
  KeWaitForSingleObject(Worker, Executive, KernelMode, FALSE, NULL);
  ObDereferenceObject(Worker);
  WskReleaseProviderNPI(&Registration);
  WskDeregister(&Registration);
  DbgPrint("echosrv: stopped\n");
  WPP_CLEANUP(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  WSK_CLIENT_NPI ClientNpi = {NULL, &EchoClientDispatch};
  WSK_EVENT_CALLBACK_CONTROL Callbacks = {(PNPIID)&NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT};
  HANDLE Thread;
  NTSTATUS Status;

  WPP_INIT_TRACING(DriverObject, RegistryPath);
  Status = EchoReadPort(RegistryPath);
  if (!NT_SUCCESS(Status)) {
    DbgPrint("echosrv: the Port parameter is missing (0x%08X)\n", Status);
    return Status;
  }
  InitializeSListHead(&WorkList);
  KeInitializeEvent(&WorkEvent, SynchronizationEvent, FALSE);
  InitializeListHead(&Connections);
  KeInitializeSpinLock(&ConnectionsLock);

  Status = WskRegister(&ClientNpi, &Registration);
  if (!NT_SUCCESS(Status)) return Status;
  /* The accept event is static: every listening socket of this client gets it. */
  Status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &ProviderNpi);
  if (NT_SUCCESS(Status)) {
    Status = ProviderNpi.Dispatch->WskControlClient(ProviderNpi.Client, WSK_SET_STATIC_EVENT_CALLBACKS,
                                                    sizeof(Callbacks), &Callbacks, 0, NULL, NULL, NULL);
    if (NT_SUCCESS(Status)) Status = PsCreateSystemThread(&Thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, EchoWorker, NULL);
    if (NT_SUCCESS(Status)) {
      ObReferenceObjectByHandle(Thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Worker, NULL);
      ZwClose(Thread);
      Status = EchoListen();
      if (!NT_SUCCESS(Status)) {
        EchoUnload(DriverObject);
        return Status;
      }
      DriverObject->DriverUnload = EchoUnload;
      return STATUS_SUCCESS;
    }
    WskReleaseProviderNPI(&Registration);
  }
  WskDeregister(&Registration);
  return Status;
}
