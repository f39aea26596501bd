/* Copyright 2026 the wskemu authors. MIT license.
 *
 * The WSK guide's first client, in C: register, capture the provider NPI,
 * create a connection socket, bind it to the wildcard address, then the
 * guide's ConnectSocket / ConnectComplete, followed by what a client does
 * next (send a request, receive the reply, disconnect gracefully, close).
 * The work runs on a system thread; DriverUnload waits for it.
 *
 * Registry parameters (RegistryPath\Parameters): Port (REG_DWORD), the port
 * of an HTTP server on 127.0.0.1.
 *
 *   deno task driver build -o connect.wasm examples/c/connect.c
 *   deno task driver run connect.wasm --param Port=8080
 */
#include <ntddk.h>
#include <wsk.h>

#define TAG 'nnoC'

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD ConnectUnload;
KSTART_ROUTINE ClientThread;
IO_COMPLETION_ROUTINE ConnectComplete;
IO_COMPLETION_ROUTINE SignalComplete;

static WSK_REGISTRATION WskRegistration;
static WSK_PROVIDER_NPI WskProviderNpi;
static const WSK_CLIENT_DISPATCH WskAppDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static PETHREAD Thread;
static ULONG Port;

/* ConnectComplete, as in the guide: the socket is connected (or not). */
NTSTATUS ConnectComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  DbgPrint("ConnectComplete: %s (0x%08X)\n", NT_SUCCESS(Irp->IoStatus.Status) ? "connected" : "failed",
           Irp->IoStatus.Status);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* ConnectSocket, as in the guide: an IRP, a completion routine, WskConnect. */
static NTSTATUS ConnectSocket(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PKEVENT Done, PIRP *IrpOut) {
  PWSK_PROVIDER_CONNECTION_DISPATCH Dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch;
  PIRP Irp = IoAllocateIrp(1, FALSE);
  if (!Irp) return STATUS_INSUFFICIENT_RESOURCES;
  IoSetCompletionRoutine(Irp, ConnectComplete, Done, TRUE, TRUE, TRUE);
  *IrpOut = Irp;
  return Dispatch->WskConnect(Socket, RemoteAddress, 0, Irp);
}

NTSTATUS SignalComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* One request on a reused IRP: set the routine, call, wait, return the final status. */
#define CALL(Irp, Event, Call)                                                    \
  (IoReuseIrp((Irp), STATUS_UNSUCCESSFUL),                                        \
   IoSetCompletionRoutine((Irp), SignalComplete, &(Event), TRUE, TRUE, TRUE),     \
   KeResetEvent(&(Event)), (Call),                                                \
   KeWaitForSingleObject(&(Event), Executive, KernelMode, FALSE, NULL), (Irp)->IoStatus.Status)

