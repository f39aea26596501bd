/* Copyright 2026 the wskemu authors. MIT license.
 * Bug: opens a registry key at DISPATCH_LEVEL (under a spin lock, say), which
 * only PASSIVE_LEVEL code may do; IRQL checking stops it with 0xC4. */
#include <ntddk.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  OBJECT_ATTRIBUTES Attributes;
  HANDLE Key;
  KIRQL OldIrql;
  NTSTATUS Status;
  UNREFERENCED_PARAMETER(DriverObject);
  InitializeObjectAttributes(&Attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
  KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
  Status = ZwOpenKey(&Key, KEY_READ, &Attributes);
  KeLowerIrql(OldIrql);
  if (NT_SUCCESS(Status)) ZwClose(Key);
  return Status;
}
