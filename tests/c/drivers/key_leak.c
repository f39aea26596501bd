/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: DriverEntry opens its Parameters key and never closes the handle; the
 * unload report lists it. */
#include <ntddk.h>

DRIVER_UNLOAD KeyLeakUnload;
VOID KeyLeakUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  WCHAR Path[256];
  UNICODE_STRING Name = {0, sizeof(Path), Path};
  OBJECT_ATTRIBUTES Attributes;
  HANDLE Key;
  NTSTATUS Status;
  RtlCopyUnicodeString(&Name, RegistryPath);
  RtlAppendUnicodeToString(&Name, L"\\Parameters");
  InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
  Status = ZwOpenKey(&Key, KEY_READ, &Attributes);
  DriverObject->DriverUnload = KeyLeakUnload; /* the bug: Key is never closed */
  return Status;
}
