/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: a completion routine (DISPATCH_LEVEL) waits for an event (Windows: 0x0A). */
#include "_wsk_setup.h"

static KEVENT Never;
static KEVENT Done;

IO_COMPLETION_ROUTINE SocketComplete;
NTSTATUS SocketComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, NULL); /* the bug */
  KeSetEvent(&Done, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PIRP Irp;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  KeInitializeEvent(&Never, NotificationEvent, FALSE);
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  if (!NT_SUCCESS(TestAttach())) return STATUS_UNSUCCESSFUL;
  Irp = IoAllocateIrp(1, FALSE);
  IoSetCompletionRoutine(Irp, SocketComplete, NULL, TRUE, TRUE, TRUE);
  TestNpi.Dispatch->WskSocket(TestNpi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL,
                              NULL, NULL, NULL, NULL, Irp);
  return STATUS_SUCCESS;
}
