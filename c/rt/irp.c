/* Copyright 2026 the wskemu authors. MIT license.
 * IRPs: the C half lives in pool (the structure driver code reads and
 * writes); the host half is the wskemu IRP twin that keeps the state and the
 * bug-check rules. Allocation, reuse and free touch both halves: the host
 * checks first (a double free is caught before memory is touched). */
#include "rt.h"

#define IRP_TAG 'prIw'

static void InitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize) {
  __builtin_memset(Irp, 0, PacketSize);
  Irp->Type = IO_TYPE_IRP;
  Irp->Size = PacketSize;
  Irp->StackCount = StackSize;
  Irp->CurrentLocation = (CHAR)(StackSize + 1);
  InitializeListHead(&Irp->ThreadListEntry);
  Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
}

PIRP rtIoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota, const char *Function, const char *Site) {
  UNREFERENCED_PARAMETER(ChargeQuota);
  if (StackSize < 0) return NULL;
  USHORT PacketSize = IoSizeOfIrp(StackSize);
  PIRP Irp = rtAllocatePool(NonPagedPoolNx, PacketSize, IRP_TAG, RT_POOL_INTERNAL, Function, Site);
  if (Irp == NULL) return NULL;
  InitializeIrp(Irp, PacketSize, StackSize);
  if (!rtIrpCreated(Irp, StackSize, Function, Site)) {
    ExFreePool(Irp);
    return NULL;
  }
  return Irp;
}

VOID IoFreeIrp(PIRP Irp) {
  rtIrpFree(Irp); /* bug checks a double free, an IRP in flight, ... */
  ExFreePool(Irp);
}

VOID IoReuseIrp(PIRP Irp, NTSTATUS Iostatus) {
  rtIrpReuse(Irp, Iostatus); /* bug checks an IRP still in use */
  CCHAR StackSize = Irp->StackCount;
  USHORT PacketSize = Irp->Size;
  UCHAR AllocationFlags = Irp->AllocationFlags;
  InitializeIrp(Irp, PacketSize, StackSize);
  Irp->AllocationFlags = AllocationFlags;
  Irp->IoStatus.Status = Iostatus;
}

VOID IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize) {
  InitializeIrp(Irp, PacketSize, StackSize);
  rtIrpCreated(Irp, StackSize, "IoInitializeIrp", "");
}

NTSTATUS IoSetCompletionRoutineEx(PDEVICE_OBJECT DeviceObject, PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine,
                                  PVOID Context, BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError,
                                  BOOLEAN InvokeOnCancel) {
  UNREFERENCED_PARAMETER(DeviceObject);
  IoSetCompletionRoutine(Irp, CompletionRoutine, Context, InvokeOnSuccess, InvokeOnError, InvokeOnCancel);
  return STATUS_SUCCESS;
}

/* The I/O manager's routine, in the top location of an IRP it built: output
 * back to the caller's buffer, the status to its IO_STATUS_BLOCK, its event
 * signalled, the IRP and what it allocated freed. */
static NTSTATUS FinishBuiltIrp(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PIO_STACK_LOCATION Top = Context;
  PVOID Output = Top->Parameters.DeviceIoControl.Type3InputBuffer;
  ULONG Length = Top->Parameters.DeviceIoControl.OutputBufferLength;
  UNREFERENCED_PARAMETER(DeviceObject);
  if (METHOD_FROM_CTL_CODE(Top->Parameters.DeviceIoControl.IoControlCode) == METHOD_BUFFERED &&
      Irp->AssociatedIrp.SystemBuffer != NULL && Output != NULL && !NT_ERROR(Irp->IoStatus.Status)) {
    ULONG_PTR Count = Irp->IoStatus.Information < Length ? Irp->IoStatus.Information : Length;
    __builtin_memcpy(Output, Irp->AssociatedIrp.SystemBuffer, Count);
  }
  if (Irp->AssociatedIrp.SystemBuffer != NULL) ExFreePool(Irp->AssociatedIrp.SystemBuffer);
  while (Irp->MdlAddress != NULL) {
    PMDL Next = Irp->MdlAddress->Next;
    IoFreeMdl(Irp->MdlAddress);
    Irp->MdlAddress = Next;
  }
  if (Irp->UserIosb != NULL) *Irp->UserIosb = Irp->IoStatus;
  if (Irp->UserEvent != NULL) KeSetEvent(Irp->UserEvent, IO_NO_INCREMENT, FALSE);
  IoFreeIrp(Irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

PIRP rtIoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
                                     ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
                                     BOOLEAN InternalDeviceIoControl, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock,
                                     const char *Function, const char *Site) {
  ULONG Method = METHOD_FROM_CTL_CODE(IoControlCode);
  ULONG Buffered = Method == METHOD_BUFFERED ? (InputBufferLength > OutputBufferLength ? InputBufferLength
                                                                                       : OutputBufferLength)
                   : Method == METHOD_NEITHER ? 0
                                              : InputBufferLength;
  PIRP Irp = rtIoAllocateIrp((CCHAR)(DeviceObject->StackSize + 1), FALSE, Function, Site);
  PIO_STACK_LOCATION Top, IrpSp;
  if (Irp == NULL) return NULL;
  /* The top location is the I/O manager's; it counts as pending, so no driver below must mark it. */
  IoSetCompletionRoutine(Irp, FinishBuiltIrp, IoGetNextIrpStackLocation(Irp), TRUE, TRUE, TRUE);
  IoSetNextIrpStackLocation(Irp);
  Top = IoGetCurrentIrpStackLocation(Irp);
  Top->Control |= SL_PENDING_RETURNED;
  Top->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
  Top->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
  Top->Parameters.DeviceIoControl.Type3InputBuffer = OutputBuffer;
  if (Buffered > 0) {
    Irp->AssociatedIrp.SystemBuffer =
        rtAllocatePool(NonPagedPoolNx, Buffered, 'fbIw', RT_POOL_INTERNAL, Function, Site);
    if (Irp->AssociatedIrp.SystemBuffer == NULL) goto Fail;
    if (InputBuffer != NULL) __builtin_memcpy(Irp->AssociatedIrp.SystemBuffer, InputBuffer, InputBufferLength);
  }
  if ((Method == METHOD_IN_DIRECT || Method == METHOD_OUT_DIRECT) && OutputBuffer != NULL && OutputBufferLength) {
    if (rtIoAllocateMdl(OutputBuffer, OutputBufferLength, FALSE, FALSE, Irp, Function, Site) == NULL) goto Fail;
    MmBuildMdlForNonPagedPool(Irp->MdlAddress);
  }
  if (Method == METHOD_NEITHER) Irp->UserBuffer = OutputBuffer;
  Irp->UserIosb = IoStatusBlock;
  Irp->UserEvent = Event;
  IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp->MajorFunction = InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
  IrpSp->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
  IrpSp->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
  IrpSp->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
  if (Method == METHOD_NEITHER) IrpSp->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
  return Irp;
Fail:
  if (Irp->AssociatedIrp.SystemBuffer != NULL) ExFreePool(Irp->AssociatedIrp.SystemBuffer);
  IoSkipCurrentIrpStackLocation(Irp);
  IoFreeIrp(Irp);
  return NULL;
}
