/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: an address is read from an ADDRINFOEXW list after WskFreeAddressInfo
 * freed it. On Windows this often "works" (the memory still holds the old
 * data); with special pool the freed list is poisoned and the read faults. */
#include "_wsk_setup.h"

IO_COMPLETION_ROUTINE Signal;
NTSTATUS Signal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNICODE_STRING Node = RTL_CONSTANT_STRING(L"127.0.0.1");
  UNICODE_STRING Service = RTL_CONSTANT_STRING(L"80");
  PADDRINFOEXW Result = NULL;
  KEVENT Event;
  PIRP Irp;
  USHORT Port;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  if (!NT_SUCCESS(TestAttach())) return STATUS_UNSUCCESSFUL;
  KeInitializeEvent(&Event, NotificationEvent, FALSE);
  Irp = IoAllocateIrp(1, FALSE);
  IoSetCompletionRoutine(Irp, Signal, &Event, TRUE, TRUE, TRUE);
  TestNpi.Dispatch->WskGetAddressInfo(TestNpi.Client, &Node, &Service, NS_ALL, NULL, NULL, &Result, NULL, NULL, Irp);
  KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
  IoFreeIrp(Irp);
  if (Result == NULL) return STATUS_UNSUCCESSFUL;
  DbgPrint("resolved: family %d\n", Result->ai_family);
  TestNpi.Dispatch->WskFreeAddressInfo(TestNpi.Client, Result);
  Port = ((PSOCKADDR_IN)Result->ai_addr)->sin_port; /* the bug: Result was freed */
  DbgPrint("port %u\n", RtlUshortByteSwap(Port));
  WskReleaseProviderNPI(&TestRegistration);
  WskDeregister(&TestRegistration);
  return STATUS_SUCCESS;
}
