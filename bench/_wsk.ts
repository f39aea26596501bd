// Copyright 2026 the wskemu authors. MIT license.
// Bench helper: a registered WSK client, as a driver holds one, with the
// patterns drivers use to keep IRPs in flight: N IRPs allocated once, each
// reused and reissued from its own completion routine.
import {
  AF_INET,
  formatNtStatus,
  IoAllocateIrp,
  IoCancelIrp,
  IoFreeIrp,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IRP,
  NPI_WSK_INTERFACE_ID,
  ntohs,
  type NTSTATUS,
  SO_WSK_EVENT_CALLBACK,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr,
  type SOCKADDR_IN,
  SOL_SOCKET,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
  TCP_NODELAY,
  type WSK_CLIENT_DATAGRAM_DISPATCH,
  WSK_EVENT_RECEIVE_FROM,
  WSK_FLAG_DATAGRAM_SOCKET,
  type WSK_PROVIDER_BASIC_DISPATCH,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_PROVIDER_NPI,
  type WSK_SOCKET,
  WskSetOption,
} from "../mod.ts";
import type { Transport } from "../transport/types.ts";
import { call, connDispatch as connection, TestClient } from "../tests/_wsk.ts";

/** Registers a WSK client, over `transport` when given, and returns its provider NPI. */
export function register(transport?: Transport): WSK_PROVIDER_NPI {
  return new TestClient(transport).npi;
}

/** The provider NPI of the bench's WSK client over the real network. */
export const npi: WSK_PROVIDER_NPI = register();

// One-shot calls, buffers and the connection table are the tests' own helpers.
export { call, type Completion, connDispatch as connection, wskBuf as buf } from "../tests/_wsk.ts";

/** Like {@linkcode call}, but a failure throws. */
export async function mustCall(what: string, issue: (Irp: IRP) => NTSTATUS): Promise<unknown> {
  const { Status, Information } = await call(issue);
  if (Status !== STATUS_SUCCESS) {
    throw new Error(`${what} failed: ${formatNtStatus(Status)}`);
  }
  return Information;
}

/** The datagram table of a socket. */
export function datagram(Socket: WSK_SOCKET): WSK_PROVIDER_DATAGRAM_DISPATCH {
  return Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
}

/** WskSocketConnect to 127.0.0.1:`port` (through `provider`), optionally with TCP_NODELAY. */
export async function connect(
  port: number,
  noDelay = false,
  provider: WSK_PROVIDER_NPI = npi,
): Promise<WSK_SOCKET> {
  const Socket = await mustCall("WskSocketConnect", (Irp) =>
    provider.Dispatch!.WskSocketConnect(
      provider.Client,
      SOCK_STREAM,
      IPPROTO_TCP,
      sockaddr("0.0.0.0", 0)!,
      sockaddr("127.0.0.1", port)!,
      0,
      null,
      null,
      null,
      null,
      null,
      Irp,
    )) as WSK_SOCKET;
  if (noDelay) {
    await mustCall("TCP_NODELAY", (Irp) =>
      connection(Socket).WskControlSocket(
        Socket,
        WskSetOption,
        TCP_NODELAY,
        IPPROTO_TCP,
        4,
        { value: 1 },
        0,
        null,
        null,
        Irp,
      ));
  }
  return Socket;
}

/** A datagram socket bound to 127.0.0.1; with `events`, its WskReceiveFromEvent is enabled. */
export async function datagramSocket(
  events: WSK_CLIENT_DATAGRAM_DISPATCH | null = null,
): Promise<{ Socket: WSK_SOCKET; port: number }> {
  const Socket = await mustCall("WskSocket", (Irp) =>
    npi.Dispatch!.WskSocket(
      npi.Client,
      AF_INET,
      SOCK_DGRAM,
      IPPROTO_UDP,
      WSK_FLAG_DATAGRAM_SOCKET,
      null,
      events,
      null,
      null,
      null,
      Irp,
    )) as WSK_SOCKET;
  const d = datagram(Socket);
  await mustCall("WskBind", (Irp) => d.WskBind(Socket, sockaddr("127.0.0.1", 0)!, 0, Irp));
  const local = sockaddr("0.0.0.0", 0)!;
  await mustCall("WskGetLocalAddress", (Irp) => d.WskGetLocalAddress(Socket, local, Irp));
  const port = ntohs((local as SOCKADDR_IN).sin_port);
  if (events) {
    const status = d.WskControlSocket(
      Socket,
      WskSetOption,
      SO_WSK_EVENT_CALLBACK,
      SOL_SOCKET,
      8,
      { NpiId: NPI_WSK_INTERFACE_ID, EventMask: WSK_EVENT_RECEIVE_FROM },
      0,
      null,
      null,
      null,
    );
    if (status !== STATUS_SUCCESS) throw new Error("SO_WSK_EVENT_CALLBACK failed");
  }
  return { Socket, port };
}

/** WskCloseSocket. */
export async function close(Socket: WSK_SOCKET): Promise<void> {
  await call((Irp) => (Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH).WskCloseSocket(Socket, Irp));
}

/**
 * Keeps `outstanding` IRPs in flight: each is issued with `issue(Irp, slot)`
 * while `more()` says so, and reissued from its completion routine after
 * `completed(Irp, slot)`. Resolves once none is in flight; a failed IRP stops
 * the pump and rejects. `cancel()` cancels what is still in flight.
 */
export class Pump {
  readonly done: Promise<void>;
  #irps: IRP[];
  #inFlight = 0;
  #failure: NTSTATUS = STATUS_SUCCESS;
  #settle!: () => void;

  constructor(
    outstanding: number,
    issue: (Irp: IRP, slot: number) => NTSTATUS,
    more: () => boolean,
    completed: (Irp: IRP, slot: number) => void,
  ) {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.done = promise;
    this.#irps = Array.from({ length: outstanding }, () => IoAllocateIrp(1, false)!);
    this.#settle = () => {
      for (const Irp of this.#irps) IoFreeIrp(Irp);
      if (this.#failure === STATUS_SUCCESS) resolve();
      else reject(new Error(`an IRP failed: 0x${(this.#failure >>> 0).toString(16)}`));
    };
    const start = (Irp: IRP, slot: number) => {
      IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
      IoSetCompletionRoutine(Irp, routine, slot, true, true, true);
      this.#inFlight++;
      issue(Irp, slot);
    };
    const routine = (_d: unknown, Irp: IRP, slot: unknown) => {
      this.#inFlight--;
      if (Irp.IoStatus.Status !== STATUS_SUCCESS && this.#failure === STATUS_SUCCESS) {
        this.#failure = Irp.IoStatus.Status;
      }
      completed(Irp, slot as number);
      if (this.#failure === STATUS_SUCCESS && more()) start(Irp, slot as number);
      else if (this.#inFlight === 0) this.#settle();
      return STATUS_MORE_PROCESSING_REQUIRED;
    };
    this.#irps.forEach((Irp, slot) => {
      if (more()) start(Irp, slot);
    });
    if (this.#inFlight === 0) this.#settle();
  }

  /** Cancels every IRP still in flight (their completions still come). */
  cancel(): void {
    for (const Irp of this.#irps) IoCancelIrp(Irp);
  }
}
