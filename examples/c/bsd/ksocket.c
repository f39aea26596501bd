/* Copyright 2026 the wskemu authors. MIT license.
 * ksocket: BSD-style blocking sockets over WSK (see ksocket.h). */
#include "ksocket.h"

#define KS_TAG 'kcsK'

typedef struct _KSOCKET {
  PWSK_SOCKET WskSocket;
  PIRP Irp;
  KEVENT Done;
} KSOCKET;

static WSK_REGISTRATION KsRegistration;
static WSK_PROVIDER_NPI KsProvider;
static const WSK_CLIENT_DISPATCH KsDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

IO_COMPLETION_ROUTINE KsComplete;
NTSTATUS KsComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Readies the IRP for one request (IoReuseIrp) and returns it. */
static PIRP KsArm(PIRP Irp, PKEVENT Done) {
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  KeClearEvent(Done);
  IoSetCompletionRoutine(Irp, KsComplete, Done, TRUE, TRUE, TRUE);
  return Irp;
}

/* Blocks until the request completes; a request refused at once did not take the IRP. */
static NTSTATUS KsAwait(PIRP Irp, PKEVENT Done, NTSTATUS Status) {
  if (Status != STATUS_PENDING && !NT_SUCCESS(Status)) return Status;
  KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
  return Irp->IoStatus.Status;
}

#define KS_CONN(Socket) ((PWSK_PROVIDER_CONNECTION_DISPATCH)(Socket)->WskSocket->Dispatch)

NTSTATUS KsInitialize(void) {
  WSK_CLIENT_NPI Client = {NULL, &KsDispatch};
  NTSTATUS Status = WskRegister(&Client, &KsRegistration);
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskCaptureProviderNPI(&KsRegistration, WSK_INFINITE_WAIT, &KsProvider);
  if (!NT_SUCCESS(Status)) WskDeregister(&KsRegistration);
  return Status;
}

VOID KsCleanup(void) {
  WskReleaseProviderNPI(&KsRegistration);
  WskDeregister(&KsRegistration);
}

