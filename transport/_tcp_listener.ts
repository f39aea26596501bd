// Copyright 2026 the wskemu authors. MIT license.
/**
 * {@linkcode TcpListener} over a `node:net` server.
 *
 * Accepted sockets arrive paused (`pauseOnConnect`) and are re-wrapped as
 * `new Socket({ handle, onread })`, so that, like connected ones, they read
 * into a reused buffer: `node:net` offers `onread` only to the Socket
 * constructor, and 'data' events on accepted sockets measured about half the
 * speed.
 *
 * @module
 */
import {
  createServer,
  type OnReadOpts,
  type Server,
  Socket,
  type SocketConstructorOpts,
} from "node:net";
import {
  type NTSTATUS,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
  STATUS_UNEXPECTED_NETWORK_ERROR,
} from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";
import type { Endpoint, Result, TcpListener, TcpListenOptions, TcpStream } from "./types.ts";
import { checkEndpoint, endpointOr } from "./_endpoint.ts";
import { checkNetPermission } from "./_permission.ts";
import { NodeTcpStream } from "./_tcp_stream.ts";
import { systemBacklog } from "./_backlog.ts";

/** How many accepted connections wait for onConnection() when no backlog is given. */
const DEFAULT_HELD = 511;

/** What `new Socket()` accepts besides the documented options (node:net internals). */
interface HandleSocketOptions extends SocketConstructorOpts {
  handle: unknown;
  onread: OnReadOpts;
  /** Keep the handle from reading until resume(). */
  pauseOnCreate: boolean;
}

/**
 * Move an accepted socket's handle into a new Socket that reads through
 * `onread`. The old wrapper is destroyed without its handle, which only
 * updates the server's connection count. Null if the internals are not there.
 */
function rewrap(accepted: Socket, onread: OnReadOpts): Socket | null {
  const internals = accepted as unknown as { _handle?: unknown };
  const handle = internals._handle;
  if (handle === null || typeof handle !== "object") return null;
  internals._handle = null;
  accepted.destroy();
  const options: HandleSocketOptions = { handle, onread, allowHalfOpen: true, pauseOnCreate: true };
  return new Socket(options);
}

/**
 * Whether `hostname` is an IPv4 peer seen through a dual-stack socket.
 *
 * Why: Deno 2.9.6's `node:net` ignores `ipv6Only` (its bind6 drops the
 * IPV6_V6ONLY flag), so a `"::"` listener is always dual stack. IPv6-only is
 * emulated by resetting such peers at accept: they see a connection reset
 * rather than a refusal, and the IPv4 port stays taken.
 */
function isV4Mapped(hostname: string): boolean {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(hostname);
}

/** A listening socket. */
export class NodeTcpListener implements TcpListener {
  readonly #server: Server;
  readonly #local: Endpoint;
  readonly #maxHeld: number;
  /** Reset IPv4 peers (see {@linkcode isV4Mapped}). */
  readonly #ipv6Only: boolean;
  #accept: ((stream: TcpStream) => void) | null = null;
  #failed: ((status: NTSTATUS) => void) | null = null;
  /** Why the listening socket died, once it did; reported when someone listens for it. */
  #failure: NTSTATUS | null = null;
  /** Accepted before onConnection() or while earlier ones wait for delivery. */
  #held: NodeTcpStream[] = [];
  #draining = false;
  #closed = false;

