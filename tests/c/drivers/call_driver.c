/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: IoCallDriver between a driver's own devices. DriverEntry sends
 * IRPs it allocated to the lower device (answered at once, and pended then
 * completed from a DPC, and held until IoCancelIrp runs its cancel routine)
 * and waits for its completion routine, then the same
 * through IoBuildDeviceIoControlRequest with an event and an
 * IO_STATUS_BLOCK; the upper
 * device passes the requests it gets down to the lower one with
 * IoCopyCurrentIrpStackLocationToNext and a completion routine, or (IOCTL_PASS)
 * with IoSkipCurrentIrpStackLocation. */
#include <ntddk.h>

#define IOCTL_REVERSE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_LATER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_PASS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_HOLD CTL_CODE(FILE_DEVICE_UNKNOWN, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _LOWER_EXTENSION {
  KDPC Dpc;
  PIRP Pending;
} LOWER_EXTENSION, *PLOWER_EXTENSION;

static PDEVICE_OBJECT Lower, Upper;
static ULONG UpperCompletions;

DRIVER_UNLOAD CallUnload;
DRIVER_DISPATCH CallControl;
IO_COMPLETION_ROUTINE UpperComplete;
IO_COMPLETION_ROUTINE SentComplete;
KDEFERRED_ROUTINE CompleteLater;
DRIVER_CANCEL CancelHeld;
static PIRP Held;

/* The lower device's work: the SystemBuffer reversed in place. */
static VOID Reverse(PIRP Irp) {
  PIO_STACK_LOCATION IrpSp = IoGetCurrentIrpStackLocation(Irp);
  PUCHAR Buffer = Irp->AssociatedIrp.SystemBuffer;
  ULONG Length = IrpSp->Parameters.DeviceIoControl.InputBufferLength;
  for (ULONG i = 0; i < Length / 2; i++) {
    UCHAR t = Buffer[i];
    Buffer[i] = Buffer[Length - 1 - i];
    Buffer[Length - 1 - i] = t;
  }
  Irp->IoStatus.Status = STATUS_SUCCESS;
  Irp->IoStatus.Information = Length;
}

VOID CompleteLater(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PLOWER_EXTENSION Extension = DeferredContext;
  PIRP Irp = Extension->Pending;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  Extension->Pending = NULL;
  Reverse(Irp);
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* IOCTL_HOLD keeps the IRP until it is cancelled. */
VOID CancelHeld(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  IoReleaseCancelSpinLock(Irp->CancelIrql);
  Held = NULL;
  Irp->IoStatus.Status = STATUS_CANCELLED;
  Irp->IoStatus.Information = 0;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static NTSTATUS LowerControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION IrpSp = IoGetCurrentIrpStackLocation(Irp);
  PLOWER_EXTENSION Extension = DeviceObject->DeviceExtension;
  DbgPrint("lower: location %d of %d, %s device\n", Irp->CurrentLocation, Irp->StackCount,
           IrpSp->DeviceObject == DeviceObject ? "its own" : "another");
  if (IrpSp->Parameters.DeviceIoControl.IoControlCode == IOCTL_HOLD) {
    IoMarkIrpPending(Irp);
    Held = Irp;
    IoSetCancelRoutine(Irp, CancelHeld);
    return STATUS_PENDING;
  }
  if (IrpSp->Parameters.DeviceIoControl.IoControlCode == IOCTL_LATER) {
    IoMarkIrpPending(Irp);
    Extension->Pending = Irp;
    KeInsertQueueDpc(&Extension->Dpc, NULL, NULL);
    return STATUS_PENDING;
  }
  Reverse(Irp);
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return STATUS_SUCCESS;
}

NTSTATUS UpperComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(Context);
  if (Irp->PendingReturned) IoMarkIrpPending(Irp);
  if (DeviceObject == Upper) UpperCompletions++;
  return STATUS_CONTINUE_COMPLETION;
}

NTSTATUS CallControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  if (DeviceObject == Lower) return LowerControl(DeviceObject, Irp);
  if (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode == IOCTL_PASS) {
    IoSkipCurrentIrpStackLocation(Irp); /* no interest in the outcome */
    return IoCallDriver(Lower, Irp);
  }
  IoCopyCurrentIrpStackLocationToNext(Irp);
  IoSetCompletionRoutine(Irp, UpperComplete, NULL, TRUE, TRUE, TRUE);
  return IoCallDriver(Lower, Irp);
}