NTSTATUS KsGetAddrInfo(PCSTR Node, PCSTR Service, int Family, PADDRINFOEXW *Result) {
  ANSI_STRING NodeA, ServiceA;
  UNICODE_STRING NodeW = {0}, ServiceW = {0};
  ADDRINFOEXW Hints;
  KEVENT Done;
  PIRP Irp = IoAllocateIrp(1, FALSE);
  NTSTATUS Status;
  if (Irp == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  RtlInitAnsiString(&NodeA, Node);
  RtlInitAnsiString(&ServiceA, Service);
  Status = RtlAnsiStringToUnicodeString(&NodeW, &NodeA, TRUE);
  if (NT_SUCCESS(Status)) Status = RtlAnsiStringToUnicodeString(&ServiceW, &ServiceA, TRUE);
  if (NT_SUCCESS(Status)) {
    RtlZeroMemory(&Hints, sizeof(Hints));
    Hints.ai_family = Family;
    Hints.ai_socktype = SOCK_STREAM;
    Hints.ai_protocol = IPPROTO_TCP;
    Status = KsAwait(Irp, &Done,
                     KsProvider.Dispatch->WskGetAddressInfo(KsProvider.Client, &NodeW, &ServiceW, NS_ALL, NULL, &Hints,
                                                            Result, NULL, NULL, KsArm(Irp, &Done)));
  }
  RtlFreeUnicodeString(&NodeW);
  RtlFreeUnicodeString(&ServiceW);
  IoFreeIrp(Irp);
  return Status;
}

VOID KsFreeAddrInfo(PADDRINFOEXW Result) { KsProvider.Dispatch->WskFreeAddressInfo(KsProvider.Client, Result); }

NTSTATUS KsSocket(ADDRESS_FAMILY Family, PKSOCKET *Out) {
  PKSOCKET Socket = ExAllocatePoolZero(NonPagedPoolNx, sizeof(KSOCKET), KS_TAG);
  NTSTATUS Status;
  if (Socket == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  Socket->Irp = IoAllocateIrp(1, FALSE);
  if (Socket->Irp == NULL) {
    ExFreePoolWithTag(Socket, KS_TAG);
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  KeInitializeEvent(&Socket->Done, NotificationEvent, FALSE);
  Status = KsAwait(Socket->Irp, &Socket->Done,
                   KsProvider.Dispatch->WskSocket(KsProvider.Client, Family, SOCK_STREAM, IPPROTO_TCP,
                                                  WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL,
                                                  KsArm(Socket->Irp, &Socket->Done)));
  if (NT_SUCCESS(Status)) {
    Socket->WskSocket = (PWSK_SOCKET)Socket->Irp->IoStatus.Information;
    *Out = Socket;
  } else {
    IoFreeIrp(Socket->Irp);
    ExFreePoolWithTag(Socket, KS_TAG);
  }
  return Status;
}

NTSTATUS KsConnect(PKSOCKET Socket, PSOCKADDR Address) {
  SOCKADDR_STORAGE Local;
  NTSTATUS Status;
  RtlZeroMemory(&Local, sizeof(Local));
  Local.ss_family = Address->sa_family; /* the wildcard address of the same family */
  Status = KsAwait(Socket->Irp, &Socket->Done,
                   KS_CONN(Socket)->WskBind(Socket->WskSocket, (PSOCKADDR)&Local, 0, KsArm(Socket->Irp, &Socket->Done)));
  if (!NT_SUCCESS(Status)) return Status;
  return KsAwait(Socket->Irp, &Socket->Done,
                 KS_CONN(Socket)->WskConnect(Socket->WskSocket, Address, 0, KsArm(Socket->Irp, &Socket->Done)));
}

/* Sends or receives through an MDL over the caller's buffer, locked for the transfer. */
static NTSTATUS KsTransfer(PKSOCKET Socket, PVOID Buffer, ULONG Length, BOOLEAN Receive, PULONG Done) {
  WSK_BUF WskBuffer;
  NTSTATUS Status = STATUS_SUCCESS;
  PMDL Mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, NULL);
  *Done = 0;
  if (Mdl == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  __try {
    MmProbeAndLockPages(Mdl, KernelMode, Receive ? IoWriteAccess : IoReadAccess);
  } __except (EXCEPTION_EXECUTE_HANDLER) {
    Status = GetExceptionCode();
  }
  if (!NT_SUCCESS(Status)) {
    IoFreeMdl(Mdl);
    return Status;
  }
  WskBuffer.Mdl = Mdl;
  WskBuffer.Offset = 0;
  WskBuffer.Length = Length;
  if (Receive)
    Status = KsAwait(Socket->Irp, &Socket->Done,
                     KS_CONN(Socket)->WskReceive(Socket->WskSocket, &WskBuffer, 0, KsArm(Socket->Irp, &Socket->Done)));
  else
    Status = KsAwait(Socket->Irp, &Socket->Done,
                     KS_CONN(Socket)->WskSend(Socket->WskSocket, &WskBuffer, 0, KsArm(Socket->Irp, &Socket->Done)));
  if (NT_SUCCESS(Status)) *Done = (ULONG)Socket->Irp->IoStatus.Information;
  MmUnlockPages(Mdl);
  IoFreeMdl(Mdl);
  return Status;
}

NTSTATUS KsSend(PKSOCKET Socket, const VOID *Buffer, ULONG Length, PULONG Sent) {
  return KsTransfer(Socket, (PVOID)Buffer, Length, FALSE, Sent);
}

NTSTATUS KsRecv(PKSOCKET Socket, VOID *Buffer, ULONG Length, PULONG Received) {
  return KsTransfer(Socket, Buffer, Length, TRUE, Received);
}

NTSTATUS KsShutdown(PKSOCKET Socket) {
  return KsAwait(Socket->Irp, &Socket->Done,
                 KS_CONN(Socket)->WskDisconnect(Socket->WskSocket, NULL, 0, KsArm(Socket->Irp, &Socket->Done)));
}

NTSTATUS KsClose(PKSOCKET Socket) {
  NTSTATUS Status = KsAwait(Socket->Irp, &Socket->Done,
                            KS_CONN(Socket)->WskCloseSocket(Socket->WskSocket, KsArm(Socket->Irp, &Socket->Done)));
  IoFreeIrp(Socket->Irp);
  ExFreePoolWithTag(Socket, KS_TAG);
  return Status;
}
