// Copyright 2026 the wskemu authors. MIT license.
// Internal: a listening socket. WskBind starts listening; each incoming
// connection becomes a connection socket at once (so its bytes are buffered,
// with backpressure), then goes through conditional accept if enabled, and is
// handed to a pending WskAccept, to WskAcceptEvent, or to the backlog.
import { queueDpc } from "../irp/completion.ts";
import type { IRP } from "../irp/irp.ts";
import {
  type NTSTATUS,
  STATUS_ACCESS_VIOLATION,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_IMPLEMENTED,
  STATUS_PENDING,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Endpoint, TcpListener, TcpStream } from "../transport/types.ts";
import { fillSockaddr, sockaddrFamily, sockaddrToEndpoint } from "./_address.ts";
import { ConnectionSocket } from "./_connection.ts";
import { BasicDispatch } from "./_basic.ts";
import { deferredWrite, guardTable } from "./_guard.ts";
import { failIrp, PendingIrp, succeedIrp } from "./_irp.ts";
import { SocketBase, socketCall } from "./_socket.ts";
import type { SOCKADDR } from "./address.ts";
import {
  IPPROTO_UDP,
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_SEND_BACKLOG,
  WSK_FLAG_AT_DISPATCH_LEVEL,
  WskInspectAccept,
  WskInspectPend,
  WskInspectReject,
} from "./constants.ts";
import type {
  WSK_CLIENT_CONNECTION_DISPATCH,
  WSK_CLIENT_LISTEN_DISPATCH,
  WSK_PROVIDER_LISTEN_DISPATCH,
} from "./dispatch_types.ts";
import type { WSK_INSPECT_ID } from "./structures.ts";

/** Connections kept for WskAccept when nobody takes them; more are reset. */
const BACKLOG_LIMIT = 128;
let nextInspectKey = 1;

interface AcceptRequest {
  op: PendingIrp;
  context: unknown;
  dispatch: WSK_CLIENT_CONNECTION_DISPATCH | null;
  local: SOCKADDR | null;
  remote: SOCKADDR | null;
}

interface Inspection {
  id: WSK_INSPECT_ID;
  socket: ConnectionSocket;
}

/** Connection events a listening socket can hold for the sockets WskAcceptEvent accepts. */
const INHERITED_EVENTS = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

/** A listening socket (or the listening half of a stream socket). */
export class ListenSocket extends SocketBase {
  readonly Dispatch: unknown = ListenDispatch;
  readonly eventBits: number = WSK_EVENT_ACCEPT | INHERITED_EVENTS;
  state: "open" | "binding" | "listening" | "dead" = "open";
  #local: Endpoint | null = null;
  #listener: TcpListener | null = null;
  #accepts: AcceptRequest[] = [];
  #backlog: ConnectionSocket[] = [];
  #inspections: Inspection[] = [];
  /** Incoming sockets not yet given to the client: closed with the listener. */
  #unclaimed = new Set<ConnectionSocket>();

  eventsAllowed(): boolean {
    return this.state === "listening";
  }

  beforeBind(): boolean {
    return this.state === "open";
  }

  localEndpoint(): Endpoint | null {
    return this.#listener?.localAddress ?? null;
  }

