/* Copyright 2026 the wskemu authors. MIT license.
 * Two system threads hand a token back and forth through two synchronization
 * events; every hand-over is one KeWaitForSingleObject suspend and resume.
 * Prints the mean cost per wait (used by bench/c_bench.ts). */
#include <ntddk.h>

#define ROUNDS 20000

static KEVENT Ping, Pong;
static PETHREAD Threads[2];

KSTART_ROUTINE Player;
VOID Player(PVOID Context) {
  BOOLEAN First = Context == NULL;
  for (ULONG i = 0; i < ROUNDS; i++) {
    if (First) {
      KeSetEvent(&Ping, IO_NO_INCREMENT, FALSE);
      KeWaitForSingleObject(&Pong, Executive, KernelMode, FALSE, NULL);
    } else {
      KeWaitForSingleObject(&Ping, Executive, KernelMode, FALSE, NULL);
      KeSetEvent(&Pong, IO_NO_INCREMENT, FALSE);
    }
  }
  PsTerminateSystemThread(STATUS_SUCCESS);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  LARGE_INTEGER Start, End;
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  KeInitializeEvent(&Ping, SynchronizationEvent, FALSE);
  KeInitializeEvent(&Pong, SynchronizationEvent, FALSE);
  Start = KeQueryPerformanceCounter(NULL);
  for (ULONG i = 0; i < 2; i++) {
    HANDLE Handle;
    PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Player, (PVOID)(ULONG_PTR)i);
    ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Threads[i], NULL);
    ZwClose(Handle);
  }
  for (ULONG i = 0; i < 2; i++) {
    KeWaitForSingleObject(Threads[i], Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Threads[i]);
  }
  End = KeQueryPerformanceCounter(NULL);
  /* 2 waits per round; the counter ticks in 100 ns. */
  DbgPrint("pingpong: %u waits, %u ns each\n", 2 * ROUNDS, (ULONG)((End.QuadPart - Start.QuadPart) * 100 / (2 * ROUNDS)));
  return STATUS_SUCCESS;
}