VOID ClientThread(PVOID StartContext) {
  UNREFERENCED_PARAMETER(StartContext);
  KEVENT Event;
  PIRP Irp = NULL, ConnectIrp = NULL;
  PWSK_SOCKET Socket = NULL;
  PMDL Mdl = NULL;
  NTSTATUS Status;
  SOCKADDR_IN Local, Remote;
  static CHAR Request[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
  PCHAR Reply = ExAllocatePoolZero(NonPagedPoolNx, 512, TAG);
  WSK_BUF Buffer;

  KeInitializeEvent(&Event, NotificationEvent, FALSE);
  Irp = IoAllocateIrp(1, FALSE);
  if (!Irp || !Reply) goto done;

  Status = CALL(Irp, Event,
                WskProviderNpi.Dispatch->WskSocket(WskProviderNpi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                                   WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL, Irp));
  DbgPrint("WskSocket: 0x%08X\n", Status);
  if (!NT_SUCCESS(Status)) goto done;
  Socket = (PWSK_SOCKET)Irp->IoStatus.Information;

  IN4ADDR_SETANY(&Local);
  Status = CALL(Irp, Event, ((PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch)->WskBind(Socket, (PSOCKADDR)&Local, 0, Irp));
  DbgPrint("WskBind: 0x%08X\n", Status);
  if (!NT_SUCCESS(Status)) goto close;

  IN4ADDR_SETLOOPBACK(&Remote);
  Remote.sin_port = RtlUshortByteSwap((USHORT)Port);
  KeResetEvent(&Event);
  Status = ConnectSocket(Socket, (PSOCKADDR)&Remote, &Event, &ConnectIrp);
  DbgPrint("WskConnect(127.0.0.1:%u) returned 0x%08X\n", Port, Status);
  if (ConnectIrp == NULL) goto close;
  KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
  Status = ConnectIrp->IoStatus.Status;
  IoFreeIrp(ConnectIrp);
  if (!NT_SUCCESS(Status)) goto close;

  Mdl = IoAllocateMdl(Request, sizeof(Request) - 1, FALSE, FALSE, NULL);
  if (!Mdl) goto close;
  MmBuildMdlForNonPagedPool(Mdl);
  Buffer.Mdl = Mdl;
  Buffer.Offset = 0;
  Buffer.Length = sizeof(Request) - 1;
  Status = CALL(Irp, Event, ((PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch)->WskSend(Socket, &Buffer, 0, Irp));
  DbgPrint("WskSend: 0x%08X, %u bytes\n", Status, (ULONG)Irp->IoStatus.Information);
  IoFreeMdl(Mdl);
  if (!NT_SUCCESS(Status)) goto close;

  Mdl = IoAllocateMdl(Reply, 511, FALSE, FALSE, NULL);
  if (!Mdl) goto close;
  MmBuildMdlForNonPagedPool(Mdl);
  Buffer.Mdl = Mdl;
  Buffer.Length = 511;
  Status = CALL(Irp, Event, ((PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch)->WskReceive(Socket, &Buffer, 0, Irp));
  IoFreeMdl(Mdl);
  if (NT_SUCCESS(Status)) {
    ULONG n = (ULONG)Irp->IoStatus.Information, i = 0;
    while (i < n && Reply[i] != '\r' && Reply[i] != '\n') i++;
    Reply[i] = 0;
    DbgPrint("reply: %s\n", Reply);
  }

  Status = CALL(Irp, Event, ((PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch)->WskDisconnect(Socket, NULL, 0, Irp));
  DbgPrint("WskDisconnect(graceful): 0x%08X\n", Status);

close:
  Status = CALL(Irp, Event, ((PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch)->WskCloseSocket(Socket, Irp));
  DbgPrint("WskCloseSocket: 0x%08X\n", Status);
done:
  if (Irp) IoFreeIrp(Irp);
  if (Reply) ExFreePoolWithTag(Reply, TAG);
  DbgPrint("client done\n");
  PsTerminateSystemThread(STATUS_SUCCESS);
}

VOID ConnectUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL);
  ObDereferenceObject(Thread);
  WskReleaseProviderNPI(&WskRegistration);
  WskDeregister(&WskRegistration);
  DbgPrint("WskDeregister: done\n");
}

static NTSTATUS ReadPort(PUNICODE_STRING RegistryPath) {
  RTL_QUERY_REGISTRY_TABLE Table[2];
  WCHAR Path[256];
  UNICODE_STRING Key = {0, sizeof(Path), Path};
  RtlCopyUnicodeString(&Key, RegistryPath);
  RtlAppendUnicodeToString(&Key, L"\\Parameters");
  RtlZeroMemory(Table, sizeof(Table));
  Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
  Table[0].Name = L"Port";
  Table[0].EntryContext = &Port;
  return RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, Path, Table, NULL, NULL);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  WSK_CLIENT_NPI WskClientNpi = {NULL, &WskAppDispatch};
  HANDLE ThreadHandle;
  NTSTATUS Status = ReadPort(RegistryPath);
  if (!NT_SUCCESS(Status)) {
    DbgPrint("connect: no Port parameter (0x%08X)\n", Status);
    return Status;
  }
  Status = WskRegister(&WskClientNpi, &WskRegistration);
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskCaptureProviderNPI(&WskRegistration, WSK_INFINITE_WAIT, &WskProviderNpi);
  if (!NT_SUCCESS(Status)) {
    WskDeregister(&WskRegistration);
    return Status;
  }
  Status = PsCreateSystemThread(&ThreadHandle, THREAD_ALL_ACCESS, NULL, NULL, NULL, ClientThread, NULL);
  if (NT_SUCCESS(Status)) {
    ObReferenceObjectByHandle(ThreadHandle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Thread, NULL);
    ZwClose(ThreadHandle);
  } else {
    WskReleaseProviderNPI(&WskRegistration);
    WskDeregister(&WskRegistration);
    return Status;
  }
  DriverObject->DriverUnload = ConnectUnload;
  return STATUS_SUCCESS;
}