  #events(): WSK_CLIENT_LISTEN_DISPATCH | null {
    return (this.clientDispatch as WSK_CLIENT_LISTEN_DISPATCH | null) ?? null;
  }

  /** The connection callbacks given to accepted sockets (a stream socket overrides this). */
  connectionEvents(): WSK_CLIENT_CONNECTION_DISPATCH | null {
    return null;
  }

  bind(LocalAddress: SOCKADDR, Flags: number, Irp: IRP): NTSTATUS {
    if (this.protocol === IPPROTO_UDP) return failIrp(Irp, STATUS_NOT_IMPLEMENTED);
    const local = sockaddrToEndpoint(LocalAddress);
    if (Flags !== 0 || !local || sockaddrFamily(LocalAddress) !== this.family) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    if (this.state !== "open") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    this.#local = local;
    return this.startListening(Irp);
  }

  /** Binds the recorded address and listens; completes `Irp` with the outcome. */
  startListening(Irp: IRP): NTSTATUS {
    if (!this.#local) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    this.state = "binding";
    const op = new PendingIrp(Irp, this.pending, null, false);
    this.whenOpened(
      op,
      this.client.transport.tcp.listen({
        local: this.#local,
        ipv6Only: this.options.v6Only,
        exclusive: this.options.exclusive,
      }),
      (listener) => {
        this.#listener = listener;
        this.state = "listening";
        listener.onConnection((stream) => this.#incoming(stream), (status) => this.#failed(status));
      },
      () => this.state = "open",
    );
    return STATUS_PENDING;
  }

  /** Records the address for a stream socket's later WskListen. */
  setLocal(local: Endpoint): void {
    this.#local = local;
  }

  #incoming(stream: TcpStream): void {
    if (this.closed) {
      stream.abort();
      return;
    }
    const socket = new ConnectionSocket(
      this.client,
      this.family,
      this.socketType,
      this.protocol,
      null,
      null,
    );
    Object.assign(socket.options, this.options);
    socket.attach(stream);
    this.#unclaimed.add(socket);
    if (this.options.conditionalAccept) this.#inspect(socket);
    else this.#offer(socket);
  }

  /** Conditional accept: ask WskInspectEvent before the connection is offered. */
  #inspect(socket: ConnectionSocket): void {
    const id: WSK_INSPECT_ID = { Key: nextInspectKey++, SerialNumber: 1 };
    socket.inspectId = id;
    queueDpc(() => {
      if (this.closed || socket.closed) return;
      const inspect = this.#events()?.WskInspectEvent;
      const action = inspect
        ? inspect(this.context, this.#address(socket, "local"), this.#address(socket, "remote"), {
          ...id,
        })
        : WskInspectAccept;
      if (action === WskInspectAccept) this.#offer(socket);
      else if (action === WskInspectPend) {
        this.#inspections.push({ id, socket });
        socket.onPeerGone = () => this.#aborted(id);
      } else this.#reject(socket);
    });
  }

  /** A pended request whose peer gave up: WskAbortEvent. */
  #aborted(id: WSK_INSPECT_ID): void {
    const index = this.#inspections.findIndex((i) => i.id === id);
    if (index < 0) return;
    const [inspection] = this.#inspections.splice(index, 1);
    this.#reject(inspection!.socket);
    const abort = this.#events()?.WskAbortEvent;
    if (abort) queueDpc(() => !this.closed && abort(this.context, { ...id }));
  }

  /** WskInspectComplete. */
  inspectComplete(InspectID: WSK_INSPECT_ID, Action: number, Irp: IRP): NTSTATUS {
    const index = this.#inspections.findIndex((i) =>
      i.id.Key === InspectID?.Key && i.id.SerialNumber === InspectID?.SerialNumber
    );
    if (index < 0 || (Action !== WskInspectAccept && Action !== WskInspectReject)) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    const [inspection] = this.#inspections.splice(index, 1);
    inspection!.socket.onPeerGone = null;
    if (Action === WskInspectAccept) this.#offer(inspection!.socket);
    else this.#reject(inspection!.socket);
    return succeedIrp(Irp);
  }

  /** A pending WskAccept takes it first; else WskAcceptEvent; else the backlog. */
  #offer(socket: ConnectionSocket): void {
    const request = this.#accepts.shift();
    if (request) return this.#handOver(socket, request);
    if (this.eventMask & WSK_EVENT_ACCEPT && this.#events()?.WskAcceptEvent) {
      queueDpc(() => this.#acceptEvent(socket));
      return;
    }
    if (this.#backlog.length >= BACKLOG_LIMIT) return this.#reject(socket);
    this.#backlog.push(socket);
  }

  #acceptEvent(socket: ConnectionSocket): void {
    if (this.closed || socket.closed) return;
    // A WskAccept posted meanwhile has precedence over the callback.
    const request = this.#accepts.shift();
    if (request) return this.#handOver(socket, request);
    const callback = this.#events()?.WskAcceptEvent;
    if (!callback || !(this.eventMask & WSK_EVENT_ACCEPT)) return this.#offer(socket);
    const context = { value: null as unknown };
    const dispatch = { value: null as WSK_CLIENT_CONNECTION_DISPATCH | null };
    this.#unclaimed.delete(socket);
    let status: NTSTATUS;
    try {
      status = this.runEvent(WSK_EVENT_ACCEPT, () =>
        callback(
          this.context,
          WSK_FLAG_AT_DISPATCH_LEVEL,
          this.#address(socket, "local"),
          this.#address(socket, "remote"),
          socket,
          context,
          dispatch,
        ));
    } catch (error) {
      // The callback crashed (a bug check from the queue): it never took the socket, so it is
      // closed rather than orphaned (WskDeregister would wait for it).
      this.#reject(socket);
      throw error;
    }
    if (status !== STATUS_SUCCESS) {
      // STATUS_REQUEST_NOT_ACCEPTED (or anything else): WSK closes the socket; the peer sees a reset.
      socket.abortive(STATUS_REQUEST_NOT_ACCEPTED);
      socket.shutdown();
      return;
    }
    socket.context = context.value;
    socket.clientDispatch = dispatch.value ?? this.connectionEvents();
    // Connection callbacks enabled on the listening socket carry over to sockets accepted here.
    socket.eventMask |= this.eventMask & INHERITED_EVENTS;
    socket.eventsEnabled(socket.eventMask);
  }

  /** WskAccept. */
  accept(
    Flags: number,
    AcceptSocketContext: unknown,
    AcceptSocketDispatch: WSK_CLIENT_CONNECTION_DISPATCH | null,
    LocalAddress: SOCKADDR | null,
    RemoteAddress: SOCKADDR | null,
    Irp: IRP,
  ): NTSTATUS {
    if (Flags !== 0) return failIrp(Irp, STATUS_INVALID_PARAMETER);
    if (this.state !== "listening") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    const request: AcceptRequest = {
      op: new PendingIrp(Irp, this.pending, (op) => {
        this.#accepts = this.#accepts.filter((r) => r.op !== op);
      }),
      context: AcceptSocketContext,
      dispatch: AcceptSocketDispatch,
      local: LocalAddress,
      remote: RemoteAddress,
    };
    const ready = this.#backlog.shift();
    if (ready) this.#handOver(ready, request);
    else this.#accepts.push(request);
    return STATUS_PENDING;
  }

  #handOver(socket: ConnectionSocket, request: AcceptRequest): void {
    this.#unclaimed.delete(socket);
    const written = deferredWrite("WskAccept", () => {
      if (request.local) this.#fill(request.local, socket, "local");
      if (request.remote) this.#fill(request.remote, socket, "remote");
    });
    if (!written) {
      // The client never gets the socket: it is closed, not orphaned (WskDeregister would wait).
      this.#reject(socket);
      request.op.complete(STATUS_ACCESS_VIOLATION);
      return;
    }
    socket.context = request.context;
    socket.clientDispatch = request.dispatch;
    // Sockets accepted through WskAccept inherit no callbacks, only the static ones.
    socket.eventMask = this.client.staticEvents & socket.eventBits;
    if (socket.eventMask) socket.eventsEnabled(socket.eventMask);
    request.op.complete(STATUS_SUCCESS, socket);
  }

  #reject(socket: ConnectionSocket): void {
    this.#unclaimed.delete(socket);
    socket.abortive(STATUS_REQUEST_NOT_ACCEPTED);
    socket.shutdown();
  }

  #address(socket: ConnectionSocket, which: "local" | "remote"): SOCKADDR {
    const out = {};
    this.#fill(out, socket, which);
    return out;
  }

  #fill(out: SOCKADDR, socket: ConnectionSocket, which: "local" | "remote"): void {
    const ep = which === "local" ? socket.stream?.localAddress : socket.stream?.remoteAddress;
    if (ep) fillSockaddr(out, ep, this.family);
  }

  /**
   * The listening socket stopped working: pending WskAccept IRPs complete
   * with `status`, later ones STATUS_INVALID_DEVICE_STATE, connections no
   * accept can take any more are reset, and WskAcceptEvent(NULL) runs
   * exactly once.
   */
  #failed(status: NTSTATUS): void {
    if (this.state === "dead") return;
    this.state = "dead";
    this.#listener?.close();
    this.#listener = null;
    for (const request of this.#accepts.splice(0)) request.op.complete(status);
    for (const socket of this.#backlog.splice(0)) this.#reject(socket);
    const callback = this.#events()?.WskAcceptEvent;
    if (!callback || !(this.eventMask & WSK_EVENT_ACCEPT)) return;
    queueDpc(() => {
      if (!this.closed) {
        this.runEvent(
          WSK_EVENT_ACCEPT,
          () =>
            callback(this.context, WSK_FLAG_AT_DISPATCH_LEVEL, null, null, null, { value: null }, {
              value: null,
            }),
        );
      }
    });
  }

  address(Out: SOCKADDR, Irp: IRP): NTSTATUS {
    const ep = this.localEndpoint();
    if (!ep) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    if (!Out) return failIrp(Irp, STATUS_INVALID_PARAMETER);
    fillSockaddr(Out, ep, this.family);
    return succeedIrp(Irp);
  }

  protected release(): void {
    this.#listener?.close();
    this.#listener = null;
    for (const socket of [...this.#unclaimed, ...this.#backlog]) this.#reject(socket);
    this.#backlog = [];
    this.#inspections = [];
  }
}

/** `WSK_PROVIDER_LISTEN_DISPATCH`: Basic embedded and flattened. */
export const ListenDispatch: WSK_PROVIDER_LISTEN_DISPATCH = guardTable<
  WSK_PROVIDER_LISTEN_DISPATCH
>({
  Basic: BasicDispatch,
  ...BasicDispatch,
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, ListenSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskAccept: (Socket, Flags, Context, Dispatch, Local, Remote, Irp) =>
    socketCall(
      Socket,
      Irp,
      ListenSocket,
      (s, irp) => s.accept(Flags, Context, Dispatch, Local, Remote, irp),
    ),
  WskInspectComplete: (Socket, InspectID, Action, Irp) =>
    socketCall(Socket, Irp, ListenSocket, (s, irp) => s.inspectComplete(InspectID, Action, irp)),
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, ListenSocket, (s, irp) => s.address(LocalAddress, irp)),
});
