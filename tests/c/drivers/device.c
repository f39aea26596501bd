/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: a device with a symbolic link and an IRP_MJ_DEVICE_CONTROL
 * handler that returns its input reversed (METHOD_BUFFERED) or fills the
 * output MDL chain with "abc..." from each MDL's start (METHOD_OUT_DIRECT); create and close
 * succeed. */
#include <ntddk.h>

#define IOCTL_REVERSE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_FILL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)

DRIVER_UNLOAD DeviceUnload;
DRIVER_DISPATCH DeviceCreateClose;
DRIVER_DISPATCH DeviceControl;

static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(L"\\Device\\WskemuReverse");
static UNICODE_STRING LinkName = RTL_CONSTANT_STRING(L"\\DosDevices\\WskemuReverse");

NTSTATUS DeviceCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  Irp->IoStatus.Status = STATUS_SUCCESS;
  Irp->IoStatus.Information = 0;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return STATUS_SUCCESS;
}

NTSTATUS DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION IrpSp = IoGetCurrentIrpStackLocation(Irp);
  PUCHAR Buffer = Irp->AssociatedIrp.SystemBuffer;
  ULONG In = IrpSp->Parameters.DeviceIoControl.InputBufferLength;
  ULONG Out = IrpSp->Parameters.DeviceIoControl.OutputBufferLength;
  NTSTATUS Status = STATUS_SUCCESS;
  PULONG Calls = DeviceObject->DeviceExtension;
  ++*Calls;
  if (IrpSp->Parameters.DeviceIoControl.IoControlCode == IOCTL_FILL && Irp->MdlAddress != NULL) {
    In = 0;
    for (PMDL Mdl = Irp->MdlAddress; Mdl != NULL; Mdl = Mdl->Next) {
      PUCHAR Out = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority);
      for (ULONG i = 0; i < MmGetMdlByteCount(Mdl); i++) Out[i] = (UCHAR)('a' + i);
      In += MmGetMdlByteCount(Mdl);
    }
  } else if (IrpSp->Parameters.DeviceIoControl.IoControlCode != IOCTL_REVERSE) {
    Status = STATUS_INVALID_DEVICE_REQUEST;
    In = 0;
  } else if (Out < In) {
    Status = STATUS_BUFFER_TOO_SMALL;
    In = 0;
  } else {
    for (ULONG i = 0; i < In / 2; i++) {
      UCHAR t = Buffer[i];
      Buffer[i] = Buffer[In - 1 - i];
      Buffer[In - 1 - i] = t;
    }
  }
  DbgPrint("DeviceControl call %u: %u bytes, 0x%08X\n", *Calls, In, Status);
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = In;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

VOID DeviceUnload(PDRIVER_OBJECT DriverObject) {
  IoDeleteSymbolicLink(&LinkName);
  IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PDEVICE_OBJECT Device;
  NTSTATUS Status;
  UNREFERENCED_PARAMETER(RegistryPath);
  Status = IoCreateDevice(DriverObject, sizeof(ULONG), &DeviceName, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN,
                          FALSE, &Device);
  if (!NT_SUCCESS(Status)) return Status;
  Status = IoCreateSymbolicLink(&LinkName, &DeviceName);
  DbgPrint("IoCreateSymbolicLink: 0x%08X\n", Status);
  Device->Flags |= DO_BUFFERED_IO;
  Device->Flags &= ~DO_DEVICE_INITIALIZING;
  DriverObject->MajorFunction[IRP_MJ_CREATE] = DeviceCreateClose;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = DeviceCreateClose;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DeviceControl;
  DriverObject->DriverUnload = DeviceUnload;
  return STATUS_SUCCESS;
}
