// Copyright 2026 the wskemu authors. MIT license.
/**
 * A port of the structure of Microsoft's WSK echo server sample
 * (Windows-driver-samples, network/wsk/echosrv): a dual-stack listening socket
 * on [::]:PORT with a static WskAcceptEvent, and per connection two operation
 * contexts, each with its own IRP (reused with IoReuseIrp) and buffer, that
 * receive and echo the data back. A 0-byte receive leads to WskDisconnect and
 * WskCloseSocket. Unload closes the listener and waits in WskDeregister.
 *
 * It is a driver: DriverEntry reads its port from the registry (the Port
 * REG_DWORD under `<RegistryPath>\Parameters`; 0 picks a free port) and sets
 * DriverUnload. Run it under the driver host, or with `deno run`, which does
 * the same:
 *
 *   deno task driver run examples/echosrv.ts --param Port=40007
 *   deno run -A examples/echosrv.ts --port 40007
 *
 * @module
 */
import {
  AF_INET6,
  type DEVICE_OBJECT,
  type DRIVER_OBJECT,
  ExAllocatePool2,
  ExFreePoolWithTag,
  formatNtStatus,
  htons,
  IN6ADDR_SETANY,
  IoAllocateIrp,
  IoAllocateMdl,
  IoFreeIrp,
  IoFreeMdl,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  type IRP,
  MAKE_WSK_VERSION,
  type MDL,
  MmBuildMdlForNonPagedPool,
  NPI_WSK_INTERFACE_ID,
  NT_SUCCESS,
  ntohs,
  type NTSTATUS,
  POOL_FLAG_NON_PAGED,
  poolTag,
  SOCK_STREAM,
  type SOCKADDR,
  type SOCKADDR_IN6,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
  type UNICODE_STRING,
  type WSK_CLIENT_CONNECTION_DISPATCH,
  type WSK_CLIENT_LISTEN_DISPATCH,
  WSK_EVENT_ACCEPT,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  type WSK_PROVIDER_LISTEN_DISPATCH,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  type WSK_SOCKET,
  WskCaptureProviderNPI,
  WskDeregister,
  WskRegister,
  WskReleaseProviderNPI,
} from "../mod.ts";
import { readParameters } from "./_port.ts";
import { allowIPv4, runAsDriver, syncCall, WorkQueue } from "./_server.ts";

const WSKSAMPLE_OP_COUNT = 2;
const WSKSAMPLE_DATA_BUFFER_LENGTH = 2048;
const WSKSAMPLE_SOCKET_POOL_TAG = poolTag("sksw");
const WSKSAMPLE_BUFFER_POOL_TAG = poolTag("bksw");

/** One I/O operation of a connection: its own IRP, buffer and MDL. */
interface WSKSAMPLE_SOCKET_OP_CONTEXT {
  SocketContext: WSKSAMPLE_SOCKET_CONTEXT;
  Irp: IRP;
  DataBuffer: Uint8Array;
  DataMdl: MDL;
  BuffDataLen: number;
}

/** One socket (the listener or a connection) and its operation contexts. */
interface WSKSAMPLE_SOCKET_CONTEXT {
  Socket: WSK_SOCKET | null;
  Closing: boolean;
  Disconnecting: boolean;
  OpContext: WSKSAMPLE_SOCKET_OP_CONTEXT[];
  Memory: Uint8Array;
}

// ---- globals, as in the sample ----------------------------------------------------------------

const WskSampleRegistration = new WSK_REGISTRATION();
const WskSampleProviderNpi = new WSK_PROVIDER_NPI();
const WskSampleClientDispatch = {
  Version: MAKE_WSK_VERSION(1, 0),
  Reserved: 0,
  WskClientEvent: null,
};
const WskSampleClientListenDispatch: WSK_CLIENT_LISTEN_DISPATCH = {
  WskAcceptEvent: WskSampleAcceptEvent,
  WskInspectEvent: null,
  WskAbortEvent: null,
};
let WskSampleListeningSocketContext: WSKSAMPLE_SOCKET_CONTEXT | null = null;
const WskSampleWorkQueue = new WorkQueue();
const liveSockets = new Set<WSKSAMPLE_SOCKET_CONTEXT>();
let listenPort = 40007;

// ---- contexts ---------------------------------------------------------------------------------

