// Copyright 2026 the wskemu authors. MIT license.
/**
 * The seed example of the WSK guide, "Establishing a Connection with a
 * Destination" (ConnectSocket / ConnectComplete), ported line by line, then
 * what a client does next: send a request, receive the reply, disconnect
 * gracefully, close the socket and deregister. Every call is printed with its
 * IRP, the status it returned and the status its IRP completed with.
 *
 *   deno run --allow-net examples/connect.ts                 # against a local HTTP host it starts
 *   deno run --allow-net examples/connect.ts --host H --port P
 *
 * @module
 */
import {
  AF_INET,
  AF_INET6,
  type DEVICE_OBJECT,
  formatNtStatus,
  IN4ADDR_SETANY,
  IN6ADDR_SETANY,
  IoAllocateIrp,
  IoAllocateMdl,
  IoFreeIrp,
  IoFreeMdl,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  type IRP,
  KeInitializeEvent,
  KeSetEvent,
  KEVENT,
  KeWaitForSingleObject,
  MAKE_WSK_VERSION,
  MmBuildMdlForNonPagedPool,
  NotificationEvent,
  NT_SUCCESS,
  type NTSTATUS,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr,
  type SOCKADDR_IN,
  type SOCKADDR_IN6,
  sockaddrToString,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  type WSK_SOCKET,
  WskCaptureProviderNPI,
  WskDeregister,
  WskRegister,
  WskReleaseProviderNPI,
} from "../mod.ts";
import { resolveHost } from "./_resolve.ts";

// ---- a readable timeline ----------------------------------------------------------------------

const started = performance.now();
const irpIds = new WeakMap<IRP, number>();
let nextIrpId = 1;

function say(line: string): void {
  console.log(`${(performance.now() - started).toFixed(1).padStart(7)} ms  ${line}`);
}

function irpName(Irp: IRP): string {
  if (!irpIds.has(Irp)) irpIds.set(Irp, nextIrpId++);
  return `IRP#${irpIds.get(Irp)}`;
}

/** One timeline line: the call, its IRP (if any), what happened, and the status by name. */
function event(call: string, Irp: IRP | null, what: string, Status: NTSTATUS, more = ""): void {
  say(
    `${call.padEnd(40)} ${(Irp ? irpName(Irp) : "").padEnd(6)} ${what.padEnd(9)} ${
      formatNtStatus(Status)
    }${more}`,
  );
}

function returned(call: string, Irp: IRP, Status: NTSTATUS): NTSTATUS {
  event(call, Irp, "returned", Status);
  return Status;
}

// ---- the seed: "Establishing a Connection with a Destination" ----------------------------------

/** Signalled by ConnectComplete: the worker performs the next operation on the socket. */
const ConnectDone = new KEVENT();

// Function to connect a socket to a destination
function ConnectSocket(Socket: WSK_SOCKET, RemoteAddress: SOCKADDR): NTSTATUS {
  // Get pointer to the socket's provider dispatch structure
  const Dispatch = Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;

  // Allocate an IRP
  const Irp = IoAllocateIrp(1, false);

  // Check result
  if (!Irp) {
    // Return error
    return STATUS_INSUFFICIENT_RESOURCES;
  }

  // Set the completion routine for the IRP
  IoSetCompletionRoutine(Irp, ConnectComplete, Socket, true, true, true);

  // Initiate the connect operation on the socket
  const Status = Dispatch.WskConnect(Socket, RemoteAddress, 0, Irp);
  return returned(`WskConnect(${sockaddrToString(RemoteAddress)})`, Irp, Status);
}

let ConnectStatus: NTSTATUS = STATUS_PENDING;

// Connect IoCompletion routine
function ConnectComplete(
  _DeviceObject: DEVICE_OBJECT | null,
  Irp: IRP,
  Context: unknown,
): NTSTATUS {
  ConnectStatus = Irp.IoStatus.Status;
  event("  ConnectComplete", Irp, "completed", ConnectStatus);

  // Check the result of the connect operation
  if (Irp.IoStatus.Status === STATUS_SUCCESS) {
    // Get the socket object from the context
    const _Socket = Context as WSK_SOCKET;

    // Perform the next operation on the socket: completion routines run at
    // DISPATCH_LEVEL and must not wait, so hand it to the worker.
  }

  // Wake the worker in every case, so it can report an error too
  KeSetEvent(ConnectDone, 0, false);

  // Free the IRP
  IoFreeIrp(Irp);

  // Always return STATUS_MORE_PROCESSING_REQUIRED to
  // terminate the completion processing of the IRP.
  return STATUS_MORE_PROCESSING_REQUIRED;
}

