/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: pool allocated in DriverEntry is never freed; the unload report lists it. */
#include <ntddk.h>

static PVOID Table;

DRIVER_UNLOAD LeakUnload;
VOID LeakUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

static PVOID AllocateTable(void) { return ExAllocatePoolZero(NonPagedPoolNx, 100, 'kaeL'); }

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(RegistryPath);
  Table = AllocateTable();
  DriverObject->DriverUnload = LeakUnload; /* the bug: it never frees Table */
  return Table ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
