/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: one pass over WSK calls the example drivers do not make —
 * WskAccept with address out-parameters, WskSocketConnect, IoCancelIrp on a
 * pending receive, WskGetOption, WskGetRemoteAddress, WskGetNameInfo, a
 * WAITALL receive, a send and a receive over MDL chains, the
 * WSK_TRANSPORT_LIST_QUERY array — each printed with its status. */
#include "_wsk_setup.h"

static KEVENT Done;
IO_COMPLETION_ROUTINE Wake;
NTSTATUS Wake(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

static PIRP Ready(PIRP Irp, PKEVENT Event) {
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  KeClearEvent(Event);
  IoSetCompletionRoutine(Irp, Wake, Event, TRUE, TRUE, TRUE);
  return Irp;
}

static NTSTATUS Finish(PIRP Irp, PKEVENT Event) {
  KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
  return Irp->IoStatus.Status;
}

#define SYNC(Irp, Call) ((Call), Finish((Irp), &Done))
#define LISTEN(S) ((PWSK_PROVIDER_LISTEN_DISPATCH)(S)->Dispatch)
#define CONN(S) ((PWSK_PROVIDER_CONNECTION_DISPATCH)(S)->Dispatch)

/* WSK_TRANSPORT_LIST_QUERY: the size needed, then the array. */
static VOID QueryTransports(VOID) {
  WSK_TRANSPORT Transports[8];
  SIZE_T Needed = 0;
  NTSTATUS Status = TestNpi.Dispatch->WskControlClient(TestNpi.Client, WSK_TRANSPORT_LIST_QUERY, 0, NULL, 0, NULL,
                                                       &Needed, NULL);
  DbgPrint("transport list without a buffer: 0x%08X, %u bytes needed\n", Status, (ULONG)Needed);
  Status = TestNpi.Dispatch->WskControlClient(TestNpi.Client, WSK_TRANSPORT_LIST_QUERY, 0, NULL, sizeof(Transports),
                                              Transports, &Needed, NULL);
  DbgPrint("transport list: 0x%08X\n", Status);
  for (ULONG i = 0; NT_SUCCESS(Status) && i < Needed / sizeof(WSK_TRANSPORT); i++) {
    DbgPrint("transport: type %u protocol %u family %u version %u.%u\n", Transports[i].SocketType,
             Transports[i].Protocol, Transports[i].AddressFamily, WSK_MAJOR_VERSION(Transports[i].Version),
             WSK_MINOR_VERSION(Transports[i].Version));
  }
}

/* One WskSend over a three-MDL chain that starts inside its first MDL,
 * received with WAITALL into a two-MDL chain: every byte arrives, in order. */
static VOID SendChained(PIRP Irp, PIRP ReceiveIrp, PKEVENT Received, PWSK_SOCKET Client, PWSK_SOCKET Server) {
  static CHAR Part1[] = "xhe", Part2[] = "llo, ", Part3[] = "world";
  CHAR GotA[5], GotB[7], Joined[13] = {0};
  PMDL Send = IoAllocateMdl(Part1, 3, FALSE, FALSE, NULL), Receive = IoAllocateMdl(GotA, sizeof(GotA), FALSE, FALSE, NULL);
  WSK_BUF SendBuf = {Send, 1, 12}, ReceiveBuf = {Receive, 0, 12};
  NTSTATUS Status;
  Send->Next = IoAllocateMdl(Part2, 5, FALSE, FALSE, NULL);
  Send->Next->Next = IoAllocateMdl(Part3, 5, FALSE, FALSE, NULL);
  Receive->Next = IoAllocateMdl(GotB, sizeof(GotB), FALSE, FALSE, NULL);
  for (PMDL m = Send; m != NULL; m = m->Next) MmBuildMdlForNonPagedPool(m);
  for (PMDL m = Receive; m != NULL; m = m->Next) MmBuildMdlForNonPagedPool(m);
  KeClearEvent(Received);
  CONN(Server)->WskReceive(Server, &ReceiveBuf, WSK_FLAG_WAITALL, Ready(ReceiveIrp, Received));
  Status = SYNC(Irp, CONN(Client)->WskSend(Client, &SendBuf, 0, Ready(Irp, &Done)));
  DbgPrint("chained send: 0x%08X %u bytes\n", Status, (ULONG)Irp->IoStatus.Information);
  Status = Finish(ReceiveIrp, Received);
  RtlCopyMemory(Joined, GotA, sizeof(GotA));
  RtlCopyMemory(Joined + sizeof(GotA), GotB, sizeof(GotB));
  DbgPrint("chained receive: 0x%08X %u bytes \"%s\"\n", Status, (ULONG)ReceiveIrp->IoStatus.Information, Joined);
  IoFreeMdl(Send->Next->Next);
  IoFreeMdl(Send->Next);
  IoFreeMdl(Send);
  IoFreeMdl(Receive->Next);
  IoFreeMdl(Receive);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PIRP Irp = IoAllocateIrp(1, FALSE), AcceptIrp = IoAllocateIrp(1, FALSE);
  KEVENT Accepted;
  PWSK_SOCKET Listener, Client, Server;
  SOCKADDR_IN Address, Local, Remote;
  NTSTATUS Status;
  ULONG Value = 0;
  SIZE_T Returned = 0;
  WCHAR Node[64], Service[16];
  UNICODE_STRING NodeName = {0, sizeof(Node), Node}, ServiceName = {0, sizeof(Service), Service};
  static CHAR Hello[] = "hello";
  CHAR Got[8] = {0};
  PMDL HelloMdl, GotMdl;
  WSK_BUF HelloBuf, GotBuf;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  if (!NT_SUCCESS(TestAttach()) || Irp == NULL || AcceptIrp == NULL) return STATUS_UNSUCCESSFUL;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  KeInitializeEvent(&Accepted, NotificationEvent, FALSE);

  Status = SYNC(Irp, TestNpi.Dispatch->WskSocket(TestNpi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                                 WSK_FLAG_LISTEN_SOCKET, NULL, NULL, NULL, NULL, NULL,
                                                 Ready(Irp, &Done)));
  Listener = (PWSK_SOCKET)Irp->IoStatus.Information;
  IN4ADDR_SETLOOPBACK(&Address);
  Status = SYNC(Irp, LISTEN(Listener)->WskBind(Listener, (PSOCKADDR)&Address, 0, Ready(Irp, &Done)));
  Status = SYNC(Irp, LISTEN(Listener)->WskGetLocalAddress(Listener, (PSOCKADDR)&Address, Ready(Irp, &Done)));
  DbgPrint("listen: 0x%08X port %s\n", Status, Address.sin_port ? "assigned" : "zero");

  LISTEN(Listener)->WskAccept(Listener, 0, NULL, NULL, (PSOCKADDR)&Local, (PSOCKADDR)&Remote, Ready(AcceptIrp, &Accepted));
  Status = SYNC(Irp, TestNpi.Dispatch->WskSocketConnect(TestNpi.Client, SOCK_STREAM, IPPROTO_TCP,
                                                        (PSOCKADDR)&(SOCKADDR_IN){AF_INET}, (PSOCKADDR)&Address, 0,
                                                        NULL, NULL, NULL, NULL, NULL, Ready(Irp, &Done)));
  Client = (PWSK_SOCKET)Irp->IoStatus.Information;
  DbgPrint("WskSocketConnect: 0x%08X\n", Status);
  Status = Finish(AcceptIrp, &Accepted);
  Server = (PWSK_SOCKET)AcceptIrp->IoStatus.Information;
  DbgPrint("WskAccept: 0x%08X local %s remote %s\n", Status,
           Local.sin_port == Address.sin_port ? "matches" : "differs",
           Remote.sin_addr.s_addr == RtlUlongByteSwap(INADDR_LOOPBACK) && Remote.sin_port ? "127.0.0.1" : "?");

  GotMdl = IoAllocateMdl(Got, sizeof(Got), FALSE, FALSE, NULL);
  MmBuildMdlForNonPagedPool(GotMdl);
  GotBuf.Mdl = GotMdl;
  GotBuf.Offset = 0;
  GotBuf.Length = 5;
  Status = CONN(Client)->WskReceive(Client, &GotBuf, 0, Ready(Irp, &Done));
  IoCancelIrp(Irp);
  DbgPrint("IoCancelIrp on a pending receive: returned 0x%08X, completed 0x%08X, Cancel %d\n", Status,
           Finish(Irp, &Done), Irp->Cancel);

  Status = SYNC(Irp, CONN(Server)->WskControlSocket(Server, WskGetOption, SO_RCVBUF, SOL_SOCKET, 0, NULL,
                                                     sizeof(Value), &Value, &Returned, Ready(Irp, &Done)));
  DbgPrint("SO_RCVBUF: 0x%08X %s (%u bytes returned)\n", Status, Value > 0 ? "positive" : "zero", (ULONG)Returned);

  Status = SYNC(Irp, CONN(Server)->WskGetRemoteAddress(Server, (PSOCKADDR)&Remote, Ready(Irp, &Done)));
  DbgPrint("WskGetRemoteAddress: 0x%08X family %u\n", Status, Remote.sin_family);

  Address.sin_port = RtlUshortByteSwap(80);
  Status = SYNC(Irp, TestNpi.Dispatch->WskGetNameInfo(TestNpi.Client, (PSOCKADDR)&Address, sizeof(Address), &NodeName,
                                                      &ServiceName, NI_NUMERICHOST | NI_NUMERICSERV, NULL, NULL,
                                                      Ready(Irp, &Done)));
  DbgPrint("WskGetNameInfo: 0x%08X %wZ %wZ\n", Status, &NodeName, &ServiceName);

  HelloMdl = IoAllocateMdl(Hello, 5, FALSE, FALSE, NULL);
  MmBuildMdlForNonPagedPool(HelloMdl);
  HelloBuf.Mdl = HelloMdl;
  HelloBuf.Offset = 0;
  HelloBuf.Length = 5;
  KeClearEvent(&Accepted);
  CONN(Server)->WskReceive(Server, &GotBuf, WSK_FLAG_WAITALL, Ready(AcceptIrp, &Accepted));
  Status = SYNC(Irp, CONN(Client)->WskSend(Client, &HelloBuf, 0, Ready(Irp, &Done)));
  Status = Finish(AcceptIrp, &Accepted);
  DbgPrint("WAITALL receive: 0x%08X %u bytes \"%s\"\n", Status, (ULONG)AcceptIrp->IoStatus.Information, Got);
  SendChained(Irp, AcceptIrp, &Accepted, Client, Server);
  QueryTransports();

  SYNC(Irp, CONN(Client)->WskCloseSocket(Client, Ready(Irp, &Done)));
  SYNC(Irp, CONN(Server)->WskCloseSocket(Server, Ready(Irp, &Done)));
  SYNC(Irp, LISTEN(Listener)->WskCloseSocket(Listener, Ready(Irp, &Done)));
  IoFreeMdl(HelloMdl);
  IoFreeMdl(GotMdl);
  IoFreeIrp(Irp);
  IoFreeIrp(AcceptIrp);
  WskReleaseProviderNPI(&TestRegistration);
  WskDeregister(&TestRegistration);
  DbgPrint("coverage: done\n");
  return STATUS_SUCCESS;
}