function WskSampleAllocateSocketContext(opCount: number): WSKSAMPLE_SOCKET_CONTEXT | null {
  const Memory = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, WSKSAMPLE_SOCKET_POOL_TAG);
  if (!Memory) return null;
  const SocketContext: WSKSAMPLE_SOCKET_CONTEXT = {
    Socket: null,
    Closing: false,
    Disconnecting: false,
    OpContext: [],
    Memory,
  };
  for (let i = 0; i < opCount; i++) {
    const Irp = IoAllocateIrp(1, false);
    const DataBuffer = ExAllocatePool2(
      POOL_FLAG_NON_PAGED,
      WSKSAMPLE_DATA_BUFFER_LENGTH,
      WSKSAMPLE_BUFFER_POOL_TAG,
    );
    const DataMdl = DataBuffer
      ? IoAllocateMdl(DataBuffer, WSKSAMPLE_DATA_BUFFER_LENGTH, false, false, null)
      : null;
    if (!Irp || !DataBuffer || !DataMdl) {
      if (Irp) IoFreeIrp(Irp);
      if (DataBuffer) ExFreePoolWithTag(DataBuffer, WSKSAMPLE_BUFFER_POOL_TAG);
      WskSampleFreeSocketContext(SocketContext);
      return null;
    }
    MmBuildMdlForNonPagedPool(DataMdl);
    SocketContext.OpContext.push({ SocketContext, Irp, DataBuffer, DataMdl, BuffDataLen: 0 });
  }
  liveSockets.add(SocketContext);
  return SocketContext;
}

function WskSampleFreeSocketContext(SocketContext: WSKSAMPLE_SOCKET_CONTEXT): void {
  for (const Op of SocketContext.OpContext) {
    IoFreeMdl(Op.DataMdl);
    ExFreePoolWithTag(Op.DataBuffer, WSKSAMPLE_BUFFER_POOL_TAG);
    IoFreeIrp(Op.Irp);
  }
  SocketContext.OpContext = [];
  ExFreePoolWithTag(SocketContext.Memory, WSKSAMPLE_SOCKET_POOL_TAG);
  liveSockets.delete(SocketContext);
}

// ---- the accept callback ----------------------------------------------------------------------

function WskSampleAcceptEvent(
  _SocketContext: unknown,
  _Flags: number,
  _LocalAddress: SOCKADDR | null,
  _RemoteAddress: SOCKADDR | null,
  AcceptSocket: WSK_SOCKET | null,
  AcceptSocketContext: { value: unknown },
  AcceptSocketDispatch: { value: WSK_CLIENT_CONNECTION_DISPATCH | null },
): NTSTATUS {
  if (AcceptSocket === null) {
    // The listening socket is no longer functional: start a new one from the worker.
    WskSampleWorkQueue.enqueue(() => WskSampleStartListen());
    return STATUS_REQUEST_NOT_ACCEPTED;
  }
  const SocketContext = WskSampleAllocateSocketContext(WSKSAMPLE_OP_COUNT);
  if (!SocketContext) return STATUS_REQUEST_NOT_ACCEPTED;
  SocketContext.Socket = AcceptSocket;
  for (const Op of SocketContext.OpContext) {
    WskSampleWorkQueue.enqueue(() => WskSampleOpStartReceive(Op));
  }
  // No callbacks on the accepted socket: data and disconnects come through receive IRPs.
  AcceptSocketContext.value = null;
  AcceptSocketDispatch.value = null;
  return STATUS_SUCCESS;
}

// ---- per-operation state machine: receive -> send -> receive ... -----------------------------

