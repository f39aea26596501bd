/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: a worker waits for "work" or "stop" with KeWaitForMultipleObjects
 * (WaitAny), the way worker threads do; then a WaitAll with a timeout. */
#include <ntddk.h>

static KEVENT Work, Stop;
static LONG Handled;

KSTART_ROUTINE Worker;
VOID Worker(PVOID Context) {
  PVOID Objects[2] = {&Stop, &Work};
  UNREFERENCED_PARAMETER(Context);
  for (;;) {
    NTSTATUS Status = KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
    if (Status == STATUS_WAIT_0) break;
    if (Status == STATUS_WAIT_0 + 1) InterlockedIncrement(&Handled);
  }
  PsTerminateSystemThread(STATUS_SUCCESS);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  HANDLE Handle;
  PETHREAD Thread;
  LARGE_INTEGER Tick, Short;
  KEVENT A, B;
  PVOID Both[2] = {&A, &B};
  NTSTATUS Timeout, All;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  KeInitializeEvent(&Work, SynchronizationEvent, FALSE);
  KeInitializeEvent(&Stop, NotificationEvent, FALSE);
  PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Worker, NULL);
  ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Thread, NULL);
  ZwClose(Handle);
  Tick.QuadPart = -10 * 1000; /* 1 ms */
  for (int i = 0; i < 3; i++) {
    KeSetEvent(&Work, IO_NO_INCREMENT, FALSE);
    KeDelayExecutionThread(KernelMode, FALSE, &Tick);
  }
  KeSetEvent(&Stop, IO_NO_INCREMENT, FALSE);
  KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL);
  ObDereferenceObject(Thread);

  KeInitializeEvent(&A, NotificationEvent, TRUE);
  KeInitializeEvent(&B, SynchronizationEvent, FALSE);
  Short.QuadPart = -10 * 1000 * 5;
  Timeout = KeWaitForMultipleObjects(2, Both, WaitAll, Executive, KernelMode, FALSE, &Short, NULL);
  KeSetEvent(&B, IO_NO_INCREMENT, FALSE);
  All = KeWaitForMultipleObjects(2, Both, WaitAll, Executive, KernelMode, FALSE, &Short, NULL);
  DbgPrint("multi_wait: worker handled %d work items; WaitAll 0x%08X then 0x%08X, B %s\n", Handled, Timeout, All,
           KeReadStateEvent(&B) ? "still set" : "consumed");
  return STATUS_SUCCESS;
}
