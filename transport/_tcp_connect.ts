// Copyright 2026 the wskemu authors. MIT license.
/**
 * {@linkcode TcpTransport.connect} over `node:net`, which (unlike
 * `Deno.connect`) can bind the local address before connecting; and
 * {@linkcode connectTcpWith}, the same without a promise or a signal, which
 * the WSK layer uses when its transport is this one.
 *
 * @module
 */
import { STATUS_CANCELLED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { NTSTATUS } from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";
import type { Endpoint, Result, TcpConnectOptions, TcpStream } from "./types.ts";
import { checkEndpoint } from "./_endpoint.ts";
import { type ConnectWaiter, NodeTcpStream, socketConnected, StreamSocket } from "./_tcp_stream.ts";

/** How a connect started with {@linkcode connectTcpWith} reports: once. */
export type ConnectDone<C> = (context: C, result: Result<TcpStream>) => void;

/** A connect in flight: {@linkcode TcpConnectAttempt.abort} ends it with STATUS_CANCELLED. */
export interface TcpConnectAttempt {
  /** Aborts the attempt unless it ended already; its `done` follows, not inside this call. */
  abort(): void;
}

function failed(status: NTSTATUS): Result<TcpStream> {
  return { status, value: null };
}

/** An attempt that failed before it began: it reports later, as every attempt does. */
function failedLater<C>(done: ConnectDone<C>, context: C, status: NTSTATUS): TcpConnectAttempt {
  queueMicrotask(() => done(context, failed(status)));
  return { abort() {} };
}

/**
 * One connect attempt, settled once: by 'connect' or the socket's failure
 * (which the stream's listeners pass on: no listener is added or removed per
 * attempt, and none keeps the attempt alive after it), or by abort().
 */
class Connecting<C> implements ConnectWaiter, TcpConnectAttempt {
  #settled = false;

  constructor(
    readonly stream: NodeTcpStream,
    readonly socket: StreamSocket,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    readonly done: ConnectDone<C>,
    readonly context: C,
  ) {
    socket.on("connect", socketConnected);
  }

  /** The handshake completed: the stream takes over, reading nothing until receive(). */
  connected(): void {
    if (this.#settled) return;
    // The addresses are read when first asked for: most connections never ask.
    this.stream.connected(this.local, this.remote);
    this.#settle({ status: STATUS_SUCCESS, value: this.stream });
  }

  failed(status: NTSTATUS): void {
    if (!this.#settled) this.#settle(failed(status));
  }

  abort(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.stream.connectWaiter = null;
    this.socket.destroy();
    // Not inside abort(): its caller may be in the middle of a cancel.
    queueMicrotask(() => this.done(this.context, failed(STATUS_CANCELLED)));
  }

  #settle(result: Result<TcpStream>): void {
    this.#settled = true;
    this.stream.connectWaiter = null;
    this.done(this.context, result);
  }
}

/**
 * Connects as {@linkcode TcpTransport.connect} does (`options.signal` aside),
 * reporting through `done(context, result)`, once and never inside this
 * call; the attempt returned aborts it. No promise and no signal listener: a
 * caller that makes many connects (a WSK driver) pays for neither.
 */
export function connectTcpWith<C>(
  options: TcpConnectOptions,
  done: ConnectDone<C>,
  context: C,
): TcpConnectAttempt {
  const { remote, local } = options;
  let status = checkEndpoint(remote);
  if (status === STATUS_SUCCESS && local !== undefined) status = checkEndpoint(local);
  if (status !== STATUS_SUCCESS) return failedLater(done, context, status);

  const stream = new NodeTcpStream();
  const socket = new StreamSocket();
  // Its listeners first: from here on every 'error' has one.
  stream.listen(socket);
  try {
    socket.connect({
      host: remote.hostname,
      port: remote.port,
      localAddress: local?.hostname,
      localPort: local?.port,
    });
  } catch (error) {
    // A permission denial or a bad argument may be thrown here rather than emitted.
    socket.destroy();
    return failedLater(done, context, statusFromError(error));
  }
  // No reading before receive(): the kernel holds early bytes, not us.
  socket.pause();
  const attempt = new Connecting(stream, socket, local ?? remote, remote, done, context);
  stream.connectWaiter = attempt;
  return attempt;
}

/** A promise's resolve as a {@linkcode ConnectDone}. */
function resolveWith(resolve: (result: Result<TcpStream>) => void, result: Result<TcpStream>) {
  resolve(result);
}

/** Connect as {@linkcode TcpTransport.connect} describes; never throws or rejects. */
export function connectTcp(options: TcpConnectOptions): Promise<Result<TcpStream>> {
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve(failed(STATUS_CANCELLED));
  return new Promise((resolve) => {
    if (signal === undefined) {
      connectTcpWith(options, resolveWith, resolve);
      return;
    }
    const onAbort = () => attempt.abort();
    const attempt = connectTcpWith(options, (_: null, result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    }, null);
    signal.addEventListener("abort", onAbort);
  });
}
