// Copyright 2026 the wskemu authors. MIT license.
/**
 * The echo server of examples/echosrv.ts written with event callbacks instead
 * of receive IRPs: WskAcceptEvent accepts, WskReceiveEvent gets the data as a
 * WSK_DATA_INDICATION chain which is sent straight back from the indicated
 * buffers (the indication is retained with STATUS_PENDING and handed back with
 * WskRelease once the send completes), and WskDisconnectEvent or a NULL
 * indication ends the connection with WskDisconnect and WskCloseSocket.
 *
 * A driver: DriverEntry reads its Port (a REG_DWORD under
 * `<RegistryPath>\Parameters`) with ZwOpenKey and ZwQueryValueKey, the way a
 * driver reads one value without a query table.
 *
 *   deno task driver run examples/echo_events.ts --param Port=40009
 *   deno run -A examples/echo_events.ts --port 40009
 *
 * @module
 */
import {
  AF_INET6,
  type DRIVER_OBJECT,
  type HANDLE,
  htons,
  IN6ADDR_SETANY,
  InitializeObjectAttributes,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  type IRP,
  KEY_READ,
  KeyValuePartialInformation,
  MAKE_WSK_VERSION,
  NPI_WSK_INTERFACE_ID,
  NT_SUCCESS,
  ntohs,
  type NTSTATUS,
  OBJ_CASE_INSENSITIVE,
  OBJ_KERNEL_HANDLE,
  type OBJECT_ATTRIBUTES,
  REG_DWORD,
  RtlInitUnicodeString,
  SOCK_STREAM,
  type SOCKADDR_IN6,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_PENDING,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_SUCCESS,
  type UNICODE_STRING,
  type WSK_CLIENT_CONNECTION_DISPATCH,
  type WSK_CLIENT_LISTEN_DISPATCH,
  type WSK_DATA_INDICATION,
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
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
  ZwClose,
  ZwOpenKey,
  ZwQueryValueKey,
} from "../mod.ts";
import { allowIPv4, runAsDriver, syncCall, WorkQueue } from "./_server.ts";

/** One accepted connection. */
interface Connection {
  Socket: WSK_SOCKET;
  /** Sends in flight; the disconnect waits for none to be left. */
  sending: number;
  peerDone: boolean;
  closing: boolean;
}

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();
const Work = new WorkQueue();
const connections = new Set<Connection>();

const ConnectionEvents: WSK_CLIENT_CONNECTION_DISPATCH = {
  WskReceiveEvent: EchoReceiveEvent,
  WskDisconnectEvent: EchoDisconnectEvent,
  WskSendBacklogEvent: null,
};

const ListenEvents: WSK_CLIENT_LISTEN_DISPATCH = {
  WskAcceptEvent: (
    _ctx,
    _flags,
    _local,
    _remote,
    AcceptSocket,
    AcceptSocketContext,
    AcceptSocketDispatch,
  ) => {
    if (!AcceptSocket) return STATUS_REQUEST_NOT_ACCEPTED; // the listener died: unload cleans up
    const connection: Connection = {
      Socket: AcceptSocket,
      sending: 0,
      peerDone: false,
      closing: false,
    };
    connections.add(connection);
    AcceptSocketContext.value = connection;
    AcceptSocketDispatch.value = ConnectionEvents;
    return STATUS_SUCCESS;
  },
  WskInspectEvent: null,
  WskAbortEvent: null,
};

function dispatchOf(c: Connection): WSK_PROVIDER_CONNECTION_DISPATCH {
  return c.Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;
}

/** Echo each indicated buffer straight back; keep the indication until the sends complete. */
function EchoReceiveEvent(
  SocketContext: unknown,
  _Flags: number,
  DataIndication: WSK_DATA_INDICATION | null,
  _BytesIndicated: number,
  _BytesAccepted: { value: number },
): NTSTATUS {
  const c = SocketContext as Connection;
  if (!DataIndication) {
    // The peer finished sending (or the socket died): disconnect once the echoes are out.
    c.peerDone = true;
    Work.enqueue(() => finish(c));
    return STATUS_SUCCESS;
  }
  let remaining = 0;
  for (let d: WSK_DATA_INDICATION | null = DataIndication; d; d = d.Next) remaining++;
  for (let d: WSK_DATA_INDICATION | null = DataIndication; d; d = d.Next) {
    const Irp = IoAllocateIrp(1, false);
    if (!Irp) return STATUS_INSUFFICIENT_RESOURCES;
    c.sending++;
    IoSetCompletionRoutine(
      Irp,
      (_D, SentIrp) => {
        c.sending--;
        if (--remaining === 0) dispatchOf(c).WskRelease(c.Socket, DataIndication);
        if (!NT_SUCCESS(SentIrp.IoStatus.Status)) c.peerDone = true;
        IoFreeIrp(SentIrp);
        if (c.peerDone) Work.enqueue(() => finish(c));
        return STATUS_MORE_PROCESSING_REQUIRED;
      },
      null,
      true,
      true,
      true,
    );
    dispatchOf(c).WskSend(c.Socket, d.Buffer, 0, Irp);
  }
  return STATUS_PENDING;
}

function EchoDisconnectEvent(SocketContext: unknown, _Flags: number): NTSTATUS {
  const c = SocketContext as Connection;
  c.peerDone = true;
  Work.enqueue(() => finish(c));
  return STATUS_SUCCESS;
}

/** Graceful disconnect then close, once the peer is done and no echo is in flight. */
async function finish(c: Connection): Promise<void> {
  if (c.closing || c.sending > 0) return;
  c.closing = true;
  const Irp = IoAllocateIrp(1, false)!;
  await syncCall(Irp, (Irp) => dispatchOf(c).WskDisconnect(c.Socket, null, 0, Irp));
  await syncCall(Irp, (Irp) => dispatchOf(c).WskCloseSocket(c.Socket, Irp));
  IoFreeIrp(Irp);
  connections.delete(c);
}

