// Copyright 2026 the wskemu authors. MIT license.
/**
 * The contract between the WSK subsystem and the real sockets underneath it.
 * `wsk/` talks only to these interfaces; `transport/` implements them and never
 * sees an IRP. Every failure is reported as an NTSTATUS, never thrown.
 *
 * @module
 */
import type { NTSTATUS } from "../irp/ntstatus.ts";

/** A transport endpoint: an IP literal (no brackets) and a port in host order. */
export interface Endpoint {
  /** IPv4 or IPv6 literal, e.g. `"127.0.0.1"` or `"::1"` (no brackets, no zone unless scoped). */
  hostname: string;
  /** Port in host byte order, 0–65535. */
  port: number;
  /** Address family of `hostname`: 4 or 6. */
  family: 4 | 6;
}

/** The outcome of an operation that yields a value: a status and, on success, the value. */
export interface Result<T> {
  /** STATUS_SUCCESS, or why the operation failed. */
  status: NTSTATUS;
  /** The value when `status` is STATUS_SUCCESS, else null. */
  value: T | null;
}

/** Receives the events of a TCP stream. Calls arrive one at a time, never re-entrantly. */
export interface TcpReceiver {
  /**
   * Bytes arrived. `bytes` is only valid during the call (the transport reuses
   * its buffer): copy what you keep. Return `false` to pause reading, which
   * applies TCP backpressure to the peer until {@linkcode TcpStream.resume}.
   */
  data(bytes: Uint8Array): boolean;
  /** The peer finished sending (FIN). No more `data` calls follow. */
  end(): void;
  /** The connection failed (reset, aborted, timed out): the mapped NTSTATUS. No more calls follow. */
  error(status: NTSTATUS): void;
}

/** Options for {@linkcode TcpTransport.connect}. */
export interface TcpConnectOptions {
  /** Where to connect. */
  remote: Endpoint;
  /** Local address to bind before connecting; port 0 picks one. Omitted: any. */
  local?: Endpoint;
  /** Abort the attempt: the result is then STATUS_CANCELLED. */
  signal?: AbortSignal;
}

/** Options for {@linkcode TcpTransport.listen}. */
export interface TcpListenOptions {
  /** The local address to listen on (`"::"` or `"0.0.0.0"` for any); port 0 picks one. */
  local: Endpoint;
  /** For `"::"`: accept only IPv6 peers (IPV6_V6ONLY = 1). Default false (dual stack). */
  ipv6Only?: boolean;
  /** Exclusive use (SO_EXCLUSIVEADDRUSE): no other socket may share the port. */
  exclusive?: boolean;
  /**
   * How many accepted connections wait for {@linkcode TcpListener.onConnection}
   * (default 511); more are reset. The kernel's own queue is always the
   * system's maximum (`net.core.somaxconn`), whatever this says.
   */
  backlog?: number;
}

/** A connected TCP stream. */
export interface TcpStream {
  /** The local end. */
  readonly localAddress: Endpoint;
  /** The remote end. */
  readonly remoteAddress: Endpoint;
  /** Start delivering events to `receiver`. Until then, nothing is read (backpressure applies). */
  receive(receiver: TcpReceiver): void;
  /** Stop reading from the socket; the kernel window fills and the peer is slowed. */
  pause(): void;
  /** Resume reading after {@linkcode TcpReceiver.data} returned false or after {@linkcode pause}. */
  resume(): void;
  /**
   * Send `chunks` in order, looping over partial writes, without copying them.
   * Resolves once every byte was handed to the kernel: STATUS_SUCCESS, or the
   * mapped failure. Writes queued back to back keep their order.
   */
  write(chunks: readonly Uint8Array[]): Promise<NTSTATUS>;
  /**
   * Optional: {@linkcode write} reporting through `done(context, status)`,
   * exactly once, instead of a promise (the hot path of every send). `done`
   * may run inside this call, but only when no earlier write is still
   * unsettled, so writes still settle in order. A transport without it is
   * used through `write`.
   */
  writeWith?<C>(
    chunks: readonly Uint8Array[],
    done: (context: C, status: NTSTATUS) => void,
    context: C,
  ): void;
  /** Graceful disconnect: after queued writes, send FIN. Resolves with the status. */
  shutdownWrite(): Promise<NTSTATUS>;
  /** Abortive disconnect: send RST now; pending writes fail. */
  abort(): void;
  /** Release the socket. Graceful if both directions were shut down, else an RST. */
  close(): void;
  /** TCP_NODELAY. */
  setNoDelay(on: boolean): void;
  /** SO_KEEPALIVE. */
  setKeepAlive(on: boolean): void;
  /** Bytes accepted by `write` but not yet handed to the kernel. */
  readonly writeQueueSize: number;
}

