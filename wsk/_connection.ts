// Copyright 2026 the wskemu authors. MIT license.
// Internal: a connection-oriented socket over one real TCP stream — bind,
// connect, send, receive, disconnect, addresses — with Windows' state rules.
import { queueDpc, queueIrpCompletion } from "../irp/completion.ts";
import {
  completionWorkWaiting,
  drainCompletionQueueNow,
  queueWork,
} from "../irp/completion_queue.ts";
import { IRP } from "../irp/irp.ts";
import { type WSK_BUF, wskBufSegments } from "../irp/mdl.ts";
import {
  type NTSTATUS,
  STATUS_BUFFER_OVERFLOW,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_ACTIVE,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_IMPLEMENTED,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { statusFromError } from "../transport/errors.ts";
import { connectTcp, connectTcpWith } from "../transport/_tcp_connect.ts";
import type { Endpoint, Result, TcpReceiver, TcpStream } from "../transport/types.ts";
import { fillSockaddr, sockaddrFamily, sockaddrToEndpoint } from "./_address.ts";
import { checkIrp, failIrp, PendingIrp, succeedIrp, takeIrp } from "./_irp.ts";
import { BasicDispatch } from "./_basic.ts";
import { guardTable } from "./_guard.ts";
import { ReceiveQueue } from "./_receive.ts";
import { settledResult, settledStatus } from "./_settled.ts";
import { type IoctlResult, SocketBase, socketCall, socketFor } from "./_socket.ts";
import type { SOCKADDR } from "./address.ts";
import {
  SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
  SIO_WSK_QUERY_INSPECT_ID,
  SIO_WSK_QUERY_RECEIVE_BACKLOG,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_SEND_BACKLOG,
  WSK_FLAG_ABORTIVE,
  WSK_FLAG_AT_DISPATCH_LEVEL,
  WSK_FLAG_NODELAY,
} from "./constants.ts";
import type {
  PFN_WSK_RECEIVE_EVENT,
  WSK_CLIENT_CONNECTION_DISPATCH,
  WSK_PROVIDER_CONNECTION_DISPATCH,
} from "./dispatch_types.ts";
import type { WSK_INSPECT_ID } from "./structures.ts";

/** The send backlog WSK_EVENT_SEND_BACKLOG and SIO_WSK_QUERY_IDEAL_SEND_BACKLOG report. */
export const IDEAL_SEND_BACKLOG = 256 * 1024;

type State = "open" | "bound" | "connecting" | "connected";

/** A connection-oriented socket. Listening and stream sockets reuse it for accepted connections. */
export class ConnectionSocket extends SocketBase {
  /** Every connection socket (and a stream socket's connected half) has this table. */
  readonly Dispatch: unknown = ConnectionDispatch;
  state: State = "open";
  local: Endpoint | null = null;
  stream: TcpStream | null = null;
  #receive: ReceiveQueue | null = null;
  /** A graceful WskDisconnect was issued: no more sends. */
  sendShutdown = false;
  /** The connection is gone (local abort, peer reset): the status later calls get. */
  broken: NTSTATUS = STATUS_SUCCESS;
  /** Set on sockets accepted through conditional accept (SIO_WSK_QUERY_INSPECT_ID). */
  inspectId: WSK_INSPECT_ID | null = null;
  /** Told when the peer goes away (FIN or reset) while a listening socket still holds this socket. */
  onPeerGone: (() => void) | null = null;
  /** The connect in flight, if any. */
  #opening: Opening | null = null;
  /** The stream delivers to this socket (see {@linkcode ConnectionSocket.startReceiving}). */
  #receiving = false;
  /**
   * Sends gathered for one transport write, oldest first, or null. A send
   * issued while other completion routines wait to run (a driver keeping
   * several sends outstanding re-posts one per completion) is held here, and
   * every send after it joins, until the flush queued behind those routines
   * hands them all to one write: one syscall for many small sends. Up to
   * GATHER_LIMIT bytes: large sends gain nothing, and the first of a large
   * gather would wait for the last to reach the kernel.
   */
  #gathered: WriteOp[] | null = null;
  #gatheredBytes = 0;

  readonly eventBits: number = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

  eventsAllowed(): boolean {
    return this.state === "connected";
  }

  beforeBind(): boolean {
    return this.state === "open";
  }

  override eventsEnabled(bits: number): void {
    if (bits & (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT)) this.startReceiving();
    if (bits & WSK_EVENT_RECEIVE) this.receive.kick();
    if (bits & WSK_EVENT_SEND_BACKLOG) this.sendBacklogChanged();
  }

  override ioctl(code: number): IoctlResult | null {
    if (code === SIO_WSK_QUERY_IDEAL_SEND_BACKLOG || code === SIO_WSK_QUERY_RECEIVE_BACKLOG) {
      if (this.state !== "connected") return { status: STATUS_INVALID_DEVICE_STATE };
      // The backlog is what this socket read and holds: from now on it reads.
      if (code === SIO_WSK_QUERY_RECEIVE_BACKLOG) this.startReceiving();
      const output = code === SIO_WSK_QUERY_IDEAL_SEND_BACKLOG
        ? IDEAL_SEND_BACKLOG
        : this.receive.backlog;
      return { status: STATUS_SUCCESS, output };
    }
    if (code === SIO_WSK_QUERY_INSPECT_ID) {
      if (!this.inspectId) return { status: STATUS_INVALID_DEVICE_REQUEST };
      return { status: STATUS_SUCCESS, outputObject: { ...this.inspectId } };
    }
    return null;
  }

  /** The receive side, made when first needed: a connection closed unread never needs one. */
  get receive(): ReceiveQueue {
    return this.#receive ??= new ReceiveQueue(this);
  }

  get receiveLimit(): number {
    return Math.max(this.options.receiveBuffer, 64 * 1024) * 4;
  }

  localEndpoint(): Endpoint | null {
    return this.stream?.localAddress ?? this.local;
  }

  receiveEvent(): PFN_WSK_RECEIVE_EVENT | null {
    if (!(this.eventMask & WSK_EVENT_RECEIVE)) return null;
    return this.#events()?.WskReceiveEvent ?? null;
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  #events(): WSK_CLIENT_CONNECTION_DISPATCH | null {
    return (this.clientDispatch as WSK_CLIENT_CONNECTION_DISPATCH | null) ?? null;
  }

  override applyOptions(): void {
    this.stream?.setNoDelay(this.options.noDelay);
    this.stream?.setKeepAlive(this.options.keepAlive);
  }

  /**
   * Applies the options that are on to a new stream, which starts with both
   * off (TCP's defaults): a connect makes no system call for options nobody set.
   */
  #applyOptionsSet(stream: TcpStream): void {
    if (this.options.noDelay) stream.setNoDelay(true);
    if (this.options.keepAlive) stream.setKeepAlive(true);
  }

  bind(LocalAddress: SOCKADDR, Flags: number, Irp: IRP): NTSTATUS {
    const local = sockaddrToEndpoint(LocalAddress);
    if (Flags !== 0 || !local || sockaddrFamily(LocalAddress) !== this.family) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    if (this.state !== "open") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    this.local = local;
    this.state = "bound";
    return succeedIrp(Irp);
  }

  connect(RemoteAddress: SOCKADDR, Flags: number, Irp: IRP, initial: WSK_BUF | null): NTSTATUS {
    if (this.state === "open") {
      // As observed on Windows: returned and also completed through the IRP.
      takeIrp(Irp);
      queueIrpCompletion(Irp, STATUS_INVALID_DEVICE_STATE, 0);
      return STATUS_INVALID_DEVICE_STATE;
    }
    if (this.state === "connected") return failIrp(Irp, STATUS_CONNECTION_ACTIVE);
    if (this.state === "connecting") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    const remote = sockaddrToEndpoint(RemoteAddress);
    if (Flags !== 0 || !remote || sockaddrFamily(RemoteAddress) !== this.family) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    const segments = initial && initial.Length > 0 ? wskBufSegments(initial) : [];
    const op = new PendingIrp(Irp, this.pending, () => this.cancelOpen());
    this.open(remote, segments, (status) => op.complete(status));
    return STATUS_PENDING;
  }

  /**
   * Connects the bound socket to `remote` (then sends `initial`, for
   * WskConnectEx); `done(status)` follows once, never inside this call. An
   * attempt cancelled ({@linkcode cancelOpen}) leaves the socket bound, as
   * before the call.
   *
   * Over the real transport this goes through connectTcpWith: no promise and
   * no AbortSignal per connect (a signal listener alone cost a connect + close
   * cycle several microseconds). Any other transport (a test's, a user's, the
   * real one with `connect` replaced) gets its `connect` with a signal.
   */
  open(remote: Endpoint, initial: Uint8Array[], done: (status: NTSTATUS) => void): void {
    this.state = "connecting";
    const opening = new Opening(this, initial, done);
    this.#opening = opening;
    const options = { remote, local: isWildcard(this.local) ? undefined : this.local! };
    const tcp = this.client.transport.tcp;
    if (tcp.connect === connectTcp) {
      opening.attempt = connectTcpWith(options, openedWith, opening);
      return;
    }
    const abort = new AbortController();
    opening.attempt = abort;
    settledResult(() => tcp.connect({ ...options, signal: abort.signal }))
      .then((result) => openedWith(opening, result));
  }

  /** Cancels the connect in flight, if any: its `done` gets STATUS_CANCELLED. */
  cancelOpen(): void {
    const opening = this.#opening;
    if (opening === null || opening.cancelled) return;
    opening.cancelled = true;
    opening.attempt?.abort();
  }

  /** The transport's connect settled: take the stream, or go back to bound. */
  opened(opening: Opening, result: Result<TcpStream>): void {
    if (this.#opening === opening) this.#opening = null;
    if (opening.cancelled || this.closed) {
      result.value?.abort();
      if (!this.closed) this.state = "bound";
      opening.done(STATUS_CANCELLED);
      return;
    }
    const stream = result.value;
    if (!stream) {
      this.state = "bound";
      opening.done(result.status);
      return;
    }
    this.attach(stream, false);
    if (opening.initial.length === 0) opening.done(STATUS_SUCCESS);
    else settledStatus(() => stream.write(opening.initial)).then(opening.done);
  }

  /**
   * Makes this socket the owner of a connected stream (after connect, or on
   * accept). With `readNow` false (a socket this client connected), reading
   * starts once the connect's completion has run ({@linkcode startReceiving}
   * from a microtask, or sooner if a receive, an event or the backlog query
   * asks): a connect that its completion routine closes (a connect rate, a
   * probe) costs no read at all, and one that lives on reads what arrives as
   * a Windows socket does. An accepted socket reads at once: its listening
   * socket must learn when the peer goes away before it is taken.
   */
  attach(stream: TcpStream, readNow = true): void {
    this.stream = stream;
    this.state = "connected";
    this.#applyOptionsSet(stream);
    if (readNow || this.eventMask & (WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT)) {
      this.startReceiving();
    } else {
      queueMicrotask(() => this.startReceiving());
    }
    if (this.eventMask & WSK_EVENT_SEND_BACKLOG) this.sendBacklogChanged();
  }

  /**
   * Starts delivery from the stream, once: a receive was posted, receive or
   * disconnect events were enabled, the receive backlog was asked for, or a
   * graceful disconnect needs the peer's FIN.
   */
  startReceiving(): void {
    if (this.#receiving || this.stream === null || this.closed) return;
    this.#receiving = true;
    this.stream.receive(new SocketReceiver(this));
  }

  /** The peer finished (FIN): pending receives and events learn it. */
  peerEnded(): void {
    this.onPeerGone?.();
    this.receive.end();
    this.#disconnected(0);
  }

  /** The connection failed with `status` (reset, timeout). */
  peerFailed(status: NTSTATUS): void {
    this.onPeerGone?.();
    this.broken = status;
    this.receive.fail(status);
    this.#disconnected(WSK_FLAG_ABORTIVE);
  }

  /** Tells the client the ideal send backlog (WskSendBacklogEvent), if it asked. */
  sendBacklogChanged(): void {
    const callback = this.#events()?.WskSendBacklogEvent;
    if (!callback || !(this.eventMask & WSK_EVENT_SEND_BACKLOG)) return;
    queueDpc(() => {
      if (!this.closed && this.eventMask & WSK_EVENT_SEND_BACKLOG) {
        this.runEvent(WSK_EVENT_SEND_BACKLOG, () => callback(this.context, IDEAL_SEND_BACKLOG));
      }
    });
  }

  /** The peer finished (FIN) or the connection broke: WskDisconnectEvent if enabled. */
  #disconnected(flags: number): void {
    const events = this.#events();
    if (this.eventMask & WSK_EVENT_RECEIVE && events?.WskReceiveEvent) {
      const callback = events.WskReceiveEvent;
      queueDpc(() => {
        if (!this.closed && this.eventMask & WSK_EVENT_RECEIVE) {
          this.runEvent(
            WSK_EVENT_RECEIVE,
            () => callback(this.context, WSK_FLAG_AT_DISPATCH_LEVEL, null, 0, { value: 0 }),
          );
        }
      });
    }
    if (this.eventMask & WSK_EVENT_DISCONNECT && events?.WskDisconnectEvent) {
      const callback = events.WskDisconnectEvent;
      queueDpc(() => {
        if (!this.closed && this.eventMask & WSK_EVENT_DISCONNECT) {
          this.runEvent(
            WSK_EVENT_DISCONNECT,
            () => callback(this.context, flags | WSK_FLAG_AT_DISPATCH_LEVEL),
          );
        }
      });
    }
  }

  /** Why a data call cannot run now, or null when it can. */
  #notConnected(): NTSTATUS | null {
    if (this.state !== "connected" || !this.stream) return STATUS_INVALID_DEVICE_STATE;
    return this.broken !== STATUS_SUCCESS ? this.broken : null;
  }

  send(Buffer: WSK_BUF, Flags: number, Irp: IRP): NTSTATUS {
    const segments = wskBufSegments(Buffer);
    const refused = this.#notConnected() ??
      (this.sendShutdown ? STATUS_INVALID_DEVICE_STATE : null);
    if (refused !== null) return failIrp(Irp, refused);
    if (Flags & ~WSK_FLAG_NODELAY) return failIrp(Irp, STATUS_NOT_SUPPORTED);
    if (Buffer.Length === 0) return succeedIrp(Irp, 0);
    const stream = this.stream!;
    const flush = (Flags & WSK_FLAG_NODELAY) !== 0 && !this.options.noDelay;
    const op = new WriteOp(Irp, this, Buffer.Length, flush, segments);
    if (flush) stream.setNoDelay(true);
    const gathered = this.#gathered;
    if (gathered !== null) {
      gathered.push(op);
      this.#gatheredBytes += Buffer.Length;
      if (this.#gatheredBytes >= GATHER_LIMIT) this.flushGathered();
    } else if (
      Buffer.Length < GATHER_LIMIT && stream.writeWith !== undefined && completionWorkWaiting()
    ) {
      this.#gathered = [op];
      this.#gatheredBytes = Buffer.Length;
      queueWork(flushGathered, this, undefined, undefined);
    } else if (stream.writeWith !== undefined) {
      // The hot path: no promise, no closure per send.
      writeWith(stream, segments, sendWritten, op);
    } else {
      settledStatus(() => stream.write(segments)).then((status) => sendWritten(op, status));
    }
    return STATUS_PENDING;
  }

  /**
   * Hands the gathered sends to the transport as one write, in order. Sends
   * completed meanwhile (an abort, a cancel, the close) are left out: they
   * completed already, and an abort or close also refuses the write.
   */
  flushGathered(): void {
    const gathered = this.#gathered;
    if (gathered === null) return;
    this.#gathered = null;
    const live = gathered.filter((op) => !op.done);
    const stream = this.stream;
    if (live.length === 0 || stream === null || stream.writeWith === undefined) return;
    if (live.length === 1) {
      writeWith(stream, live[0].segments, sendWritten, live[0]);
      return;
    }
    const segments: Uint8Array[] = [];
    for (const op of live) for (const segment of op.segments) segments.push(segment);
    writeWith(stream, segments, gatherWritten, live);
  }

  receiveCall(Buffer: WSK_BUF, Flags: number, Irp: IRP): NTSTATUS {
    if (this.state !== "connected") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    this.startReceiving();
    return this.receive.post(Buffer, Flags, Irp);
  }

  disconnect(Buffer: WSK_BUF | null, Flags: number, Irp: IRP): NTSTATUS {
    if (Flags & ~WSK_FLAG_ABORTIVE) return failIrp(Irp, STATUS_NOT_SUPPORTED);
    const refused = this.#notConnected();
    if (refused !== null) return failIrp(Irp, refused);
    if (Flags & WSK_FLAG_ABORTIVE) {
      if (Buffer) return failIrp(Irp, STATUS_INVALID_PARAMETER);
      this.abortive(STATUS_CONNECTION_ABORTED);
      return succeedIrp(Irp);
    }
    if (this.sendShutdown) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    // The close that follows is graceful only once the peer's FIN was read.
    this.startReceiving();
    // Sends still gathered go first: the final data and the FIN follow them.
    this.flushGathered();
    const segments = Buffer && Buffer.Length > 0 ? wskBufSegments(Buffer) : [];
    this.sendShutdown = true;
    const stream = this.stream!;
    const op = new WriteOp(Irp, this, 0, false, []);
    const finalWrite = segments.length
      ? settledStatus(() => stream.write(segments))
      : Promise.resolve(STATUS_SUCCESS);
    finalWrite
      .then((status) =>
        status === STATUS_SUCCESS ? settledStatus(() => stream.shutdownWrite()) : status
      )
      .then((status) => op.complete(status));
    return STATUS_PENDING;
  }

  /**
   * Abortive disconnect: RST now. Pending sends, a stalled graceful
   * disconnect and pending receives complete with `status` now, in posting
   * order, so that a cancel arriving after the abort finds them done.
   */
  abortive(status: NTSTATUS): void {
    if (this.broken !== STATUS_SUCCESS) return;
    this.broken = status;
    this.stream?.abort();
    // The pending set is in posting order; completing an IRP takes it out.
    for (const op of this.pending) if (op instanceof WriteOp) op.complete(status);
    this.receive.fail(status);
  }

  address(Out: SOCKADDR, which: "local" | "remote", Irp: IRP): NTSTATUS {
    const ep = which === "local"
      ? this.localEndpoint()
      : (this.state === "connected" ? this.stream?.remoteAddress ?? null : null);
    if (!ep || !Out) {
      return failIrp(Irp, ep ? STATUS_INVALID_PARAMETER : STATUS_INVALID_DEVICE_STATE);
    }
    fillSockaddr(Out, ep, this.family);
    return succeedIrp(Irp);
  }

  protected release(): void {
    this.cancelOpen();
    this.stream?.close();
    this.#receive?.close();
  }
}

/** A connect in flight (see {@linkcode ConnectionSocket.open}). */
class Opening {
  /** Ends the transport's attempt: connectTcpWith's handle, or an AbortController. */
  attempt: { abort(): void } | null = null;
  /** Cancelled by IoCancelIrp or WskCloseSocket: the outcome is STATUS_CANCELLED. */
  cancelled = false;

  constructor(
    readonly socket: ConnectionSocket,
    readonly initial: Uint8Array[],
    readonly done: (status: NTSTATUS) => void,
  ) {}
}

/**
 * connectTcpWith's report: the end of a transport callback, so the
 * completion queue runs there (see drainCompletionQueueNow).
 */
function openedWith(opening: Opening, result: Result<TcpStream>): void {
  opening.socket.opened(opening, result);
  drainCompletionQueueNow();
}

/**
 * What the stream delivers to its socket. Each callback ends by running the
 * completion queue: no driver call is on the stack, and the driver re-posts
 * its receive before the socket's next read (see drainCompletionQueueNow).
 */
class SocketReceiver implements TcpReceiver {
  constructor(readonly socket: ConnectionSocket) {}

  data(bytes: Uint8Array): boolean {
    const more = this.socket.receive.data(bytes);
    drainCompletionQueueNow();
    return more;
  }

  end(): void {
    this.socket.peerEnded();
    drainCompletionQueueNow();
  }

  error(status: NTSTATUS): void {
    this.socket.peerFailed(status);
    drainCompletionQueueNow();
  }
}

/**
 * A send or graceful disconnect IRP (the writes an abort completes at once).
 * Bytes already handed to TCP cannot be taken back, so cancelling one aborts
 * the connection: the peer never sees a silently shortened stream.
 * WskCloseSocket cancels it without an abort of its own (the close resets the
 * connection anyway), so that every IRP it cancels completes
 * STATUS_CANCELLED, in posting order.
 */
class WriteOp extends PendingIrp {
  constructor(
    Irp: IRP,
    readonly socket: ConnectionSocket,
    /** Information on success: the bytes sent. */
    readonly sent: number,
    /** WSK_FLAG_NODELAY on a socket without TCP_NODELAY: set it back afterwards. */
    readonly flush: boolean,
    /** The bytes, kept for a gathered send until its write. */
    readonly segments: readonly Uint8Array[],
  ) {
    super(Irp, socket.pending, writeCancelled);
  }
}

/** The one cancel hook of every write (no closure per send). */
function writeCancelled(op: PendingIrp): void {
  const socket = (op as WriteOp).socket;
  if (!socket.closed) socket.abortive(STATUS_CONNECTION_ABORTED);
}

/** The runner of a gathered flush (a completion-queue item: no closure per flush). */
function flushGathered(socket: ConnectionSocket): void {
  socket.flushGathered();
}

/** `stream.writeWith`, a transport that throws failing the write with what it threw. */
function writeWith<C>(
  stream: TcpStream,
  segments: readonly Uint8Array[],
  done: (context: C, status: NTSTATUS) => void,
  context: C,
): void {
  try {
    stream.writeWith!(segments, done, context);
  } catch (error) {
    // A transport that throws breaks its contract: the send fails with what it threw.
    done(context, statusFromError(error));
  }
}

/** Completes one send with the write's status and its own byte count. */
function completeSend(op: WriteOp, status: NTSTATUS): void {
  const socket = op.socket;
  if (op.flush && !socket.closed) socket.stream?.setNoDelay(socket.options.noDelay);
  op.complete(status, status === STATUS_SUCCESS ? op.sent : 0);
}

/** The transport is done with a send: complete it (the end of a transport callback). */
function sendWritten(op: WriteOp, status: NTSTATUS): void {
  completeSend(op, status);
  drainCompletionQueueNow();
}

/** The transport is done with gathered sends: each completes, in order, with the write's status. */
function gatherWritten(ops: readonly WriteOp[], status: NTSTATUS): void {
  for (const op of ops) completeSend(op, status);
  drainCompletionQueueNow();
}

function isWildcard(ep: Endpoint | null): boolean {
  if (!ep) return true;
  return ep.port === 0 && (ep.hostname === "0.0.0.0" || ep.hostname === "::");
}

/**
 * The most bytes of sends gathered into one write: the send backlog WSK
 * advertises (64 KiB sends still pair up; 1 MiB ones go alone).
 */
const GATHER_LIMIT = IDEAL_SEND_BACKLOG;

/** The largest WskConnectEx buffer. */
const CONNECT_EX_LIMIT = 65535;

/**
 * WskConnectEx on a connection or stream socket: a buffer over
 * CONNECT_EX_LIMIT fails before the socket's state is looked at.
 */
export function connectEx(
  socket: Pick<ConnectionSocket, "connect">,
  RemoteAddress: SOCKADDR,
  Buffer: WSK_BUF | null,
  Flags: number,
  Irp: IRP,
): NTSTATUS {
  return Buffer && Buffer.Length > CONNECT_EX_LIMIT
    ? failIrp(Irp, STATUS_BUFFER_OVERFLOW)
    : socket.connect(RemoteAddress, Flags, Irp, Buffer);
}

/** WskSendEx / WskReceiveEx: reserved for system use. The IRP, if any, completes with STATUS_NOT_IMPLEMENTED. */
export function reserved(...args: unknown[]): NTSTATUS {
  const Irp = args.at(-1);
  if (!(Irp instanceof IRP)) return STATUS_NOT_IMPLEMENTED;
  checkIrp(Irp);
  return failIrp(Irp, STATUS_NOT_IMPLEMENTED);
}

/** Connection-oriented functions, shared by the connection and stream tables. */
export const connectionFunctions = {
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskConnect: (Socket, RemoteAddress, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      ConnectionSocket,
      (s, irp) => s.connect(RemoteAddress, Flags, irp, null),
    ),
  WskConnectEx: (Socket, RemoteAddress, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      ConnectionSocket,
      (s, irp) => connectEx(s, RemoteAddress, Buffer, Flags, irp),
    ),
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.address(LocalAddress, "local", irp)),
  WskGetRemoteAddress: (Socket, RemoteAddress, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.address(RemoteAddress, "remote", irp)),
  // A call per send or receive: socketFor, no closure (as WskSendTo and WskReceiveFrom).
  WskSend: (Socket, Buffer, Flags, Irp) => {
    const s = socketFor(Socket, Irp, ConnectionSocket);
    return typeof s === "number" ? s : s.send(Buffer, Flags, Irp!);
  },
  WskReceive: (Socket, Buffer, Flags, Irp) => {
    const s = socketFor(Socket, Irp, ConnectionSocket);
    return typeof s === "number" ? s : s.receiveCall(Buffer, Flags, Irp!);
  },
  WskDisconnect: (Socket, Buffer, Flags, Irp) =>
    socketCall(Socket, Irp, ConnectionSocket, (s, irp) => s.disconnect(Buffer, Flags, irp)),
  WskRelease: (Socket, DataIndication) =>
    Socket instanceof ConnectionSocket
      ? Socket.receive.release(DataIndication)
      : STATUS_INVALID_PARAMETER,
  WskSendEx: reserved,
  WskReceiveEx: reserved,
} satisfies Partial<WSK_PROVIDER_CONNECTION_DISPATCH>;

/** `WSK_PROVIDER_CONNECTION_DISPATCH`: Basic embedded and flattened. */
export const ConnectionDispatch: WSK_PROVIDER_CONNECTION_DISPATCH = guardTable({
  Basic: BasicDispatch,
  ...BasicDispatch,
  ...connectionFunctions,
});
