/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug on Windows, a limit here: a QueryRoutine that waits. wskemu runs
 * it inside RtlQueryRegistryValues, where the C stack cannot be parked, so the
 * host stops with 0x1E naming the routine and the wait instead of a JSPI error. */
#include <ntddk.h>

static NTSTATUS Routine(PWSTR ValueName, ULONG ValueType, PVOID ValueData, ULONG ValueLength, PVOID Context, PVOID EntryContext) {
  LARGE_INTEGER Delay;
  UNREFERENCED_PARAMETER(ValueName); UNREFERENCED_PARAMETER(ValueType); UNREFERENCED_PARAMETER(ValueData);
  UNREFERENCED_PARAMETER(ValueLength); UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(EntryContext);
  Delay.QuadPart = -10000; /* 1 ms */
  KeDelayExecutionThread(KernelMode, FALSE, &Delay);
  DbgPrint("routine waited\n");
  return STATUS_SUCCESS;
}

static VOID Unload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  RTL_QUERY_REGISTRY_TABLE Table[3];
  NTSTATUS Status;
  RtlZeroMemory(Table, sizeof(Table));
  Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
  Table[0].Name = L"Parameters";
  Table[1].QueryRoutine = Routine;
  Table[1].Name = L"Port";
  DriverObject->DriverUnload = Unload;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath->Buffer, Table, NULL, NULL);
  DbgPrint("query: %x\n", Status);
  return STATUS_SUCCESS;
}