async function start(
  port: number,
): Promise<{ Status: NTSTATUS; Listener?: WSK_SOCKET; port?: number }> {
  const Dispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
  let Status = WskRegister({ ClientContext: null, Dispatch }, Registration);
  if (NT_SUCCESS(Status)) {
    Status = WskCaptureProviderNPI(Registration, WSK_INFINITE_WAIT, ProviderNpi);
  }
  if (!NT_SUCCESS(Status)) return { Status };
  // Accept, receive and disconnect events on every socket from now on, with no per-socket calls.
  Status = ProviderNpi.Dispatch!.WskControlClient(
    ProviderNpi.Client,
    WSK_SET_STATIC_EVENT_CALLBACKS,
    8,
    {
      NpiId: NPI_WSK_INTERFACE_ID,
      EventMask: WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT,
    },
    0,
    null,
    null,
    null,
  );
  const Irp = IoAllocateIrp(1, false)!;
  let Listener: WSK_SOCKET | undefined;
  if (NT_SUCCESS(Status)) {
    Status = await syncCall(
      Irp,
      (Irp) =>
        ProviderNpi.Dispatch!.WskSocket(
          ProviderNpi.Client,
          AF_INET6,
          SOCK_STREAM,
          IPPROTO_TCP,
          WSK_FLAG_LISTEN_SOCKET,
          null,
          ListenEvents,
          null,
          null,
          null,
          Irp,
        ),
    );
    Listener = Irp.IoStatus.Information as WSK_SOCKET;
  }
  let boundPort: number | undefined;
  if (NT_SUCCESS(Status) && Listener) {
    const L = Listener, D = L.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH;
    Status = await allowIPv4(Irp, L);
    const Address = {} as SOCKADDR_IN6;
    IN6ADDR_SETANY(Address);
    Address.sin6_port = htons(port);
    if (NT_SUCCESS(Status)) Status = await syncCall(Irp, (Irp) => D.WskBind(L, Address, 0, Irp));
    if (NT_SUCCESS(Status)) {
      Status = await syncCall(Irp, (Irp) => D.WskGetLocalAddress(L, Address, Irp));
    }
    boundPort = ntohs(Address.sin6_port);
  }
  IoFreeIrp(Irp);
  WskReleaseProviderNPI(Registration);
  return { Status, Listener, port: boundPort };
}

async function unload(Listener: WSK_SOCKET | undefined): Promise<void> {
  const Irp: IRP = IoAllocateIrp(1, false)!;
  if (Listener) {
    await syncCall(
      Irp,
      (Irp) => (Listener.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH).WskCloseSocket(Listener, Irp),
    );
  }
  for (const c of [...connections]) {
    c.closing = true;
    await syncCall(Irp, (Irp) => dispatchOf(c).WskCloseSocket(c.Socket, Irp));
    connections.delete(c);
  }
  IoFreeIrp(Irp);
  await WskDeregister(Registration);
  await Work.drain();
}

/** The Port value of the driver's Parameters key (ZwOpenKey + ZwQueryValueKey), or `Default`. */
function QueryPort(RegistryPath: UNICODE_STRING, Default: number): number {
  const KeyName = {} as UNICODE_STRING;
  RtlInitUnicodeString(KeyName, `${RegistryPath.Buffer}\\Parameters`);
  const Attributes = {} as OBJECT_ATTRIBUTES;
  InitializeObjectAttributes(
    Attributes,
    KeyName,
    OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE,
    null,
    null,
  );
  const Key = { value: null as HANDLE | null };
  if (!NT_SUCCESS(ZwOpenKey(Key, KEY_READ, Attributes))) return Default;
  const ValueName = {} as UNICODE_STRING;
  RtlInitUnicodeString(ValueName, "Port");
  // KEY_VALUE_PARTIAL_INFORMATION: TitleIndex, Type, DataLength, then a ULONG of data.
  const Information = new Uint8Array(16);
  const ResultLength = { value: 0 };
  const Status = ZwQueryValueKey(
    Key.value!,
    ValueName,
    KeyValuePartialInformation,
    Information,
    Information.length,
    ResultLength,
  );
  ZwClose(Key.value!);
  const View = new DataView(Information.buffer);
  if (!NT_SUCCESS(Status) || View.getUint32(4, true) !== REG_DWORD) return Default;
  return View.getUint32(12, true);
}

/** DriverEntry: listen on the Port the registry gives, with event callbacks. */
export async function DriverEntry(
  DriverObject: DRIVER_OBJECT,
  RegistryPath: UNICODE_STRING,
): Promise<NTSTATUS> {
  const started = await start(QueryPort(RegistryPath, 40009));
  if (!NT_SUCCESS(started.Status) || !started.Listener) {
    // Close what was made (a listener whose bind failed) and deregister.
    await unload(started.Listener || undefined);
    return NT_SUCCESS(started.Status) ? STATUS_INSUFFICIENT_RESOURCES : started.Status;
  }
  console.log(`listening on [::]:${started.port}`);
  DriverObject.DriverUnload = () => unload(started.Listener);
  return STATUS_SUCCESS;
}

if (import.meta.main) {
  Deno.exit(
    await runAsDriver(
      { DriverEntry },
      import.meta.filename!,
      Deno.args,
      "usage: deno run -A examples/echo_events.ts [--port N] [host options]   " +
        "(default 40009; 0 picks a free port)",
    ),
  );
}
