// Copyright 2026 the wskemu authors. MIT license.
/**
 * {@linkcode TcpStream} over a `node:net` socket.
 *
 * Reads go through `onread` into one buffer that every stream of the process
 * shares: in Deno 2.9.6 that runs at raw `Deno.Conn` speed, where 'data'
 * events allocate a chunk per read and run at about half. Sharing is safe
 * because a read fills the buffer and calls back at once, one read at a time
 * on the one JS thread, and the receiver must be done with the bytes (copy
 * what it keeps) when `data()` returns; it saves 64 KiB per socket (the bulk
 * of an idle socket's memory) and an allocation per connect. The receiver's
 * return value is passed straight back to `node:net`, which stops reading
 * (`readStop`) on `false`, so nothing is buffered here: the kernel window
 * fills and the peer is slowed.
 *
 * Statuses chosen where WSK documents none (the WSK layer relies on them):
 * - write/shutdownWrite after {@linkcode TcpStream.shutdownWrite}:
 *   STATUS_INVALID_DEVICE_STATE (a local state error; no I/O is attempted).
 * - pending and later writes after {@linkcode TcpStream.abort}:
 *   STATUS_CONNECTION_ABORTED (the connection was aborted here).
 * - pending and later writes after {@linkcode TcpStream.close}:
 *   STATUS_CANCELLED (the handle was closed under the operation, as
 *   WskCloseSocket cancels pending IRPs).
 * - after the socket failed (reset, EPIPE, …): that failure's status, for
 *   the writes in flight too (node:net fails them first with ECANCELED, which
 *   is not taken as the cause).
 *
 * @module
 */