NTSTATUS SentComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours: DriverEntry frees it */
}

/* An IRP of our own to the lower device, waited for when it pends. */
static VOID SendToLower(ULONG Code) {
  CHAR Buffer[8] = "wskemu";
  KEVENT Done;
  PIRP Irp = IoAllocateIrp(Lower->StackSize, FALSE);
  PIO_STACK_LOCATION IrpSp;
  NTSTATUS Status;
  if (Irp == NULL) return;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp->MajorFunction = IRP_MJ_DEVICE_CONTROL;
  IrpSp->Parameters.DeviceIoControl.IoControlCode = Code;
  IrpSp->Parameters.DeviceIoControl.InputBufferLength = 6;
  IrpSp->Parameters.DeviceIoControl.OutputBufferLength = 6;
  Irp->AssociatedIrp.SystemBuffer = Buffer;
  IoSetCompletionRoutine(Irp, SentComplete, &Done, TRUE, TRUE, TRUE);
  Status = IoCallDriver(Lower, Irp);
  if (Code == IOCTL_HOLD) DbgPrint("IoCancelIrp: %s\n", IoCancelIrp(Irp) ? "TRUE" : "FALSE");
  if (Status == STATUS_PENDING) KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
  DbgPrint("sent: returned 0x%08X, completed 0x%08X with %u bytes \"%s\", pending %u, location %d, cancel %u\n",
           Status, Irp->IoStatus.Status, (ULONG)Irp->IoStatus.Information, Buffer, Irp->PendingReturned,
           Irp->CurrentLocation, Irp->Cancel);
  IoFreeIrp(Irp);
}

/* The same through IoBuildDeviceIoControlRequest: the I/O manager copies the output and frees the IRP. */
static VOID BuildAndSend(ULONG Code) {
  CHAR Input[] = "driver", Output[8] = {0};
  KEVENT Done;
  IO_STATUS_BLOCK IoStatus = {0};
  NTSTATUS Status;
  PIRP Irp;
  KeInitializeEvent(&Done, NotificationEvent, FALSE);
  Irp = IoBuildDeviceIoControlRequest(Code, Lower, Input, 6, Output, sizeof(Output), FALSE, &Done, &IoStatus);
  if (Irp == NULL) return;
  Status = IoCallDriver(Lower, Irp);
  if (Status == STATUS_PENDING) {
    KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
    Status = IoStatus.Status;
  }
  DbgPrint("built: 0x%08X with %u bytes \"%s\", input \"%s\"\n", Status, (ULONG)IoStatus.Information, Output,
           Input);
}

VOID CallUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  DbgPrint("upper completions: %u\n", UpperCompletions);
  IoDeleteDevice(Upper);
  IoDeleteDevice(Lower);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  static UNICODE_STRING UpperName = RTL_CONSTANT_STRING(L"\\Device\\WskemuUpper");
  NTSTATUS Status;
  UNREFERENCED_PARAMETER(RegistryPath);
  Status = IoCreateDevice(DriverObject, sizeof(LOWER_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Lower);
  if (!NT_SUCCESS(Status)) return Status;
  Status = IoCreateDevice(DriverObject, 0, &UpperName, FILE_DEVICE_UNKNOWN, 0, FALSE, &Upper);
  if (!NT_SUCCESS(Status)) {
    IoDeleteDevice(Lower);
    return Status;
  }
  KeInitializeDpc(&((PLOWER_EXTENSION)Lower->DeviceExtension)->Dpc, CompleteLater, Lower->DeviceExtension);
  Upper->StackSize = Lower->StackSize + 1;
  Lower->Flags |= DO_BUFFERED_IO;
  Upper->Flags |= DO_BUFFERED_IO;
  Lower->Flags &= ~DO_DEVICE_INITIALIZING;
  Upper->Flags &= ~DO_DEVICE_INITIALIZING;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = CallControl;
  DriverObject->DriverUnload = CallUnload;
  SendToLower(IOCTL_REVERSE);
  SendToLower(IOCTL_LATER);
  SendToLower(IOCTL_HOLD);
  BuildAndSend(IOCTL_REVERSE);
  BuildAndSend(IOCTL_LATER);
  return STATUS_SUCCESS;
}
