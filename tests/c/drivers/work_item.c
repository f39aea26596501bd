/* Copyright 2026 the wskemu authors. MIT license.
 * A work item runs at PASSIVE_LEVEL on its own stack and may block there. */
#include <ntddk.h>

static KEVENT Finished;
IO_WORKITEM_ROUTINE Work;

VOID Work(PDEVICE_OBJECT DeviceObject, PVOID Context) {
  LARGE_INTEGER Interval;
  UNREFERENCED_PARAMETER(DeviceObject);
  Interval.QuadPart = -10 * 1000 * 5; /* 5 ms */
  KeDelayExecutionThread(KernelMode, FALSE, &Interval);
  DbgPrint("work item ran at IRQL %u with context %s\n", KeGetCurrentIrql(), (PCSTR)Context);
  KeSetEvent(&Finished, IO_NO_INCREMENT, FALSE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  static CHAR Text[] = "hello";
  PIO_WORKITEM Item = IoAllocateWorkItem(NULL);
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  if (Item == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  KeInitializeEvent(&Finished, NotificationEvent, FALSE);
  IoQueueWorkItem(Item, Work, DelayedWorkQueue, Text);
  KeWaitForSingleObject(&Finished, Executive, KernelMode, FALSE, NULL);
  IoFreeWorkItem(Item);
  return STATUS_SUCCESS;
}
