/* Copyright 2026 the wskemu authors. MIT license.
 * ksocket: a small synchronous, BSD-style socket library over WSK for
 * PASSIVE_LEVEL kernel code. Every call blocks on a KEVENT that the IRP's
 * completion routine signals; each socket owns one IRP, reused with
 * IoReuseIrp for every request. */
#ifndef KSOCKET_H
#define KSOCKET_H
#include <ntddk.h>
#include <wsk.h>

typedef struct _KSOCKET *PKSOCKET;

NTSTATUS KsInitialize(void);
VOID KsCleanup(void);
NTSTATUS KsGetAddrInfo(PCSTR Node, PCSTR Service, int Family, PADDRINFOEXW *Result);
VOID KsFreeAddrInfo(PADDRINFOEXW Result);
NTSTATUS KsSocket(ADDRESS_FAMILY Family, PKSOCKET *Socket);
NTSTATUS KsConnect(PKSOCKET Socket, PSOCKADDR Address);
NTSTATUS KsSend(PKSOCKET Socket, const VOID *Buffer, ULONG Length, PULONG Sent);
NTSTATUS KsRecv(PKSOCKET Socket, VOID *Buffer, ULONG Length, PULONG Received);
NTSTATUS KsShutdown(PKSOCKET Socket);
NTSTATUS KsClose(PKSOCKET Socket);

#endif
