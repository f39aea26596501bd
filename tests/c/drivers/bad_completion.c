/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: the completion routine of an IoAllocateIrp IRP returns STATUS_SUCCESS
 * instead of STATUS_MORE_PROCESSING_REQUIRED, so completion runs off the top
 * of an IRP that has no thread (Windows: bug check 0xD1). */
#include "_wsk_setup.h"

IO_COMPLETION_ROUTINE SocketComplete;
NTSTATUS SocketComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  return STATUS_SUCCESS; /* the bug */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PIRP Irp;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  if (!NT_SUCCESS(TestAttach())) return STATUS_UNSUCCESSFUL;
  Irp = IoAllocateIrp(1, FALSE);
  IoSetCompletionRoutine(Irp, SocketComplete, NULL, TRUE, TRUE, TRUE);
  TestNpi.Dispatch->WskSocket(TestNpi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL,
                              NULL, NULL, NULL, NULL, Irp);
  return STATUS_SUCCESS;
}
