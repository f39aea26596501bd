// Copyright 2026 the wskemu authors. MIT license.
/**
 * A datagram echo server written the way a WSK driver is: DriverEntry
 * registers, captures the provider NPI, statically enables
 * WSK_EVENT_RECEIVE_FROM, then creates and binds a datagram socket.
 * WskReceiveFromEvent sends every indicated datagram straight back to its
 * sender with WskSendTo, from the indicated buffer itself (no copy): it
 * returns STATUS_PENDING to keep the WSK_DATAGRAM_INDICATION list and hands it
 * back with WskRelease once the last of its sends has completed. SIGINT or
 * SIGTERM unloads: close the socket (pending sends complete cancelled, their
 * lists are released), then WskDeregister.
 *
 * A driver: DriverEntry reads Port and IPv6 (REG_DWORDs under
 * `<RegistryPath>\Parameters`) with RtlQueryRegistryValues.
 *
 *   deno task driver run examples/udp_echo.ts --param Port=40008 [--param IPv6=1]
 *   deno run -A examples/udp_echo.ts --port 40008 [--ipv6]
 *
 * Prints `listening on 127.0.0.1:N` (`[::]:N` with IPv6, dual stack) once
 * ready; port 0 picks a free port. DriverUnload prints what it echoed.
 *
 * @module
 */