// ---- what comes next: the Microsoft samples' synchronous-call pattern -------------------------

/** Issues one WSK call with its own IRP and waits for the completion, as the samples do. */
async function callAndWait(
  call: string,
  issue: (Irp: IRP) => NTSTATUS,
): Promise<{ Status: NTSTATUS; Information: unknown }> {
  const Event = new KEVENT();
  KeInitializeEvent(Event, NotificationEvent, false);
  const Irp = IoAllocateIrp(1, false);
  if (!Irp) return { Status: STATUS_INSUFFICIENT_RESOURCES, Information: 0 };
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, CompletedIrp) => {
      const info = typeof CompletedIrp.IoStatus.Information === "number"
        ? `, Information ${CompletedIrp.IoStatus.Information}`
        : ", Information = the new WSK_SOCKET";
      event("  completion routine", CompletedIrp, "completed", CompletedIrp.IoStatus.Status, info);
      KeSetEvent(Event, 0, false);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  returned(call, Irp, issue(Irp));
  await KeWaitForSingleObject(Event, 0, 0, false, null);
  const result = { Status: Irp.IoStatus.Status, Information: Irp.IoStatus.Information };
  IoFreeIrp(Irp);
  return result;
}

/** A locked MDL over `bytes`, as a driver would build over nonpaged pool. */
function mdlFor(bytes: Uint8Array) {
  const Mdl = IoAllocateMdl(bytes, bytes.length, false, false, null);
  if (!Mdl) throw new Error("IoAllocateMdl failed");
  MmBuildMdlForNonPagedPool(Mdl);
  return Mdl;
}

// ---- the run ----------------------------------------------------------------------------------

const USAGE = "usage: deno run --allow-net examples/connect.ts [--host HOST --port PORT]\n" +
  "  With no arguments it starts a local HTTP host on 127.0.0.1 and talks to it.\n" +
  "  With --host and --port it sends an HTTP HEAD request to that host.";

function parseArgs(args: string[]): { host: string; port: number } | null | "local" {
  if (args.length === 0) return "local";
  let host: string | undefined, port: number | undefined;
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1];
    if (value === undefined) return null;
    if (args[i] === "--host") host = value;
    else if (args[i] === "--port" && /^\d+$/.test(value) && +value > 0 && +value < 65536) {
      port = +value;
    } else return null;
  }
  return host !== undefined && port !== undefined ? { host, port } : null;
}

async function main(): Promise<number> {
  const parsed = parseArgs(Deno.args);
  if (parsed === null) {
    console.error(USAGE);
    return 2;
  }
  let server: Deno.HttpServer | null = null;
  let target: { host: string; port: number };
  if (parsed === "local") {
    server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response("hello from the loopback host\n"),
    );
    target = { host: "127.0.0.1", port: (server.addr as Deno.NetAddr).port };
    say(`local HTTP host listening on 127.0.0.1:${target.port}`);
  } else target = parsed;
  try {
    return await run(target.host, target.port);
  } finally {
    await server?.shutdown();
  }
}

async function run(host: string, port: number): Promise<number> {
  const WskRegistration = new WSK_REGISTRATION();
  const WskAppDispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
  let Status = WskRegister({ ClientContext: null, Dispatch: WskAppDispatch }, WskRegistration);
  event("WskRegister", null, "returned", Status);
  if (!NT_SUCCESS(Status)) return 1;
  const npi = new WSK_PROVIDER_NPI();
  Status = WskCaptureProviderNPI(WskRegistration, WSK_INFINITE_WAIT, npi);
  event("WskCaptureProviderNPI", null, "returned", Status);
  if (!NT_SUCCESS(Status)) return 1;
  let exitCode = 1;
  try {
    const RemoteAddress = sockaddr(host, port) ?? await resolveHost(npi, host, port, say);
    if (!RemoteAddress) return 1;
    exitCode = await session(npi, RemoteAddress, host);
  } finally {
    WskReleaseProviderNPI(WskRegistration);
    await WskDeregister(WskRegistration);
    say(`${"WskDeregister".padEnd(47)} returned  (every socket closed, every NPI released)`);
  }
  return exitCode;
}

