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
