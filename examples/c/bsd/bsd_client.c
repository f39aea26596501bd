/* Copyright 2026 the wskemu authors. MIT license.
 *
 * A client written the BSD way on ksocket (getaddrinfo, socket, connect,
 * send, recv, shutdown, close), on a system thread: it resolves Host, sends
 * 256 KiB to the echo server at Host:Port and checks every byte that comes back.
 *
 * Registry parameters: Host (REG_SZ, default "localhost"), Port (REG_DWORD).
 *
 *   deno task driver build -o bsd_client.wasm examples/c/bsd/bsd_client.c examples/c/bsd/ksocket.c
 *   deno task driver run bsd_client.wasm --param Host=localhost --param Port=7007
 */
#include <ntstrsafe.h>
#include "ksocket.h"

#define BSD_TAG 'cdsB'
#define TOTAL (256 * 1024)
#define CHUNK 8192

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BsdUnload;
KSTART_ROUTINE BsdMain;

static PETHREAD Thread;
static CHAR Host[64] = "localhost";
static CHAR Service[8];

static UCHAR Pattern(ULONG i) { return (UCHAR)(i * 7 + (i >> 8)); }

static NTSTATUS BsdExchange(PKSOCKET Socket, PUCHAR Buffer) {
  ULONG Sent = 0, Received = 0, n;
  NTSTATUS Status = STATUS_SUCCESS;
  for (ULONG i = 0; i < CHUNK; i++) Buffer[i] = 0;
  while (Received < TOTAL && NT_SUCCESS(Status)) {
    if (Sent < TOTAL) { /* one chunk out, then what came back: the echo never runs far behind */
      ULONG Length = min(CHUNK, TOTAL - Sent);
      for (ULONG i = 0; i < Length; i++) Buffer[CHUNK + i] = Pattern(Sent + i);
      Status = KsSend(Socket, Buffer + CHUNK, Length, &n);
      Sent += n;
      if (Sent == TOTAL && NT_SUCCESS(Status)) Status = KsShutdown(Socket);
    }
    if (!NT_SUCCESS(Status)) break;
    Status = KsRecv(Socket, Buffer, CHUNK, &n);
    if (NT_SUCCESS(Status) && n == 0) break;
    for (ULONG i = 0; i < n && NT_SUCCESS(Status); i++)
      if (Buffer[i] != Pattern(Received + i)) Status = STATUS_DATA_ERROR;
    Received += n;
  }
  DbgPrint("bsd_client: sent %u, received %u bytes back%s\n", Sent, Received,
           Received == TOTAL && NT_SUCCESS(Status) ? ", every byte intact" : "");
  return Status;
}

VOID BsdMain(PVOID Context) {
  PADDRINFOEXW Addresses = NULL;
  PKSOCKET Socket = NULL;
  PUCHAR Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 2 * CHUNK, BSD_TAG);
  NTSTATUS Status;
  UNREFERENCED_PARAMETER(Context);
  Status = Buffer ? KsInitialize() : STATUS_INSUFFICIENT_RESOURCES;
  if (NT_SUCCESS(Status)) {
    Status = KsGetAddrInfo(Host, Service, AF_UNSPEC, &Addresses);
    for (PADDRINFOEXW a = Addresses; NT_SUCCESS(Status) && a != NULL; a = a->ai_next) {
      Status = KsSocket((ADDRESS_FAMILY)a->ai_family, &Socket);
      if (!NT_SUCCESS(Status)) break;
      Status = KsConnect(Socket, a->ai_addr);
      DbgPrint("bsd_client: connect to %s over %s: 0x%08X\n", Host, a->ai_family == AF_INET6 ? "IPv6" : "IPv4",
               Status);
      if (NT_SUCCESS(Status)) {
        LARGE_INTEGER Start = KeQueryPerformanceCounter(NULL), End;
        Status = BsdExchange(Socket, Buffer);
        End = KeQueryPerformanceCounter(NULL);
        DbgPrint("bsd_client: exchange took %u us\n", (ULONG)((End.QuadPart - Start.QuadPart) / 10));
        KsClose(Socket);
        break;
      }
      KsClose(Socket);
      Status = STATUS_SUCCESS; /* try the next address */
    }
    if (Addresses != NULL) KsFreeAddrInfo(Addresses);
    KsCleanup();
  }
  if (Buffer) ExFreePoolWithTag(Buffer, BSD_TAG);
  DbgPrint("bsd_client: done: 0x%08X\n", Status);
  PsTerminateSystemThread(Status);
}

VOID BsdUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL);
  ObDereferenceObject(Thread);
}

static NTSTATUS BsdParameters(PUNICODE_STRING RegistryPath) {
  ULONG Port = 0;
  UNICODE_STRING HostW = {0};
  RTL_QUERY_REGISTRY_TABLE Query[4];
  WCHAR Path[256];
  NTSTATUS Status;
  RtlZeroMemory(Query, sizeof(Query));
  RtlStringCbCopyW(Path, sizeof(Path), L"");
  RtlStringCchCopyNW(Path, RTL_NUMBER_OF(Path), RegistryPath->Buffer, RegistryPath->Length / sizeof(WCHAR));
  RtlStringCbCatW(Path, sizeof(Path), L"\\Parameters");
  Query[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
  Query[0].Name = L"Port";
  Query[0].EntryContext = &Port;
  Query[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Query[1].Name = L"Host";
  Query[1].EntryContext = &HostW;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, Path, Query, NULL, NULL);
  if (!NT_SUCCESS(Status)) return Status;
  if (HostW.Buffer != NULL) {
    ANSI_STRING HostA = {0, sizeof(Host), Host};
    RtlUnicodeStringToAnsiString(&HostA, &HostW, FALSE);
    Host[min(HostA.Length, sizeof(Host) - 1)] = 0;
    RtlFreeUnicodeString(&HostW);
  }
  return RtlStringCbPrintfA(Service, sizeof(Service), "%u", Port);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  HANDLE Handle;
  NTSTATUS Status = BsdParameters(RegistryPath);
  if (!NT_SUCCESS(Status)) {
    DbgPrint("bsd_client: needs Port (and optionally Host): 0x%08X\n", Status);
    return Status;
  }
  Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, BsdMain, NULL);
  if (!NT_SUCCESS(Status)) return Status;
  ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Thread, NULL);
  ZwClose(Handle);
  DriverObject->DriverUnload = BsdUnload;
  return STATUS_SUCCESS;
}
