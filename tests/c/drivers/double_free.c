/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: the same IRP is freed twice (Windows with I/O Verification: 0xC9, P1 = 0x01). */
#include <ntddk.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PIRP Irp = IoAllocateIrp(1, FALSE);
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  IoFreeIrp(Irp);
  IoFreeIrp(Irp); /* the bug */
  return STATUS_SUCCESS;
}
