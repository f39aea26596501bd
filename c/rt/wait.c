/* Copyright 2026 the wskemu authors. MIT license.
 * The blocking kernel routines. Each asks a non-blocking host import first
 * (signalled already? a zero timeout? a wait at DISPATCH_LEVEL, which is bug
 * check 0x0A?) and only then calls the Suspending import that parks this C
 * stack until the host resumes it. Spin locks and the fast mutex are built on
 * them: one emulated CPU, so a spin lock only raises the IRQL. */
#include "rt.h"

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout) {
  UNREFERENCED_PARAMETER(WaitReason);
  UNREFERENCED_PARAMETER(WaitMode);
  UNREFERENCED_PARAMETER(Alertable);
  NTSTATUS Status = rtWaitPrepare(Object, Timeout);
  if (Status != STATUS_PENDING) return Status;
  return rtWaitSuspend(Object, Timeout);
}

NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray) {
  UNREFERENCED_PARAMETER(WaitReason);
  UNREFERENCED_PARAMETER(WaitMode);
  UNREFERENCED_PARAMETER(Alertable);
  UNREFERENCED_PARAMETER(WaitBlockArray);
  NTSTATUS Status = rtWaitMultiplePrepare(Count, Object, WaitType == WaitAll, Timeout);
  if (Status != STATUS_PENDING) return Status;
  return rtWaitMultipleSuspend(Count, Object, WaitType == WaitAll, Timeout);
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval) {
  UNREFERENCED_PARAMETER(WaitMode);
  UNREFERENCED_PARAMETER(Alertable);
  NTSTATUS Status = rtDelayPrepare(Interval);
  if (Status != STATUS_PENDING) return Status;
  return rtDelaySuspend(Interval);
}

VOID WskDeregister(PWSK_REGISTRATION WskRegistration) {
  if (rtDeregisterPrepare(WskRegistration)) rtDeregisterSuspend(WskRegistration);
}

NTSTATUS WskCaptureProviderNPI(PWSK_REGISTRATION WskRegistration, ULONG WaitTimeout, PWSK_PROVIDER_NPI WskProviderNpi) {
  NTSTATUS Status = rtCapturePrepare(WskRegistration, WaitTimeout, WskProviderNpi);
  if (Status != STATUS_PENDING) return Status;
  return rtCaptureSuspend(WskRegistration, WaitTimeout, WskProviderNpi);
}

LONG KeResetEvent(PRKEVENT Event) {
  LONG Previous = Event->Header.SignalState;
  Event->Header.SignalState = 0;
  return Previous;
}

VOID KeClearEvent(PRKEVENT Event) { Event->Header.SignalState = 0; }

LONG KeReadStateEvent(PRKEVENT Event) { return Event->Header.SignalState; }

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level) {
  UNREFERENCED_PARAMETER(Level);
  KeInitializeEvent((PRKEVENT)Mutex, SynchronizationEvent, TRUE);
  Mutex->OwnerThread = NULL;
  Mutex->Count = 0;
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait) {
  UNREFERENCED_PARAMETER(Wait);
  Mutex->OwnerThread = NULL;
  return KeSetEvent((PRKEVENT)Mutex, IO_NO_INCREMENT, FALSE);
}

VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex) {
  KeInitializeEvent(&FastMutex->Event, SynchronizationEvent, TRUE);
  FastMutex->Owner = NULL;
  FastMutex->Contention = 0;
}

VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex) {
  KeWaitForSingleObject(&FastMutex->Event, Executive, KernelMode, FALSE, NULL);
  FastMutex->Owner = PsGetCurrentThread();
}

VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex) {
  FastMutex->Owner = NULL;
  KeSetEvent(&FastMutex->Event, IO_NO_INCREMENT, FALSE);
}

KIRQL KeRaiseIrqlToDpcLevel(void) { return KfRaiseIrql(DISPATCH_LEVEL); }

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql) {
  *OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
  *SpinLock = 1;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
  *SpinLock = 0;
  KeLowerIrql(NewIrql);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock) {
  KIRQL OldIrql;
  KeAcquireSpinLock(SpinLock, &OldIrql);
  return OldIrql;
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) { *SpinLock = 1; }

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock) { *SpinLock = 0; }

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle) {
  LockHandle->LockQueue.Lock = SpinLock;
  LockHandle->LockQueue.Next = NULL;
  KeAcquireSpinLock(SpinLock, &LockHandle->OldIrql);
}

VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle) {
  KeReleaseSpinLock(LockHandle->LockQueue.Lock, LockHandle->OldIrql);
}

VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle) {
  LockHandle->LockQueue.Lock = SpinLock;
  *SpinLock = 1;
}

VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle) { *LockHandle->LockQueue.Lock = 0; }

ULONG KeQueryTimeIncrement(void) { return 156250; }

ULONG KeGetCurrentProcessorNumber(void) { return 0; }

ULONG KeQueryActiveProcessorCount(KAFFINITY *ActiveProcessors) {
  if (ActiveProcessors != NULL) *ActiveProcessors = 1;
  return 1;
}

HANDLE PsGetCurrentProcessId(void) { return (HANDLE)4; }

PEPROCESS PsGetCurrentProcess(void) { return NULL; }

BOOLEAN PsIsSystemThread(PETHREAD Thread) {
  UNREFERENCED_PARAMETER(Thread);
  return TRUE;
}

KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority) {
  UNREFERENCED_PARAMETER(Thread);
  UNREFERENCED_PARAMETER(Priority);
  return 8;
}

BOOLEAN PsGetVersion(PULONG MajorVersion, PULONG MinorVersion, PULONG BuildNumber, PUNICODE_STRING CSDVersion) {
  UNREFERENCED_PARAMETER(CSDVersion);
  if (MajorVersion) *MajorVersion = 10;
  if (MinorVersion) *MinorVersion = 0;
  if (BuildNumber) *BuildNumber = 19041;
  return FALSE;
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency) {
  LARGE_INTEGER Counter;
  if (PerformanceFrequency != NULL) PerformanceFrequency->QuadPart = 10000000;
  Counter.QuadPart = (LONGLONG)KeQueryInterruptTime();
  return Counter;
}
