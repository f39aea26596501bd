/* Copyright 2026 the wskemu authors. MIT license.
 * A limit, not a Windows bug: a dispatch routine that blocks. Windows lets a
 * PASSIVE_LEVEL dispatch routine wait; wskemu runs dispatch routines
 * synchronously inside IoCallDriver, so it stops the driver and says how to
 * pend the IRP instead. */
#include <ntddk.h>
static PDEVICE_OBJECT Dev;

DRIVER_DISPATCH Blocker;
NTSTATUS Blocker(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  LARGE_INTEGER Interval;
  UNREFERENCED_PARAMETER(DeviceObject);
  Interval.QuadPart = -10000;
  KeDelayExecutionThread(KernelMode, FALSE, &Interval);
  Irp->IoStatus.Status = STATUS_SUCCESS;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return STATUS_SUCCESS;
}
IO_COMPLETION_ROUTINE Done;
NTSTATUS Done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Context);
  IoFreeIrp(Irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PIRP Irp;
  UNREFERENCED_PARAMETER(RegistryPath);
  IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Dev);
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Blocker;
  Irp = IoAllocateIrp(1, FALSE);
  IoGetNextIrpStackLocation(Irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL;
  IoSetCompletionRoutine(Irp, Done, NULL, TRUE, TRUE, TRUE);
  IoCallDriver(Dev, Irp);
  IoDeleteDevice(Dev);
  return STATUS_SUCCESS;
}
