/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: a periodic timer whose DPC counts ticks at DISPATCH_LEVEL, and a
 * one-shot synchronization timer waited for at PASSIVE_LEVEL. */
#include <ntddk.h>

static KTIMER Periodic, OneShot;
static KDPC TickDpc;
static KEVENT ThreeTicks;
static LONG Ticks;

KDEFERRED_ROUTINE Tick;
VOID Tick(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  if (KeGetCurrentIrql() == DISPATCH_LEVEL && InterlockedIncrement(&Ticks) == 3)
    KeSetEvent((PKEVENT)DeferredContext, IO_NO_INCREMENT, FALSE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  LARGE_INTEGER Due;
  NTSTATUS Status;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  KeInitializeEvent(&ThreeTicks, NotificationEvent, FALSE);
  KeInitializeDpc(&TickDpc, Tick, &ThreeTicks);
  KeInitializeTimer(&Periodic);
  Due.QuadPart = -10 * 1000 * 5; /* 5 ms, then every 5 ms */
  KeSetTimerEx(&Periodic, Due, 5, &TickDpc);
  KeWaitForSingleObject(&ThreeTicks, Executive, KernelMode, FALSE, NULL);
  KeCancelTimer(&Periodic);

  KeInitializeTimerEx(&OneShot, SynchronizationTimer);
  Due.QuadPart = -10 * 1000 * 10;
  KeSetTimer(&OneShot, Due, NULL);
  Status = KeWaitForSingleObject(&OneShot, Executive, KernelMode, FALSE, NULL);
  DbgPrint("timer: %d DPC ticks at DISPATCH_LEVEL; one-shot wait 0x%08X, then %s\n", Ticks >= 3 ? 3 : Ticks, Status,
           KeReadStateTimer(&OneShot) ? "still signalled" : "reset by the wait");
  return STATUS_SUCCESS;
}