import {
  AF_INET,
  AF_INET6,
  type DEVICE_OBJECT,
  type DRIVER_OBJECT,
  htons,
  IN4ADDR_SETLOOPBACK,
  IN6ADDR_SETANY,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IPPROTO_UDP,
  type IRP,
  MAKE_WSK_VERSION,
  NPI_WSK_INTERFACE_ID,
  NT_SUCCESS,
  ntohs,
  type NTSTATUS,
  SOCK_DGRAM,
  type SOCKADDR,
  type SOCKADDR_IN,
  type SOCKADDR_IN6,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type UNICODE_STRING,
  type WSK_CLIENT_DATAGRAM_DISPATCH,
  type WSK_DATAGRAM_INDICATION,
  WSK_EVENT_RECEIVE_FROM,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
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
import { allowIPv4, runAsDriver, syncCall } from "./_server.ts";

/** One indication being echoed: released when its last send completes. */
interface ECHO_CONTEXT {
  Socket: WSK_SOCKET;
  Indication: WSK_DATAGRAM_INDICATION;
  SendsPending: number;
}

// ---- globals, as a driver has them ------------------------------------------------------------

const EchoRegistration = new WSK_REGISTRATION();
const EchoProviderNpi = new WSK_PROVIDER_NPI();
const EchoClientDispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
const EchoDatagramDispatch: WSK_CLIENT_DATAGRAM_DISPATCH = {
  WskReceiveFromEvent: EchoReceiveFromEvent,
};
let EchoSocket: WSK_SOCKET | null = null;
let Unloading = false;
/** The port the socket is bound to (the one picked, with --port 0). */
let boundPort = 0;
const Statistics = { received: 0, echoed: 0, failed: 0 };

function DatagramDispatch(Socket: WSK_SOCKET): WSK_PROVIDER_DATAGRAM_DISPATCH {
  return Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
}

// ---- the receive callback and the send completion ---------------------------------------------

function EchoReceiveFromEvent(
  _SocketContext: unknown,
  _Flags: number,
  DataIndication: WSK_DATAGRAM_INDICATION | null,
): NTSTATUS {
  const Socket = EchoSocket;
  // NULL: the socket is no longer functional. Unload closes it; nothing to keep.
  if (DataIndication === null || Socket === null || Unloading) return STATUS_SUCCESS;
  const Context: ECHO_CONTEXT = { Socket, Indication: DataIndication, SendsPending: 0 };
  for (
    let Datagram: WSK_DATAGRAM_INDICATION | null = DataIndication;
    Datagram;
    Datagram = Datagram.Next
  ) {
    Statistics.received++;
    const Irp = IoAllocateIrp(1, false);
    if (!Irp) {
      // Out of IRPs: this datagram is not echoed, as a loaded server drops it.
      Statistics.failed++;
      continue;
    }
    Context.SendsPending++;
    IoSetCompletionRoutine(Irp, EchoSendComplete, Context, true, true, true);
    // The send goes straight from the indicated buffer, to the address it came from.
    DatagramDispatch(Socket).WskSendTo(
      Socket,
      Datagram.Buffer,
      0,
      Datagram.RemoteAddress,
      0,
      null,
      Irp,
    );
  }
  // Completions never run inside WskSendTo, so SendsPending is final here.
  return Context.SendsPending > 0 ? STATUS_PENDING : STATUS_SUCCESS;
}

function EchoSendComplete(
  _DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
): NTSTATUS {
  const Echo = Context as ECHO_CONTEXT;
  if (NT_SUCCESS(Irp.IoStatus.Status)) Statistics.echoed++;
  else Statistics.failed++;
  IoFreeIrp(Irp);
  if (--Echo.SendsPending === 0) {
    // Every datagram of the list has been sent: give the buffers back.
    DatagramDispatch(Echo.Socket).WskRelease(Echo.Socket, Echo.Indication);
  }
  return STATUS_MORE_PROCESSING_REQUIRED;
}

// ---- DriverEntry and Unload -------------------------------------------------------------------

async function EchoStart(port: number, ipv6: boolean): Promise<NTSTATUS> {
  const Irp = IoAllocateIrp(1, false)!;
  let Status = await syncCall(Irp, (Irp) =>
    EchoProviderNpi.Dispatch!.WskSocket(
      EchoProviderNpi.Client,
      ipv6 ? AF_INET6 : AF_INET,
      SOCK_DGRAM,
      IPPROTO_UDP,
      WSK_FLAG_DATAGRAM_SOCKET,
      null,
      EchoDatagramDispatch,
      null,
      null,
      null,
      Irp,
    ));
  if (!NT_SUCCESS(Status)) {
    IoFreeIrp(Irp);
    return Status;
  }
  const Socket = Irp.IoStatus.Information as WSK_SOCKET;
  const Dispatch = DatagramDispatch(Socket);
  EchoSocket = Socket;
  let LocalAddress: SOCKADDR;
  if (ipv6) {
    // Answer IPv4 clients too: IPV6_V6ONLY = 0, before bind.
    Status = await allowIPv4(Irp, Socket);
    const Any = {} as SOCKADDR_IN6;
    IN6ADDR_SETANY(Any);
    Any.sin6_port = htons(port);
    LocalAddress = Any;
  } else {
    const Loopback = {} as SOCKADDR_IN;
    IN4ADDR_SETLOOPBACK(Loopback);
    Loopback.sin_port = htons(port);
    LocalAddress = Loopback;
  }
  if (NT_SUCCESS(Status)) {
    Status = await syncCall(Irp, (Irp) => Dispatch.WskBind(Socket, LocalAddress, 0, Irp));
  }
  if (NT_SUCCESS(Status)) {
    const Bound = {} as SOCKADDR_IN & SOCKADDR_IN6;
    Status = await syncCall(Irp, (Irp) => Dispatch.WskGetLocalAddress(Socket, Bound, Irp));
    boundPort = ntohs(Bound.sin_port ?? Bound.sin6_port);
  }
  if (!NT_SUCCESS(Status)) {
    await syncCall(Irp, (Irp) => Dispatch.WskCloseSocket(Socket, Irp));
    EchoSocket = null;
  }
  IoFreeIrp(Irp);
  return Status;
}

/** DriverEntry: register, enable WskReceiveFromEvent, bind to the Port the registry gives. */
export async function DriverEntry(
  DriverObject: DRIVER_OBJECT,
  RegistryPath: UNICODE_STRING,
): Promise<NTSTATUS> {
  const Port = { value: 40008 }, IPv6 = { value: 0 };
  let Status = readParameters(RegistryPath, { Port, IPv6 });
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskRegister({ ClientContext: null, Dispatch: EchoClientDispatch }, EchoRegistration);
  if (!NT_SUCCESS(Status)) return Status;
  Status = WskCaptureProviderNPI(EchoRegistration, WSK_INFINITE_WAIT, EchoProviderNpi);
  if (!NT_SUCCESS(Status)) {
    await WskDeregister(EchoRegistration);
    return Status;
  }
  // Before any socket: every datagram socket of this client gets WskReceiveFromEvent.
  Status = EchoProviderNpi.Dispatch!.WskControlClient(
    EchoProviderNpi.Client,
    WSK_SET_STATIC_EVENT_CALLBACKS,
    8,
    { NpiId: NPI_WSK_INTERFACE_ID, EventMask: WSK_EVENT_RECEIVE_FROM },
    0,
    null,
    null,
    null,
  );
  const ipv6 = IPv6.value !== 0;
  if (NT_SUCCESS(Status)) Status = await EchoStart(Port.value, ipv6);
  WskReleaseProviderNPI(EchoRegistration);
  if (!NT_SUCCESS(Status)) {
    await WskDeregister(EchoRegistration);
    return Status;
  }
  console.log(`listening on ${ipv6 ? "[::]" : "127.0.0.1"}:${boundPort}`);
  DriverObject.DriverUnload = DriverUnload;
  return STATUS_SUCCESS;
}

async function DriverUnload(_DriverObject: DRIVER_OBJECT): Promise<void> {
  Unloading = true;
  const Socket = EchoSocket;
  EchoSocket = null;
  if (Socket) {
    const Irp = IoAllocateIrp(1, false)!;
    // Sends still in flight complete (cancelled) before the close does; their
    // completion routines release the last retained lists.
    await syncCall(Irp, (Irp) => DatagramDispatch(Socket).WskCloseSocket(Socket, Irp));
    IoFreeIrp(Irp);
  }
  await WskDeregister(EchoRegistration);
  console.log(
    `stopped: ${Statistics.received} datagrams received, ${Statistics.echoed} echoed, ` +
      `${Statistics.failed} not echoed`,
  );
}

// ---- the command line -------------------------------------------------------------------------

if (import.meta.main) {
  Deno.exit(
    await runAsDriver(
      { DriverEntry },
      import.meta.filename!,
      Deno.args,
      "usage: deno run -A examples/udp_echo.ts [--port N] [--ipv6] [host options]   " +
        "(default port 40008; 0 picks a free port)",
    ),
  );
}
