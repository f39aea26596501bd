/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: unbounded recursion with a large frame runs off the kernel stack
 * (Windows: 0x7F, a double fault on the stack guard page). */
#include <ntddk.h>

static ULONG Depth(ULONG Level) {
  volatile UCHAR Frame[2048];
  Frame[0] = (UCHAR)Level;
  if (KeGetCurrentIrql() > DISPATCH_LEVEL) return 0;
  return Frame[0] + Depth(Level + 1); /* the bug: no limit */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  DbgPrint("depth %u\n", Depth(0));
  return STATUS_SUCCESS;
}