import { type OnReadOpts, Socket, type SocketConstructorOpts } from "node:net";
import {
  type NTSTATUS,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";
import type { Endpoint, TcpReceiver, TcpStream } from "./types.ts";
import { endpointOr } from "./_endpoint.ts";
import { WriteQueue } from "./_write_queue.ts";

/**
 * The size of the shared receive buffer. 64 KiB is what a loopback read hands
 * over at most in practice; 256 KiB measured no faster in the bench, 16 KiB
 * slower.
 */
export const RECEIVE_BUFFER_SIZE = 64 * 1024;

/** The one receive buffer of every stream: see the module doc for why sharing is safe. */
const SHARED_RECEIVE_BUFFER = new Uint8Array(RECEIVE_BUFFER_SIZE);

const EMPTY = new Uint8Array(0);

/**
 * Where a socket names its stream. The socket's callbacks are functions that
 * every stream shares (`node:net` calls them with the socket as `this`), so
 * that a stream costs no closure per callback; and the stream lets go of the
 * name when it releases the socket. That matters for garbage: `node:net`'s
 * native handle keeps its socket alive until a full collection, and with it
 * whatever the socket still reaches.
 */
const STREAM = Symbol("wskemu.tcpStream");

/** A socket that names its stream. */
type Named = { [STREAM]?: NodeTcpStream | null };

/** The stream `socket` belongs to, or null once released (or never attached). */
function streamOf(socket: unknown): NodeTcpStream | null {
  return (socket as Named)[STREAM] ?? null;
}

/**
 * A `node:net` socket for a stream to connect: half-open allowed (a peer's
 * FIN must not end our sending side: WSK can still send after it), reading
 * through the shared `onread`, and telling its stream before it lets go of
 * its handle, so that the stream can still learn its addresses (see
 * {@linkcode NodeTcpStream.connected}).
 */
export class StreamSocket extends Socket {
  /** A socket, not connected yet, for {@linkcode NodeTcpStream.listen}. */
  constructor() {
    super(NodeTcpStream.socketOptions);
  }

  /** The stream reads its addresses while the handle is still there. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    streamOf(this)?.handleClosing();
    super._destroy(error, callback);
  }
}

/** A connect in progress on a stream's socket: told how it ends. */
export interface ConnectWaiter {
  /** The socket connected. */
  connected(): void;
  /** The socket failed (or closed) before it connected. */
  failed(status: NTSTATUS): void;
}

/**
 * The 'connect' listener of a socket a stream connects (shared, as the
 * others are: `this` is the socket): tells the stream's
 * {@linkcode NodeTcpStream.connectWaiter}.
 */
export function socketConnected(this: Socket): void {
  streamOf(this)?.connectWaiter?.connected();
}

/** Where the stream is, from our side. */
const enum Local {
  Open,
  Aborted,
  Closed,
}

/**
 * A TCP stream. Create it first (its {@linkcode NodeTcpStream.onread} must be
 * given to the socket's constructor), then {@linkcode NodeTcpStream.attach}
 * the connected, paused socket; or {@linkcode NodeTcpStream.listen} to the
 * socket before it connects and say {@linkcode NodeTcpStream.connected}.
 */
export class NodeTcpStream implements TcpStream {
  /**
   * The socket's callbacks, shared by every stream (see STREAM): `this` is
   * the socket, which names its stream; a released stream is told nothing.
   */
  static #onRead = function (this: Socket, length: number, buffer: Uint8Array): boolean {
    const stream = streamOf(this);
    // Released (closed meanwhile): stop reading; the bytes are moot.
    return stream !== null && stream.#read(length, buffer);
  };
  static #onEnd = function (this: Socket): void {
    const stream = streamOf(this);
    if (stream !== null) stream.#ended();
  };
  static #onError = function (this: Socket, error: Error): void {
    const stream = streamOf(this);
    if (stream !== null) stream.#failed(error);
  };
  static #onClose = function (this: Socket): void {
    const stream = streamOf(this);
    if (stream !== null) stream.#closed();
  };
  static #onread: OnReadOpts = { buffer: SHARED_RECEIVE_BUFFER, callback: NodeTcpStream.#onRead };

  /** The options of a {@linkcode StreamSocket}. */
  static readonly socketOptions: SocketConstructorOpts = {
    allowHalfOpen: true,
    onread: NodeTcpStream.#onread,
  };

  /** Pass as the `onread` option when the socket is created: the same for every stream. */
  get onread(): OnReadOpts {
    return NodeTcpStream.#onread;
  }

  #socket: Socket | null = null;
  /** The ends, once known; null until first asked for (see attach). */
  #local: Endpoint | null = null;
  #remote: Endpoint | null = null;
  /** What the ends are reported as when the socket cannot tell. */
  #localFallback: Endpoint | null = null;
  #remoteFallback: Endpoint | null = null;
  #state = Local.Open;
  #receiver: TcpReceiver | null = null;
  /** pause() was called and resume() not yet: receive() must not start reading. */
  #paused = false;
  /** Inside receiver.data(), and whether resume() was called meanwhile. */
  #inData = false;
  #resumeAsked = false;
  /** The peer's FIN was read. */
  #peerEnded = false;
  /** end() or error() was delivered (or can no longer be). */
  #finished = false;
  /** The socket failed: the status of later writes and of a late receive(). */
  #failure: NTSTATUS | null = null;
  /** shutdownWrite() was called / our FIN went out. */
  #writeShut = false;
  #writeFinished = false;
  #shutdown: Promise<NTSTATUS> | null = null;
  #shutdownResolve: ((status: NTSTATUS) => void) | null = null;
  /** Completions of pending writes; one shared callback settles them in order. */
  readonly #writes = new WriteQueue();
  /** The connect in progress on the socket, if any: its failures go there. */
  connectWaiter: ConnectWaiter | null = null;

  /** Take over `socket` (connected, not reading), whose ends are `local` and `remote`. */
  attach(socket: Socket, local: Endpoint, remote: Endpoint): void {
    this.listen(socket);
    this.#local = local;
    this.#remote = remote;
  }

  /**
   * Listen to `socket` (created for this stream, not connected yet): one set
   * of listeners serves its connect ({@linkcode connectWaiter}) and the stream.
   */
  listen(socket: Socket): void {
    this.#socket = socket;
    (socket as Named)[STREAM] = this;
    socket.on("end", NodeTcpStream.#onEnd);
    socket.on("error", NodeTcpStream.#onError);
    socket.on("close", NodeTcpStream.#onClose);
  }

  /**
   * The socket given to {@linkcode listen} connected. Its ends are read from
   * it when first asked for, or before its handle goes (a
   * {@linkcode StreamSocket} says when); `local` and `remote` are reported if
   * it cannot tell. getsockname after connect cost a fifth of a connect +
   * close cycle, for addresses most connections never ask for.
   */
  connected(local: Endpoint, remote: Endpoint): void {
    this.#localFallback = local;
    this.#remoteFallback = remote;
  }

  /**
   * The local end. Read before the handle went (see {@linkcode attach}); after
   * {@linkcode close}, the fallback unless someone asked before.
   */
  get localAddress(): Endpoint {
    const socket = this.#socket!;
    return this.#local ??= endpointOr(socket.localAddress, socket.localPort, this.#localFallback!);
  }

  /** The remote end. */
  get remoteAddress(): Endpoint {
    const socket = this.#socket!;
    return this.#remote ??= endpointOr(
      socket.remoteAddress,
      socket.remotePort,
      this.#remoteFallback!,
    );
  }

  /**
   * The socket is about to release its handle: learn the ends now, unless
   * {@linkcode close} released the stream (nobody may ask any more).
   */
  handleClosing(): void {
    // Released, or never connected: nobody may ask.
    if (this.#state === Local.Closed || this.#socket === null) return;
    if (this.#remote === null && this.#remoteFallback === null) return;
    void this.localAddress;
    void this.remoteAddress;
  }

  /** Bytes accepted by write() and not yet handed to the kernel. */
  get writeQueueSize(): number {
    const socket = this.#socket;
    return socket === null || socket.destroyed ? 0 : socket.writableLength;
  }

  /** Start delivering to `receiver`; a second call replaces the receiver. */
  receive(receiver: TcpReceiver): void {
    if (this.#state !== Local.Open || this.#finished) return;
    this.#receiver = receiver;
    if (this.#failure !== null) {
      // The socket failed (say, a write met a reset) before anyone listened:
      // report it, later, so that receive() itself never calls back.
      queueMicrotask(() => this.#deliverFailure());
      return;
    }
    if (!this.#paused) this.#startReading();
  }

  /** Stop reading until resume(). */
  pause(): void {
    this.#paused = true;
    this.#resumeAsked = false;
    const socket = this.#socket;
    if (socket !== null && !socket.destroyed) socket.pause();
  }

  /** Read again after pause() or after data() returned false. */
  resume(): void {
    this.#paused = false;
    if (this.#inData) {
      // data() is running: its `false`, if it returns one, is overruled.
      this.#resumeAsked = true;
      return;
    }
    if (this.#receiver !== null && !this.#finished) this.#startReading();
  }

  /** Queue `chunks` in order; resolves when the last byte reached the kernel. */
  write(chunks: readonly Uint8Array[]): Promise<NTSTATUS> {
    const status = this.#startWrite(chunks);
    if (status === STATUS_PENDING) return this.#writes.wait();
    return status === STATUS_SUCCESS ? this.#writes.succeeded() : Promise.resolve(status);
  }

  /**
   * {@linkcode write} reporting through `done(context, status)`: no promise
   * per write. `done` runs inside this call when every byte went to the
   * kernel at once (no earlier write still waits), else from node:net's
   * callback, in write order.
   */
  writeWith<C>(
    chunks: readonly Uint8Array[],
    done: (context: C, status: NTSTATUS) => void,
    context: C,
  ): void {
    const status = this.#startWrite(chunks);
    if (status === STATUS_PENDING) this.#writes.waitWith(done, context);
    else done(context, status);
  }

  /**
   * Hands `chunks` to node:net behind the earlier writes. Returns the write's
   * final status when it has one now (refused, or every byte already in the
   * kernel), else STATUS_PENDING: the slot last reserved in `#writes` is its.
   */
  #startWrite(chunks: readonly Uint8Array[]): NTSTATUS {
    const refused = this.#writeRefusal();
    if (refused !== STATUS_SUCCESS) return refused;
    let last = -1;
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i];
      // Checked before anything is queued: node:net throws on a non-buffer.
      if (!(chunk instanceof Uint8Array)) return STATUS_INVALID_PARAMETER;
      if (chunk.byteLength > 0) last = i;
    }
    const socket = this.#socket!;
    this.#writes.reserve();
    if (last <= 0) {
      // One chunk, or none: an empty write still takes its turn in the queue,
      // so it cannot complete before the writes ahead of it.
      socket.write(last === 0 ? chunks[0] : EMPTY, this.#onWritten);
    } else {
      // Several chunks: cork so node:net hands them to one writev.
      socket.cork();
      for (let i = 0; i < last; i++) {
        if (chunks[i].byteLength > 0) socket.write(chunks[i]);
      }
      socket.write(chunks[last], this.#onWritten);
      socket.uncork();
    }
    // Nothing left in node:net and nothing older still waiting: every byte is
    // in the kernel already. Say so now rather than a callback later (this
    // halves the cost of small writes).
    if (
      this.#writes.idle && socket.writableLength === 0 && socket.errored === null &&
      !socket.destroyed
    ) {
      return STATUS_SUCCESS;
    }
    return STATUS_PENDING;
  }

  /** FIN after the queued writes; resolves when it was sent. */
  shutdownWrite(): Promise<NTSTATUS> {
    if (this.#shutdown !== null) return this.#shutdown;
    const refused = this.#writeRefusal();
    if (refused !== STATUS_SUCCESS) return Promise.resolve(refused);
    this.#writeShut = true;
    const { promise, resolve } = Promise.withResolvers<NTSTATUS>();
    this.#shutdown = promise;
    this.#shutdownResolve = resolve;
    this.#socket!.end((error?: Error | null) => this.#onShutdown(error));
    return promise;
  }

  /** RST now; pending writes resolve STATUS_CONNECTION_ABORTED; no more receiver calls. */
  abort(): void {
    if (this.#state !== Local.Open) return;
    this.#state = Local.Aborted;
    this.#detach(STATUS_CONNECTION_ABORTED);
    const socket = this.#socket;
    if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
  }

  /**
   * Release the socket. Graceful (plain close) only when our FIN went out and
   * the peer's FIN was read; otherwise, as WskCloseSocket does for a socket
   * not disconnected in both directions, RST. Pending writes resolve
   * STATUS_CANCELLED; no more receiver calls.
   */
  close(): void {
    if (this.#state === Local.Closed) return;
    this.#state = Local.Closed;
    this.#detach(STATUS_CANCELLED);
    const socket = this.#socket;
    if (socket === null) return;
    if (!socket.destroyed) {
      if (this.#writeFinished && this.#peerEnded) socket.destroy();
      else socket.resetAndDestroy();
    }
    // Nothing the socket reports concerns this stream any more.
    (socket as Named)[STREAM] = null;
  }

  /** TCP_NODELAY. */
  setNoDelay(on: boolean): void {
    const socket = this.#socket;
    if (socket !== null && !socket.destroyed) socket.setNoDelay(on);
  }

  /** SO_KEEPALIVE, with the system's timings. */
  setKeepAlive(on: boolean): void {
    const socket = this.#socket;
    if (socket !== null && !socket.destroyed) socket.setKeepAlive(on);
  }

  #startReading(): void {
    const socket = this.#socket;
    if (socket !== null && !socket.destroyed) socket.resume();
  }

  /** STATUS_SUCCESS if a write may be queued now, else the status to give it. */
  #writeRefusal(): NTSTATUS {
    if (this.#state === Local.Aborted) return STATUS_CONNECTION_ABORTED;
    if (this.#state === Local.Closed) return STATUS_CANCELLED;
    if (this.#failure !== null) return this.#failure;
    if (this.#writeShut) return STATUS_INVALID_DEVICE_STATE;
    // Destroyed without a failure: both sides finished and node:net closed it.
    if (this.#socket === null || this.#socket.destroyed) return STATUS_INVALID_DEVICE_STATE;
    return STATUS_SUCCESS;
  }

  /** Stop all receiver calls and settle every pending write and the shutdown with `status`. */
  #detach(status: NTSTATUS): void {
    this.#receiver = null;
    this.#finished = true;
    this.#settleAll(status);
  }

  #settleAll(status: NTSTATUS): void {
    this.#writes.settleAll(status);
    const resolve = this.#shutdownResolve;
    this.#shutdownResolve = null;
    resolve?.(status);
  }

  #read(length: number, buffer: Uint8Array): boolean {
    const receiver = this.#receiver;
    // Nobody to take it (closed meanwhile): stop reading; the bytes are moot.
    if (receiver === null) return false;
    this.#inData = true;
    this.#resumeAsked = false;
    let more: boolean;
    try {
      more = receiver.data(length === buffer.length ? buffer : buffer.subarray(0, length));
    } finally {
      this.#inData = false;
    }
    return more !== false || this.#resumeAsked;
  }

  #onWritten = (error?: Error | null): void => {
    if (!error) {
      this.#writes.complete(STATUS_SUCCESS);
      return;
    }
    const status = statusFromError(error);
    // node:net fails the writes in flight with ECANCELED when the socket is
    // destroyed, before it reports why (ECONNRESET) or closes. That is no
    // cancellation: the writes wait for the real failure, which settles them
    // in #onError or #onClose.
    if (status === STATUS_CANCELLED && this.#state === Local.Open) return;
    this.#failure ??= status;
    this.#settleAll(this.#failure);
  };

  #onShutdown(error?: Error | null): void {
    const resolve = this.#shutdownResolve;
    if (resolve === null) return;
    if (error) {
      const status = statusFromError(error);
      // As for writes: ECANCELED waits for the failure that explains it.
      if (status === STATUS_CANCELLED && this.#state === Local.Open) return;
      this.#shutdownResolve = null;
      this.#failure ??= status;
      resolve(this.#failure);
      return;
    }
    this.#shutdownResolve = null;
    this.#writeFinished = true;
    resolve(STATUS_SUCCESS);
  }

  #ended(): void {
    this.#peerEnded = true;
    const receiver = this.#receiver;
    if (receiver === null || this.#finished) return;
    this.#finished = true;
    this.#receiver = null;
    receiver.end();
  }

  #failed(error: Error): void {
    const waiter = this.connectWaiter;
    if (waiter !== null) {
      // Not connected yet: the failure is the connect's.
      waiter.failed(statusFromError(error));
      return;
    }
    const status = this.#failure ??= statusFromError(error);
    this.#settleAll(status);
    if (this.#receiver !== null && !this.#finished) this.#deliverFailure();
  }

  #closed(): void {
    this.connectWaiter?.failed(STATUS_CONNECTION_ABORTED);
    // Normally node:net closes on its own only after both FINs (end() was
    // delivered by then). Any other close is a connection lost to us.
    if (!this.#finished) this.#failure ??= STATUS_CONNECTION_ABORTED;
    this.#settleAll(this.#failure ?? STATUS_CONNECTION_ABORTED);
    if (this.#receiver !== null) this.#deliverFailure();
  }

  #deliverFailure(): void {
    const receiver = this.#receiver;
    if (receiver === null || this.#finished || this.#failure === null) return;
    this.#finished = true;
    this.#receiver = null;
    receiver.error(this.#failure);
  }
}