function WskSampleSetupOp(
  Op: WSKSAMPLE_SOCKET_OP_CONTEXT,
  Routine: (D: DEVICE_OBJECT | null, Irp: IRP, Context: unknown) => NTSTATUS,
): void {
  IoReuseIrp(Op.Irp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(Op.Irp, Routine, Op, true, true, true);
}

function WskSampleOpStartReceive(Op: WSKSAMPLE_SOCKET_OP_CONTEXT): void {
  const SocketContext = Op.SocketContext;
  if (SocketContext.Closing || SocketContext.Disconnecting) return WskSampleOpDone(Op);
  const Socket = SocketContext.Socket!;
  WskSampleSetupOp(Op, WskSampleReceiveIrpCompletionRoutine);
  (Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH).WskReceive(
    Socket,
    { Mdl: Op.DataMdl, Offset: 0, Length: WSKSAMPLE_DATA_BUFFER_LENGTH },
    0,
    Op.Irp,
  );
}

function WskSampleReceiveIrpCompletionRoutine(
  _DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
): NTSTATUS {
  const Op = Context as WSKSAMPLE_SOCKET_OP_CONTEXT;
  if (!NT_SUCCESS(Irp.IoStatus.Status)) {
    WskSampleWorkQueue.enqueue(() => WskSampleOpClose(Op));
  } else if (Irp.IoStatus.Information === 0) {
    // The peer closed its sending side: disconnect gracefully, then close.
    WskSampleWorkQueue.enqueue(() => WskSampleOpDisconnect(Op));
  } else {
    Op.BuffDataLen = Irp.IoStatus.Information as number;
    WskSampleWorkQueue.enqueue(() => WskSampleOpStartSend(Op));
  }
  return STATUS_MORE_PROCESSING_REQUIRED;
}

function WskSampleOpStartSend(Op: WSKSAMPLE_SOCKET_OP_CONTEXT): void {
  const SocketContext = Op.SocketContext;
  if (SocketContext.Closing) return WskSampleOpDone(Op);
  const Socket = SocketContext.Socket!;
  WskSampleSetupOp(Op, WskSampleSendIrpCompletionRoutine);
  (Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH).WskSend(
    Socket,
    { Mdl: Op.DataMdl, Offset: 0, Length: Op.BuffDataLen },
    0,
    Op.Irp,
  );
}

function WskSampleSendIrpCompletionRoutine(
  _DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
): NTSTATUS {
  const Op = Context as WSKSAMPLE_SOCKET_OP_CONTEXT;
  if (NT_SUCCESS(Irp.IoStatus.Status)) {
    WskSampleWorkQueue.enqueue(() => WskSampleOpStartReceive(Op));
  } else WskSampleWorkQueue.enqueue(() => WskSampleOpClose(Op));
  return STATUS_MORE_PROCESSING_REQUIRED;
}

function WskSampleOpDisconnect(Op: WSKSAMPLE_SOCKET_OP_CONTEXT): void {
  const SocketContext = Op.SocketContext;
  if (SocketContext.Disconnecting || SocketContext.Closing) return WskSampleOpDone(Op);
  SocketContext.Disconnecting = true;
  const Socket = SocketContext.Socket!;
  WskSampleSetupOp(Op, WskSampleDisconnectIrpCompletionRoutine);
  (Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH).WskDisconnect(Socket, null, 0, Op.Irp);
}

function WskSampleDisconnectIrpCompletionRoutine(
  _DeviceObject: DEVICE_OBJECT | null,
  _Irp: IRP,
  Context: unknown,
): NTSTATUS {
  const Op = Context as WSKSAMPLE_SOCKET_OP_CONTEXT;
  WskSampleWorkQueue.enqueue(() => WskSampleOpClose(Op));
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/** One operation context finished; the last one out closes nothing more. */
function WskSampleOpDone(_Op: WSKSAMPLE_SOCKET_OP_CONTEXT): void {}

function WskSampleOpClose(Op: WSKSAMPLE_SOCKET_OP_CONTEXT): void {
  const SocketContext = Op.SocketContext;
  if (SocketContext.Closing) return;
  SocketContext.Closing = true;
  const Socket = SocketContext.Socket!;
  WskSampleSetupOp(Op, WskSampleCloseIrpCompletionRoutine);
  (Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH).WskCloseSocket(Socket, Op.Irp);
}

function WskSampleCloseIrpCompletionRoutine(
  _DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
): NTSTATUS {
  const Op = Context as WSKSAMPLE_SOCKET_OP_CONTEXT;
  // "WskCloseSocket can never fail."
  if (Irp.IoStatus.Status !== STATUS_SUCCESS) {
    console.error(`WskCloseSocket completed ${formatNtStatus(Irp.IoStatus.Status)}`);
  }
  // Every other IRP of this socket has completed (close cancels them first): free it all.
  WskSampleWorkQueue.enqueue(() => WskSampleFreeSocketContext(Op.SocketContext));
  return STATUS_MORE_PROCESSING_REQUIRED;
}

/** Unload's close of a connection: an IRP of its own, freed with the socket's context. */
function WskSampleCloseOnUnload(SocketContext: WSKSAMPLE_SOCKET_CONTEXT): void {
  SocketContext.Closing = true;
  const Irp = IoAllocateIrp(1, false);
  if (!Irp) return;
  IoSetCompletionRoutine(
    Irp,
    WskSampleUnloadCloseIrpCompletionRoutine,
    SocketContext,
    true,
    true,
    true,
  );
  const Socket = SocketContext.Socket!;
  (Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH).WskCloseSocket(Socket, Irp);
}

function WskSampleUnloadCloseIrpCompletionRoutine(
  _DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
): NTSTATUS {
  IoFreeIrp(Irp);
  WskSampleWorkQueue.enqueue(() => WskSampleFreeSocketContext(Context as WSKSAMPLE_SOCKET_CONTEXT));
  return STATUS_MORE_PROCESSING_REQUIRED;
}

// ---- the listening socket, created synchronously from the worker -----------------------------

/** The sample's synchronous pattern (event + IoReuseIrp), shared with echo_events.ts. */
const WskSampleSyncIrp = syncCall;

async function WskSampleStartListen(): Promise<NTSTATUS> {
  const SocketContext = WskSampleAllocateSocketContext(1);
  if (!SocketContext) return STATUS_INSUFFICIENT_RESOURCES;
  const Irp = SocketContext.OpContext[0]!.Irp;
  let Status = await WskSampleSyncIrp(Irp, (Irp) =>
    WskSampleProviderNpi.Dispatch!.WskSocket(
      WskSampleProviderNpi.Client,
      AF_INET6,
      SOCK_STREAM,
      IPPROTO_TCP,
      WSK_FLAG_LISTEN_SOCKET,
      SocketContext,
      WskSampleClientListenDispatch,
      null,
      null,
      null,
      Irp,
    ));
  if (!NT_SUCCESS(Status)) {
    WskSampleFreeSocketContext(SocketContext);
    return Status;
  }
  const Socket = Irp.IoStatus.Information as WSK_SOCKET;
  SocketContext.Socket = Socket;
  const Dispatch = Socket.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH;
  // Accept IPv4 clients too: IPV6_V6ONLY = 0, before bind.
  Status = await allowIPv4(Irp, Socket);
  if (NT_SUCCESS(Status)) {
    const ListenAddress = {} as SOCKADDR_IN6;
    IN6ADDR_SETANY(ListenAddress);
    ListenAddress.sin6_port = htons(listenPort);
    Status = await WskSampleSyncIrp(Irp, (Irp) => Dispatch.WskBind(Socket, ListenAddress, 0, Irp));
  }
  if (!NT_SUCCESS(Status)) {
    await WskSampleSyncIrp(Irp, (Irp) => Dispatch.WskCloseSocket(Socket, Irp));
    WskSampleFreeSocketContext(SocketContext);
    return Status;
  }
  const Bound = {} as SOCKADDR_IN6;
  await WskSampleSyncIrp(Irp, (Irp) => Dispatch.WskGetLocalAddress(Socket, Bound, Irp));
  listenPort = ntohs(Bound.sin6_port);
  WskSampleListeningSocketContext = SocketContext;
  return STATUS_SUCCESS;
}

// ---- DriverEntry and Unload -------------------------------------------------------------------

/** DriverEntry: register with WSK, then listen on the Port the registry gives. */
export async function DriverEntry(
  DriverObject: DRIVER_OBJECT,
  RegistryPath: UNICODE_STRING,
): Promise<NTSTATUS> {
  const Port = { value: 40007 };
  let Status = readParameters(RegistryPath, { Port });
  if (!NT_SUCCESS(Status)) return Status;
  listenPort = Port.value;
  Status = WskRegister(
    { ClientContext: null, Dispatch: WskSampleClientDispatch },
    WskSampleRegistration,
  );
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskCaptureProviderNPI(WskSampleRegistration, WSK_INFINITE_WAIT, WskSampleProviderNpi);
  if (!NT_SUCCESS(Status)) {
    await WskDeregister(WskSampleRegistration);
    return Status;
  }
  Status = WskSampleProviderNpi.Dispatch!.WskControlClient(
    WskSampleProviderNpi.Client,
    WSK_SET_STATIC_EVENT_CALLBACKS,
    8,
    { NpiId: NPI_WSK_INTERFACE_ID, EventMask: WSK_EVENT_ACCEPT },
    0,
    null,
    null,
    null,
  );
  if (NT_SUCCESS(Status)) Status = await WskSampleStartListen();
  WskReleaseProviderNPI(WskSampleRegistration);
  if (!NT_SUCCESS(Status)) {
    await WskDeregister(WskSampleRegistration);
    return Status;
  }
  console.log(`listening on [::]:${listenPort}`);
  DriverObject.DriverUnload = DriverUnload;
  return STATUS_SUCCESS;
}

async function DriverUnload(_DriverObject: DRIVER_OBJECT): Promise<void> {
  const Listener = WskSampleListeningSocketContext;
  WskSampleListeningSocketContext = null;
  if (Listener?.Socket) {
    const Irp = Listener.OpContext[0]!.Irp;
    await WskSampleSyncIrp(
      Irp,
      (Irp) =>
        (Listener.Socket!.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH).WskCloseSocket(
          Listener.Socket!,
          Irp,
        ),
    );
    WskSampleFreeSocketContext(Listener);
  }
  // A driver being unloaded must not leave connections behind: close those still open. Their
  // operation IRPs may be in flight (a receive waiting on an idle client, a disconnect), so
  // the close takes an IRP of its own; it cancels the pending ones and completes after them.
  for (const SocketContext of [...liveSockets]) {
    if (SocketContext.Socket && !SocketContext.Closing) WskSampleCloseOnUnload(SocketContext);
  }
  await WskDeregister(WskSampleRegistration);
  await WskSampleWorkQueue.drain();
}

if (import.meta.main) {
  Deno.exit(
    await runAsDriver(
      { DriverEntry },
      import.meta.filename!,
      Deno.args,
      "usage: deno run -A examples/echosrv.ts [--port N] [host options]   " +
        "(default 40007; 0 picks a free port)",
    ),
  );
}