async function session(npi: WSK_PROVIDER_NPI, RemoteAddress: SOCKADDR, host: string) {
  const family = "sin6_family" in RemoteAddress ? AF_INET6 : AF_INET;
  const created = await callAndWait(
    "WskSocket(CONNECTION, TCP)",
    (Irp) =>
      npi.Dispatch!.WskSocket(
        npi.Client,
        family,
        SOCK_STREAM,
        IPPROTO_TCP,
        WSK_FLAG_CONNECTION_SOCKET,
        null,
        null,
        null,
        null,
        null,
        Irp,
      ),
  );
  if (created.Status !== STATUS_SUCCESS) return fail("WskSocket", created.Status);
  const Socket = created.Information as WSK_SOCKET;
  const Dispatch = Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;
  let exitCode = 1;
  try {
    const LocalAddress = {} as SOCKADDR_IN & SOCKADDR_IN6;
    if (family === AF_INET) IN4ADDR_SETANY(LocalAddress);
    else IN6ADDR_SETANY(LocalAddress);
    const bound = await callAndWait(
      `WskBind(${sockaddrToString(LocalAddress)})`,
      (Irp) => Dispatch.WskBind(Socket, LocalAddress, 0, Irp),
    );
    if (bound.Status !== STATUS_SUCCESS) return fail("WskBind", bound.Status);

    KeInitializeEvent(ConnectDone, NotificationEvent, false);
    const Status = ConnectSocket(Socket, RemoteAddress);
    if (Status !== STATUS_PENDING && !NT_SUCCESS(Status)) return fail("ConnectSocket", Status);
    await KeWaitForSingleObject(ConnectDone, 0, 0, false, null);
    if (ConnectStatus !== STATUS_SUCCESS) return fail("WskConnect", ConnectStatus);

    const request = new TextEncoder().encode(
      `HEAD / HTTP/1.0\r\nHost: ${host}\r\nUser-Agent: wskemu-demo\r\n\r\n`,
    );
    const requestMdl = mdlFor(request);
    const sent = await callAndWait(
      `WskSend(${request.length} bytes: HEAD /)`,
      (Irp) =>
        Dispatch.WskSend(Socket, { Mdl: requestMdl, Offset: 0, Length: request.length }, 0, Irp),
    );
    IoFreeMdl(requestMdl);
    if (sent.Status !== STATUS_SUCCESS) return fail("WskSend", sent.Status);

    const reply = new Uint8Array(4096);
    const replyMdl = mdlFor(reply);
    const received = await callAndWait(
      "WskReceive(4096-byte buffer)",
      (Irp) =>
        Dispatch.WskReceive(Socket, { Mdl: replyMdl, Offset: 0, Length: reply.length }, 0, Irp),
    );
    IoFreeMdl(replyMdl);
    if (received.Status !== STATUS_SUCCESS) return fail("WskReceive", received.Status);
    const text = new TextDecoder().decode(reply.subarray(0, received.Information as number));
    say(`  reply: ${text.split("\r\n")[0] || "(nothing: the host closed the connection)"}`);

    const disconnected = await callAndWait(
      "WskDisconnect(graceful)",
      (Irp) => Dispatch.WskDisconnect(Socket, null, 0, Irp),
    );
    if (disconnected.Status !== STATUS_SUCCESS) return fail("WskDisconnect", disconnected.Status);
    exitCode = 0;
  } finally {
    await callAndWait("WskCloseSocket", (Irp) => Dispatch.WskCloseSocket(Socket, Irp));
  }
  return exitCode;
}

function fail(what: string, Status: NTSTATUS): number {
  console.error(`${what} failed: ${formatNtStatus(Status)}`);
  return 1;
}

if (import.meta.main) Deno.exit(await main());
