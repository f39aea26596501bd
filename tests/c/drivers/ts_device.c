/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: a C driver opens another driver's device by name with
 * IoGetDeviceObjectPointer and sends it a METHOD_BUFFERED request built with
 * IoBuildDeviceIoControlRequest and a METHOD_OUT_DIRECT request of its own
 * over an MDL chain; then its own device passes every request it gets down to
 * that device (IoSkipCurrentIrpStackLocation) until unload, which
 * dereferences the file object. */
#include <ntddk.h>

#define IOCTL_REVERSE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_FILL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)
#ifndef TARGET_DEVICE
#define TARGET_DEVICE L"\\Device\\WskemuTsReverse" /* call_driver_test.ts' TS device */
#endif

static PDEVICE_OBJECT Filter, Target;
static PFILE_OBJECT TargetFile;

DRIVER_DISPATCH FilterControl;
NTSTATUS FilterControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  IoSkipCurrentIrpStackLocation(Irp);
  return IoCallDriver(Target, Irp);
}

DRIVER_UNLOAD FilterUnload;
VOID FilterUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  IoDeleteDevice(Filter);
  ObDereferenceObject(TargetFile);
}

IO_COMPLETION_ROUTINE Filled;
NTSTATUS Filled(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID Reverse(PDEVICE_OBJECT Device) {
  CHAR Input[] = "kernel", Output[8] = {0};
  KEVENT Done;
  IO_STATUS_BLOCK IoStatus = {0};
  NTSTATUS Status;
  PIRP Irp;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  Irp = IoBuildDeviceIoControlRequest(IOCTL_REVERSE, Device, Input, 6, Output, sizeof(Output), FALSE, &Done,
                                      &IoStatus);
  if (Irp == NULL) return;
  Status = IoCallDriver(Device, Irp);
  if (Status == STATUS_PENDING) {
    KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
    Status = IoStatus.Status;
  }
  DbgPrint("reverse: 0x%08X %u bytes \"%s\"\n", Status, (ULONG)IoStatus.Information, Output);
}

static VOID Fill(PDEVICE_OBJECT Device) {
  CHAR First[3], Second[4], Joined[8] = {0};
  KEVENT Done;
  NTSTATUS Status;
  PIO_STACK_LOCATION IrpSp;
  PIRP Irp = IoAllocateIrp(Device->StackSize, FALSE);
  if (Irp == NULL) return;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  IoAllocateMdl(First, sizeof(First), FALSE, FALSE, Irp);
  IoAllocateMdl(Second, sizeof(Second), TRUE, FALSE, Irp);
  MmBuildMdlForNonPagedPool(Irp->MdlAddress);
  MmBuildMdlForNonPagedPool(Irp->MdlAddress->Next);
  IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp->MajorFunction = IRP_MJ_DEVICE_CONTROL;
  IrpSp->Parameters.DeviceIoControl.IoControlCode = IOCTL_FILL;
  IrpSp->Parameters.DeviceIoControl.OutputBufferLength = sizeof(First) + sizeof(Second);
  IoSetCompletionRoutine(Irp, Filled, &Done, TRUE, TRUE, TRUE);
  Status = IoCallDriver(Device, Irp);
  KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
  RtlCopyMemory(Joined, First, sizeof(First));
  RtlCopyMemory(Joined + sizeof(First), Second, sizeof(Second));
  DbgPrint("fill: returned 0x%08X, completed 0x%08X with %u bytes \"%s\"\n", Status, Irp->IoStatus.Status,
           (ULONG)Irp->IoStatus.Information, Joined);
  IoFreeMdl(Irp->MdlAddress->Next);
  IoFreeMdl(Irp->MdlAddress);
  IoFreeIrp(Irp);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNICODE_STRING Name = RTL_CONSTANT_STRING(TARGET_DEVICE);
  UNICODE_STRING Missing = RTL_CONSTANT_STRING(L"\\Device\\WskemuNothing");
  static UNICODE_STRING FilterName = RTL_CONSTANT_STRING(L"\\Device\\WskemuFilter");
  PFILE_OBJECT File;
  PDEVICE_OBJECT Device;
  NTSTATUS Status;
  UNREFERENCED_PARAMETER(RegistryPath);
  Status = IoGetDeviceObjectPointer(&Missing, FILE_READ_DATA, &File, &Device);
  DbgPrint("open a missing device: 0x%08X\n", Status);
  Status = IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &File, &Device);
  if (!NT_SUCCESS(Status)) return Status;
  DbgPrint("open: 0x%08X, stack size %d, file object of it: %s\n", Status, Device->StackSize,
           File->DeviceObject == Device ? "yes" : "no");
  Reverse(Device);
  Fill(Device);
  ObDereferenceObject(File);

  Status = IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &TargetFile, &Target);
  if (NT_SUCCESS(Status)) Status = IoCreateDevice(DriverObject, 0, &FilterName, FILE_DEVICE_UNKNOWN, 0, FALSE, &Filter);
  if (!NT_SUCCESS(Status)) return Status;
  Filter->StackSize = Target->StackSize + 1;
  Filter->Flags |= DO_BUFFERED_IO;
  Filter->Flags &= ~DO_DEVICE_INITIALIZING;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FilterControl;
  DriverObject->DriverUnload = FilterUnload;
  return STATUS_SUCCESS;
}