  constructor(server: Server, local: Endpoint, maxHeld: number, ipv6Only: boolean) {
    this.#server = server;
    this.#local = local;
    this.#maxHeld = maxHeld;
    this.#ipv6Only = ipv6Only && local.family === 6;
    server.on("connection", this.#onConnection);
    server.on("error", this.#onError);
    server.on("close", this.#onClose);
  }

  get localAddress(): Endpoint {
    return this.#local;
  }

  onConnection(accept: (stream: TcpStream) => void, failed?: (status: NTSTATUS) => void): void {
    if (this.#closed) return;
    this.#accept = accept;
    this.#failed = failed ?? null;
    this.#scheduleDrain();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#accept = null;
    this.#failed = null;
    this.#server.close();
    const held = this.#held;
    this.#held = [];
    // Never delivered, so never owned by anyone: reset them.
    for (const stream of held) stream.abort();
  }

  #onConnection = (accepted: Socket): void => {
    const stream = new NodeTcpStream();
    const socket = rewrap(accepted, stream.onread) ?? fallback(accepted, stream);
    const remote = endpointOr(socket.remoteAddress, socket.remotePort, this.#local);
    stream.attach(socket, endpointOr(socket.localAddress, socket.localPort, this.#local), remote);
    if (
      this.#closed || this.#held.length >= this.#maxHeld ||
      (this.#ipv6Only && isV4Mapped(remote.hostname))
    ) {
      // Closed, backlog full, or an IPv4 peer on an IPv6-only listener: RST.
      stream.abort();
      return;
    }
    const accept = this.#accept;
    if (accept !== null && this.#held.length === 0) accept(stream);
    else this.#held.push(stream);
  };

  /** Deliver held connections on a later microtask: onConnection() never calls back itself. */
  #scheduleDrain(): void {
    if (this.#draining || (this.#held.length === 0 && this.#failure === null)) return;
    this.#draining = true;
    queueMicrotask(this.#drain);
  }

  #drain = (): void => {
    this.#draining = false;
    while (this.#held.length > 0 && this.#accept !== null) this.#accept(this.#held.shift()!);
    if (this.#failure !== null) this.#reportFailure();
  };

  /**
   * A server error. Failures of one incoming connection (a peer that gave up,
   * a short-lived lack of descriptors or memory) leave the listener working,
   * as they leave a Windows listening socket working; anything else means
   * the listening socket is gone.
   */
  #onError = (error: Error & { code?: string }): void => {
    if (this.#closed || PER_CONNECTION_ERRORS.has(error.code ?? "")) return;
    this.#die(statusFromError(error));
  };

  /** The server closed without close(): the listening socket is gone. */
  #onClose = (): void => {
    if (!this.#closed) this.#die(STATUS_UNEXPECTED_NETWORK_ERROR);
  };

  #die(status: NTSTATUS): void {
    if (this.#failure !== null) return;
    this.#failure = status;
    this.#server.close();
    this.#scheduleDrain();
  }

  /** Tell the owner once, after the connections accepted before the failure. */
  #reportFailure(): void {
    const failed = this.#failed;
    if (failed === null || this.#closed) return;
    const status = this.#failure!;
    this.#closed = true;
    this.#accept = null;
    this.#failed = null;
    for (const stream of this.#held.splice(0)) stream.abort();
    failed(status);
  }
}

/**
 * Accept errors that concern one connection, not the listener: the peer
 * reset or gave up, or descriptors or memory ran short for a moment.
 */
const PER_CONNECTION_ERRORS: ReadonlySet<string> = new Set([
  "ECONNABORTED",
  "ECONNRESET",
  "EPROTO",
  "EPERM",
  "ETIMEDOUT",
  "EAGAIN",
  "EINTR",
  "EMFILE",
  "ENFILE",
  "ENOBUFS",
  "ENOMEM",
]);

/**
 * Last resort if the handle cannot be moved: read 'data' events (slower,
 * allocating) and feed them to the stream's onread callback.
 */
function fallback(accepted: Socket, stream: NodeTcpStream): Socket {
  const callback = stream.onread.callback;
  accepted.on("data", (chunk: Uint8Array) => {
    // As node:net calls it: with the socket as `this`, which names its stream.
    if (callback.call(accepted, chunk.length, chunk) === false) accepted.pause();
  });
  return accepted;
}

function failed(status: NTSTATUS): Result<TcpListener> {
  return { status, value: null };
}

/** Listen as {@linkcode TcpTransport.listen} describes; never throws or rejects. */
export function listenTcp(options: TcpListenOptions): Promise<Result<TcpListener>> {
  const { local, ipv6Only = false, backlog } = options;
  let status = checkEndpoint(local);
  if (backlog !== undefined && (!Number.isInteger(backlog) || backlog < 0)) {
    status = STATUS_INVALID_PARAMETER;
  }
  if (status === STATUS_SUCCESS) status = checkNetPermission(local);
  if (status !== STATUS_SUCCESS) return Promise.resolve(failed(status));
  // SO_EXCLUSIVEADDRUSE (options.exclusive) needs nothing here: Linux never
  // lets a second socket bind a port that has a listener on it.
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  return new Promise((resolve) => {
    const onError = (error: Error): void => {
      // Keep a listener: an 'error' with none attached would be thrown.
      server.on("error", () => {});
      server.close();
      resolve(failed(statusFromError(error)));
    };
    server.once("error", onError);
    try {
      // The kernel queue is always the system's maximum; `backlog` bounds only
      // the connections held here for onConnection().
      const listen = { host: local.hostname, port: local.port, ipv6Only, backlog: systemBacklog() };
      server.listen(listen, () => {
        server.off("error", onError);
        const address = server.address();
        const bound = typeof address === "object" && address !== null
          ? endpointOr(address.address, address.port, local)
          : local;
        const maxHeld = Math.max(1, backlog ?? DEFAULT_HELD);
        resolve({
          status: STATUS_SUCCESS,
          value: new NodeTcpListener(server, bound, maxHeld, ipv6Only),
        });
      });
    } catch (error) {
      server.off("error", onError);
      resolve(failed(statusFromError(error)));
    }
  });
}
