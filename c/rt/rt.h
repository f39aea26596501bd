/* Copyright 2026 the wskemu authors. MIT license.
 * The C runtime's private imports: the host functions under the "wskemu"
 * module that the in-module half of the kernel calls. Blocking routines call
 * a non-blocking *Prepare import first and only then the Suspending one, so
 * no suspending import ever runs where it cannot suspend (JSPI throws). */
#ifndef _WSKEMU_RT_PRIVATE_H
#define _WSKEMU_RT_PRIVATE_H
#include <ntddk.h>
#include <wsk.h>

#define RT_IMPORT(name) __attribute__((import_module("wskemu"), import_name(#name)))
#define RT_EXPORT(name) __attribute__((export_name(#name), used))

RT_IMPORT(lowResources) int rtLowResources(void);
RT_IMPORT(bugCheck) DECLSPEC_NORETURN void rtBugCheck(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3,
                                                      ULONG_PTR P4, const char *Rule);
RT_IMPORT(irpCreated) int rtIrpCreated(PIRP Irp, int StackSize, const char *Function, const char *Site);
RT_IMPORT(irpFree) void rtIrpFree(PIRP Irp);
RT_IMPORT(irpReuse) void rtIrpReuse(PIRP Irp, NTSTATUS Status);
RT_IMPORT(waitPrepare) NTSTATUS rtWaitPrepare(PVOID Object, PLARGE_INTEGER Timeout);
RT_IMPORT(waitSuspend) NTSTATUS rtWaitSuspend(PVOID Object, PLARGE_INTEGER Timeout);
RT_IMPORT(waitMultiplePrepare) NTSTATUS rtWaitMultiplePrepare(ULONG Count, PVOID *Objects, int WaitAll,
                                                              PLARGE_INTEGER Timeout);
RT_IMPORT(waitMultipleSuspend) NTSTATUS rtWaitMultipleSuspend(ULONG Count, PVOID *Objects, int WaitAll,
                                                              PLARGE_INTEGER Timeout);
RT_IMPORT(delayPrepare) NTSTATUS rtDelayPrepare(PLARGE_INTEGER Interval);
RT_IMPORT(delaySuspend) NTSTATUS rtDelaySuspend(PLARGE_INTEGER Interval);
RT_IMPORT(deregisterPrepare) int rtDeregisterPrepare(PWSK_REGISTRATION Registration);
RT_IMPORT(deregisterSuspend) void rtDeregisterSuspend(PWSK_REGISTRATION Registration);
RT_IMPORT(capturePrepare) NTSTATUS rtCapturePrepare(PWSK_REGISTRATION Registration, ULONG WaitTimeout,
                                                    PWSK_PROVIDER_NPI Npi);
RT_IMPORT(captureSuspend) NTSTATUS rtCaptureSuspend(PWSK_REGISTRATION Registration, ULONG WaitTimeout,
                                                    PWSK_PROVIDER_NPI Npi);
RT_IMPORT(format) NTSTATUS rtFormat(PVOID Dest, size_t Cch, int Wide, const VOID *Format, va_list Args);

/* The header in front of every pool block (c/rt/pool.c). */
typedef struct _RT_POOL_BLOCK {
  ULONG Magic;
  ULONG Tag;
  ULONG Size;
  ULONG Capacity;
  ULONG Flags;
  const char *Function;
  const char *Site;
  struct _RT_POOL_BLOCK *Next;
  struct _RT_POOL_BLOCK *Prev;
  ULONG Reserved;
} RT_POOL_BLOCK;
C_ASSERT(sizeof(RT_POOL_BLOCK) % 8 == 0);

/* The provider dispatch tables (c/rt/dispatch.c). */
extern const WSK_PROVIDER_DISPATCH rtProviderDispatch;
extern const WSK_PROVIDER_BASIC_DISPATCH rtBasicDispatch;
extern const WSK_PROVIDER_LISTEN_DISPATCH rtListenDispatch;
extern const WSK_PROVIDER_CONNECTION_DISPATCH rtConnectionDispatch;
extern const WSK_PROVIDER_DATAGRAM_DISPATCH rtDatagramDispatch;
extern const WSK_PROVIDER_STREAM_DISPATCH rtStreamDispatch;

/* Bug check codes the runtime raises itself. */
#define RT_BAD_POOL_CALLER 0xC2
#define RT_PAGE_FAULT_IN_NONPAGED_AREA 0x50
#define RT_DRIVER_VERIFIER_DETECTED_VIOLATION 0xC4

#endif
