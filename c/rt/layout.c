/* Copyright 2026 the wskemu authors. MIT license.
 * The layout table: every size and offset the host reads or writes in C
 * memory, as clang laid it out for wasm32, plus the addresses of the runtime's
 * tables. The host takes all of them from here and checks at load that none
 * it needs is missing, so it never hard-codes a layout. */
#include "rt.h"

typedef struct {
  const char *Name;
  ULONG Value;
} RT_LAYOUT_ENTRY;

#define SIZE(T) {#T, sizeof(T)}
#define FIELD(T, F) {#T "." #F, __builtin_offsetof(T, F)}
#define ADDRESS(Name, Symbol) {Name, (ULONG)(ULONG_PTR)&(Symbol)}

#define RT_LAYOUT_VERSION 2 /* the host's LAYOUT_EXPECTATIONS.version */

static const RT_LAYOUT_ENTRY Layout[] = {
    {"version", RT_LAYOUT_VERSION},
    SIZE(PVOID), SIZE(WCHAR), SIZE(LONG), SIZE(SIZE_T), SIZE(LARGE_INTEGER), SIZE(GUID),
    SIZE(IRP), FIELD(IRP, Type), FIELD(IRP, Size), FIELD(IRP, MdlAddress), FIELD(IRP, Flags),
    FIELD(IRP, AssociatedIrp.SystemBuffer), FIELD(IRP, IoStatus.Status), FIELD(IRP, IoStatus.Information),
    FIELD(IRP, RequestorMode), FIELD(IRP, PendingReturned), FIELD(IRP, StackCount), FIELD(IRP, CurrentLocation),
    FIELD(IRP, Cancel), FIELD(IRP, CancelIrql), FIELD(IRP, CancelRoutine), FIELD(IRP, UserBuffer),
    FIELD(IRP, UserIosb), FIELD(IRP, UserEvent),
    FIELD(IRP, Tail.Overlay.Thread), FIELD(IRP, Tail.Overlay.CurrentStackLocation),
    SIZE(IO_STACK_LOCATION), FIELD(IO_STACK_LOCATION, MajorFunction), FIELD(IO_STACK_LOCATION, MinorFunction),
    FIELD(IO_STACK_LOCATION, Flags), FIELD(IO_STACK_LOCATION, Control), FIELD(IO_STACK_LOCATION, Parameters),
    FIELD(IO_STACK_LOCATION, Parameters.DeviceIoControl.OutputBufferLength),
    FIELD(IO_STACK_LOCATION, Parameters.DeviceIoControl.InputBufferLength),
    FIELD(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode),
    FIELD(IO_STACK_LOCATION, Parameters.DeviceIoControl.Type3InputBuffer),
    FIELD(IO_STACK_LOCATION, Parameters.Read.Length), FIELD(IO_STACK_LOCATION, Parameters.Write.Length),
    FIELD(IO_STACK_LOCATION, DeviceObject), FIELD(IO_STACK_LOCATION, FileObject),
    FIELD(IO_STACK_LOCATION, CompletionRoutine), FIELD(IO_STACK_LOCATION, Context),
    SIZE(MDL), FIELD(MDL, Next), FIELD(MDL, Size), FIELD(MDL, MdlFlags), FIELD(MDL, MappedSystemVa),
    FIELD(MDL, StartVa), FIELD(MDL, ByteCount), FIELD(MDL, ByteOffset),
    SIZE(KEVENT), FIELD(KEVENT, Header.Type), FIELD(KEVENT, Header.SignalState),
    SIZE(KTIMER), FIELD(KTIMER, Dpc), SIZE(KDPC), FIELD(KDPC, DeferredRoutine), FIELD(KDPC, DeferredContext),
    SIZE(KTHREAD), FIELD(KTHREAD, StartRoutine), FIELD(KTHREAD, StartContext), FIELD(KTHREAD, UniqueThread),
    FIELD(KTHREAD, ExitStatus),
    SIZE(UNICODE_STRING), FIELD(UNICODE_STRING, Length), FIELD(UNICODE_STRING, MaximumLength),
    FIELD(UNICODE_STRING, Buffer),
    SIZE(DRIVER_OBJECT), FIELD(DRIVER_OBJECT, Type), FIELD(DRIVER_OBJECT, Size), FIELD(DRIVER_OBJECT, DeviceObject),
    FIELD(DRIVER_OBJECT, DriverExtension), FIELD(DRIVER_OBJECT, DriverName), FIELD(DRIVER_OBJECT, DriverUnload),
    FIELD(DRIVER_OBJECT, MajorFunction), FIELD(DRIVER_OBJECT, DriverInit),
    SIZE(DRIVER_EXTENSION), FIELD(DRIVER_EXTENSION, DriverObject), FIELD(DRIVER_EXTENSION, ServiceKeyName),
    SIZE(DEVICE_OBJECT), FIELD(DEVICE_OBJECT, Type), FIELD(DEVICE_OBJECT, Size), FIELD(DEVICE_OBJECT, DriverObject),
    FIELD(DEVICE_OBJECT, NextDevice), FIELD(DEVICE_OBJECT, Flags), FIELD(DEVICE_OBJECT, Characteristics),
    FIELD(DEVICE_OBJECT, DeviceExtension), FIELD(DEVICE_OBJECT, DeviceType), FIELD(DEVICE_OBJECT, StackSize),
    SIZE(FILE_OBJECT), FIELD(FILE_OBJECT, Type), FIELD(FILE_OBJECT, Size), FIELD(FILE_OBJECT, DeviceObject),
    SIZE(SOCKADDR), SIZE(SOCKADDR_STORAGE), SIZE(SOCKADDR_IN), FIELD(SOCKADDR_IN, sin_family),
    FIELD(SOCKADDR_IN, sin_port), FIELD(SOCKADDR_IN, sin_addr), SIZE(SOCKADDR_IN6), FIELD(SOCKADDR_IN6, sin6_family),
    FIELD(SOCKADDR_IN6, sin6_port), FIELD(SOCKADDR_IN6, sin6_flowinfo), FIELD(SOCKADDR_IN6, sin6_addr),
    FIELD(SOCKADDR_IN6, sin6_scope_id),
    SIZE(WSK_SOCKET), FIELD(WSK_SOCKET, Dispatch),
    SIZE(WSK_BUF), FIELD(WSK_BUF, Mdl), FIELD(WSK_BUF, Offset), FIELD(WSK_BUF, Length),
    SIZE(WSK_BUF_LIST), FIELD(WSK_BUF_LIST, Next), FIELD(WSK_BUF_LIST, Buffer),
    SIZE(WSK_DATA_INDICATION), FIELD(WSK_DATA_INDICATION, Next), FIELD(WSK_DATA_INDICATION, Buffer),
    SIZE(WSK_DATAGRAM_INDICATION), FIELD(WSK_DATAGRAM_INDICATION, Next), FIELD(WSK_DATAGRAM_INDICATION, Buffer),
    FIELD(WSK_DATAGRAM_INDICATION, ControlInfo), FIELD(WSK_DATAGRAM_INDICATION, ControlInfoLength),
    FIELD(WSK_DATAGRAM_INDICATION, RemoteAddress),
    SIZE(WSK_CLIENT_NPI), FIELD(WSK_CLIENT_NPI, ClientContext), FIELD(WSK_CLIENT_NPI, Dispatch),
    SIZE(WSK_CLIENT_DISPATCH), FIELD(WSK_CLIENT_DISPATCH, Version), FIELD(WSK_CLIENT_DISPATCH, WskClientEvent),
    SIZE(WSK_PROVIDER_NPI), FIELD(WSK_PROVIDER_NPI, Client), FIELD(WSK_PROVIDER_NPI, Dispatch),
    SIZE(WSK_REGISTRATION), SIZE(WSK_PROVIDER_CHARACTERISTICS),
    FIELD(WSK_PROVIDER_CHARACTERISTICS, HighestVersion), FIELD(WSK_PROVIDER_CHARACTERISTICS, LowestVersion),
    SIZE(WSK_EVENT_CALLBACK_CONTROL), FIELD(WSK_EVENT_CALLBACK_CONTROL, NpiId),
    FIELD(WSK_EVENT_CALLBACK_CONTROL, EventMask),
    SIZE(WSK_TRANSPORT), FIELD(WSK_TRANSPORT, Version), FIELD(WSK_TRANSPORT, SocketType),
    FIELD(WSK_TRANSPORT, Protocol), FIELD(WSK_TRANSPORT, AddressFamily), FIELD(WSK_TRANSPORT, ProviderId),
    FIELD(WSK_CLIENT_LISTEN_DISPATCH, WskAcceptEvent), FIELD(WSK_CLIENT_LISTEN_DISPATCH, WskInspectEvent),
    FIELD(WSK_CLIENT_LISTEN_DISPATCH, WskAbortEvent),
    FIELD(WSK_CLIENT_CONNECTION_DISPATCH, WskReceiveEvent), FIELD(WSK_CLIENT_CONNECTION_DISPATCH, WskDisconnectEvent),
    FIELD(WSK_CLIENT_CONNECTION_DISPATCH, WskSendBacklogEvent),
    FIELD(WSK_CLIENT_DATAGRAM_DISPATCH, WskReceiveFromEvent),
    FIELD(WSK_CLIENT_STREAM_DISPATCH, Listen), FIELD(WSK_CLIENT_STREAM_DISPATCH, Connect),
    SIZE(WSK_INSPECT_ID), FIELD(WSK_INSPECT_ID, Key), FIELD(WSK_INSPECT_ID, SerialNumber),
    SIZE(ADDRINFOEXW), FIELD(ADDRINFOEXW, ai_flags), FIELD(ADDRINFOEXW, ai_family), FIELD(ADDRINFOEXW, ai_socktype),
    FIELD(ADDRINFOEXW, ai_protocol), FIELD(ADDRINFOEXW, ai_addrlen), FIELD(ADDRINFOEXW, ai_canonname),
    FIELD(ADDRINFOEXW, ai_addr), FIELD(ADDRINFOEXW, ai_blob), FIELD(ADDRINFOEXW, ai_bloblen),
    FIELD(ADDRINFOEXW, ai_provider), FIELD(ADDRINFOEXW, ai_next),
    SIZE(OBJECT_ATTRIBUTES), FIELD(OBJECT_ATTRIBUTES, RootDirectory), FIELD(OBJECT_ATTRIBUTES, ObjectName),
    SIZE(RTL_QUERY_REGISTRY_TABLE), FIELD(RTL_QUERY_REGISTRY_TABLE, QueryRoutine),
    FIELD(RTL_QUERY_REGISTRY_TABLE, Flags), FIELD(RTL_QUERY_REGISTRY_TABLE, Name),
    FIELD(RTL_QUERY_REGISTRY_TABLE, EntryContext), FIELD(RTL_QUERY_REGISTRY_TABLE, DefaultType),
    FIELD(RTL_QUERY_REGISTRY_TABLE, DefaultData), FIELD(RTL_QUERY_REGISTRY_TABLE, DefaultLength),
    FIELD(CLIENT_ID, UniqueProcess), FIELD(CLIENT_ID, UniqueThread),
    SIZE(RT_POOL_BLOCK), FIELD(RT_POOL_BLOCK, Magic), FIELD(RT_POOL_BLOCK, Tag), FIELD(RT_POOL_BLOCK, Size),
    FIELD(RT_POOL_BLOCK, Flags), FIELD(RT_POOL_BLOCK, Function), FIELD(RT_POOL_BLOCK, Site),
    FIELD(RT_POOL_BLOCK, Next),
    ADDRESS("table.WSK_PROVIDER_DISPATCH", rtProviderDispatch),
    ADDRESS("table.WSK_PROVIDER_BASIC_DISPATCH", rtBasicDispatch),
    ADDRESS("table.WSK_PROVIDER_LISTEN_DISPATCH", rtListenDispatch),
    ADDRESS("table.WSK_PROVIDER_CONNECTION_DISPATCH", rtConnectionDispatch),
    ADDRESS("table.WSK_PROVIDER_DATAGRAM_DISPATCH", rtDatagramDispatch),
    ADDRESS("table.WSK_PROVIDER_STREAM_DISPATCH", rtStreamDispatch),
    ADDRESS("data.NPI_WSK_INTERFACE_ID", NPI_WSK_INTERFACE_ID),
    {NULL, 0},
};

RT_EXPORT(rtLayoutTable) const RT_LAYOUT_ENTRY *rtLayoutTable(void) { return Layout; }
