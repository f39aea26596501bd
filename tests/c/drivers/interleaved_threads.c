/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: four system threads pass a token around 500 times, each time
 * suspended deep in a call chain with its own locals, while completion
 * routines run in between; every thread checks its stack after every resume. */
#include "_wsk_setup.h"

#define THREADS 4
#define ROUNDS 500

static KEVENT Turn[THREADS];
static PETHREAD Threads[THREADS];
static LONG Broken;
static LONG Completions;

DRIVER_UNLOAD InterleavedUnload;
KSTART_ROUTINE Runner;
IO_COMPLETION_ROUTINE Counted;

NTSTATUS Counted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  volatile ULONG Scratch[64]; /* dirties the DPC stack */
  UNREFERENCED_PARAMETER(DeviceObject);
  for (ULONG i = 0; i < 64; i++) Scratch[i] = 0xBAD0BAD0;
  InterlockedIncrement(&Completions);
  KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
  UNREFERENCED_PARAMETER(Irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Suspends with `Depth` frames of this thread's locals on its stack, then checks them. */
static VOID Nested(ULONG Id, ULONG Depth, ULONG Round) {
  volatile ULONG Mine[32];
  for (ULONG i = 0; i < 32; i++) Mine[i] = Id * 0x01000000 + Depth * 0x10000 + Round + i;
  if (Depth > 0) {
    Nested(Id, Depth - 1, Round);
  } else {
    /* A real completion runs on the DPC stack while this thread waits. */
    KEVENT Completed;
    PIRP Irp = IoAllocateIrp(1, FALSE);
    KeInitializeEvent(&Completed, NotificationEvent, FALSE);
    IoSetCompletionRoutine(Irp, Counted, &Completed, TRUE, TRUE, TRUE);
    TestNpi.Dispatch->WskSocket(TestNpi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_BASIC_SOCKET, NULL,
                                NULL, NULL, NULL, NULL, Irp);
    KeWaitForSingleObject(&Completed, Executive, KernelMode, FALSE, NULL);
    if (NT_SUCCESS(Irp->IoStatus.Status)) {
      PWSK_SOCKET Socket = (PWSK_SOCKET)Irp->IoStatus.Information;
      IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
      KeClearEvent(&Completed);
      IoSetCompletionRoutine(Irp, Counted, &Completed, TRUE, TRUE, TRUE);
      ((PWSK_PROVIDER_BASIC_DISPATCH)Socket->Dispatch)->WskCloseSocket(Socket, Irp);
      KeWaitForSingleObject(&Completed, Executive, KernelMode, FALSE, NULL);
    }
    IoFreeIrp(Irp);
    KeSetEvent(&Turn[(Id + 1) % THREADS], IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(&Turn[Id], Executive, KernelMode, FALSE, NULL);
  }
  for (ULONG i = 0; i < 32; i++)
    if (Mine[i] != Id * 0x01000000 + Depth * 0x10000 + Round + i) InterlockedIncrement(&Broken);
}

VOID Runner(PVOID Context) {
  ULONG Id = (ULONG)(ULONG_PTR)Context;
  if (Id != 0) KeWaitForSingleObject(&Turn[Id], Executive, KernelMode, FALSE, NULL);
  for (ULONG Round = 0; Round < ROUNDS; Round++) Nested(Id, 1 + (Round + Id) % 4, Round);
  KeSetEvent(&Turn[(Id + 1) % THREADS], IO_NO_INCREMENT, FALSE);
  PsTerminateSystemThread(STATUS_SUCCESS);
}

VOID InterleavedUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  WskReleaseProviderNPI(&TestRegistration);
  WskDeregister(&TestRegistration);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(RegistryPath);
  if (!NT_SUCCESS(TestAttach())) return STATUS_UNSUCCESSFUL;
  for (ULONG i = 0; i < THREADS; i++) KeInitializeEvent(&Turn[i], SynchronizationEvent, FALSE);
  for (ULONG i = 0; i < THREADS; i++) {
    HANDLE Handle;
    PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Runner, (PVOID)(ULONG_PTR)i);
    ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Threads[i], NULL);
    ZwClose(Handle);
  }
  for (ULONG i = 0; i < THREADS; i++) {
    KeWaitForSingleObject(Threads[i], Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Threads[i]);
  }
  DbgPrint("%d threads, %d rounds, %d completions in between: %s\n", THREADS, ROUNDS, Completions,
           Broken ? "STACKS CORRUPTED" : "every stack intact");
  DriverObject->DriverUnload = InterleavedUnload;
  return Broken ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}
