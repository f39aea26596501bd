// Copyright 2026 the wskemu authors. MIT license.
/**
 * {@linkcode TcpTransport.connect} over `node:net`, which (unlike
 * `Deno.connect`) can bind the local address before connecting.
 *
 * @module
 */
import { STATUS_CANCELLED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { NTSTATUS } from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";
import type { Endpoint, Result, TcpConnectOptions, TcpStream } from "./types.ts";
import { checkEndpoint } from "./_endpoint.ts";
import { type ConnectWaiter, NodeTcpStream, socketConnected, StreamSocket } from "./_tcp_stream.ts";

function failed(status: NTSTATUS): Result<TcpStream> {
  return { status, value: null };
}

/**
 * One connect attempt, settled once: by 'connect' or the socket's failure
 * (which the stream's listeners pass on: no listener is added or removed per
 * attempt, and none keeps the attempt alive after it), or by `signal`.
 */
class Connecting implements ConnectWaiter {
  #settled = false;

  constructor(
    readonly stream: NodeTcpStream,
    readonly socket: StreamSocket,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (result: Result<TcpStream>) => void,
  ) {
    socket.on("connect", socketConnected);
    signal?.addEventListener("abort", this.aborted);
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

  aborted = (): void => {
    if (this.#settled) return;
    this.#settle(failed(STATUS_CANCELLED));
    this.socket.destroy();
  };

  #settle(result: Result<TcpStream>): void {
    this.#settled = true;
    this.stream.connectWaiter = null;
    this.signal?.removeEventListener("abort", this.aborted);
    this.resolve(result);
  }
}

/** Connect as {@linkcode TcpTransport.connect} describes; never throws or rejects. */
export function connectTcp(options: TcpConnectOptions): Promise<Result<TcpStream>> {
  const { remote, local, signal } = options;
  let status = checkEndpoint(remote);
  if (status === STATUS_SUCCESS && local !== undefined) status = checkEndpoint(local);
  if (status !== STATUS_SUCCESS) return Promise.resolve(failed(status));
  if (signal?.aborted) return Promise.resolve(failed(STATUS_CANCELLED));

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
    return Promise.resolve(failed(statusFromError(error)));
  }
  // No reading before receive(): the kernel holds early bytes, not us.
  socket.pause();
  return new Promise((resolve) => {
    stream.connectWaiter = new Connecting(stream, socket, local ?? remote, remote, signal, resolve);
  });
}