/** A listening TCP socket. */
export interface TcpListener {
  /** The bound address (with the real port when port 0 was asked). */
  readonly localAddress: Endpoint;
  /**
   * Deliver each new connection to `accept`. Connections that arrive before
   * this call wait in the backlog. If the listening socket itself fails
   * (not one incoming connection: the listener), `failed` is called once with
   * the mapped status, the port is released and no `accept` call follows.
   * Neither is ever called from inside `onConnection`.
   */
  onConnection(accept: (stream: TcpStream) => void, failed?: (status: NTSTATUS) => void): void;
  /** Stop listening and release the port. */
  close(): void;
}

/** Creates TCP streams and listeners over real sockets. */
export interface TcpTransport {
  /** Connect, optionally from a bound local address. */
  connect(options: TcpConnectOptions): Promise<Result<TcpStream>>;
  /** Bind and listen. In-use addresses give STATUS_ADDRESS_ALREADY_ASSOCIATED. */
  listen(options: TcpListenOptions): Promise<Result<TcpListener>>;
}

/** One received datagram, as handed to a {@linkcode UdpSocket} receiver. */
export interface Datagram {
  /** The payload; only valid during the call. */
  data: Uint8Array;
  /** Where it came from; the receiver may keep it (a transport never reuses it). */
  from: Endpoint;
}

/** Options for {@linkcode UdpTransport.bind}. */
export interface UdpBindOptions {
  /** Local address; port 0 picks one. */
  local: Endpoint;
  /** SO_REUSEADDR. */
  reuseAddress?: boolean;
  /** For `"::"`: IPv6 only. Default false (dual stack). */
  ipv6Only?: boolean;
}

/** A bound UDP socket. */
export interface UdpSocket {
  /** The bound address. */
  readonly localAddress: Endpoint;
  /** Deliver each arriving datagram to `receiver`, one call at a time. */
  receive(receiver: (datagram: Datagram) => void): void;
  /** Send one datagram made of `chunks` to `to`. Resolves with the status. */
  send(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS>;
  /** SO_BROADCAST. */
  setBroadcast(on: boolean): void;
  /** Release the socket. */
  close(): void;
}

/** Creates UDP sockets. */
export interface UdpTransport {
  /** Bind a UDP socket. */
  bind(options: UdpBindOptions): Promise<Result<UdpSocket>>;
}

/** One resolved address, as WskGetAddressInfo reports it. */
export interface ResolvedAddress {
  /** The address and port (the service's port, or 0). */
  endpoint: Endpoint;
  /** The canonical name, when asked for and known. */
  canonicalName?: string;
}

/** What a name lookup is restricted to. */
export interface ResolveHints {
  /** 0 for any, 4 or 6. */
  family: 0 | 4 | 6;
  /** The node is a numeric literal only (AI_NUMERICHOST): no lookup is made. */
  numericHost?: boolean;
  /** The service is a number only (AI_NUMERICSERV). */
  numericService?: boolean;
  /** Return the canonical name (AI_CANONNAME). */
  canonicalName?: boolean;
  /** For a null node: the wildcard address instead of loopback (AI_PASSIVE). */
  passive?: boolean;
  /** "tcp" or "udp", for the service lookup. Default "tcp". */
  protocol?: "tcp" | "udp";
}

/** What a reverse lookup must return. */
export interface NameInfoFlags {
  /** NI_NUMERICHOST: the numeric address, not a name. */
  numericHost?: boolean;
  /** NI_NUMERICSERV: the numeric port, not a service name. */
  numericService?: boolean;
  /** NI_NAMEREQD: fail with STATUS_NOT_FOUND when no name is found. */
  nameRequired?: boolean;
  /** NI_DGRAM: look the service up as UDP. */
  datagram?: boolean;
}

/** Name resolution through the system resolver (so /etc/hosts and localhost work offline). */
export interface NameResolver {
  /**
   * Resolve a node and service (either may be null, not both). An unknown
   * name gives STATUS_NOT_FOUND; an unknown service STATUS_NOT_FOUND too.
   */
  getAddressInfo(
    node: string | null,
    service: string | null,
    hints: ResolveHints,
  ): Promise<Result<ResolvedAddress[]>>;
  /** Reverse lookup of an endpoint to host and service names. */
  getNameInfo(
    endpoint: Endpoint,
    flags: NameInfoFlags,
  ): Promise<Result<{ host: string; service: string }>>;
}

/**
 * Everything the WSK subsystem asks of the network: TCP connects and listens,
 * UDP binds and name resolution. {@linkcode realTransport} is the one over
 * real sockets; a test can pass another (such as the fault-injecting one in
 * `@wskemu/wsk/testing`) to `wskRegisterWithTransport`.
 */
export interface Transport {
  /** TCP connect and listen. */
  readonly tcp: TcpTransport;
  /** UDP bind. */
  readonly udp: UdpTransport;
  /** Name resolution (WskGetAddressInfo, WskGetNameInfo). */
  readonly dns: NameResolver;
}
