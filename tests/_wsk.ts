// Copyright 2026 the wskemu authors. MIT license.
// Test helpers: a registered client, one-shot IRP calls that can be awaited,
// MDL-backed buffers and connected sockets.
import {
  AF_INET,
  AF_INET6,
  IoAllocateIrp,
  IoAllocateMdl,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IRP,
  MAKE_WSK_VERSION,
  MmBuildMdlForNonPagedPool,
  NPI_WSK_INTERFACE_ID,
  type NTSTATUS,
  SO_WSK_EVENT_CALLBACK,
  SOCK_DGRAM,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr,
  sockaddrToString,
  SOL_SOCKET,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  type WSK_BUF,
  type WSK_CLIENT_LISTEN_DISPATCH,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_BASIC_DISPATCH,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_PROVIDER_LISTEN_DISPATCH,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  type WSK_SOCKET,
  WskCaptureProviderNPI,
  WskDeregister,
  WskRegister,
  wskRegisterWithTransport,
  WskReleaseProviderNPI,
  WskSetOption,
} from "../mod.ts";
import type { Transport } from "../transport/types.ts";
import assert from "node:assert/strict";

/** What a completed IRP reported. */
export interface Completion {
  /** What the WSK call returned. */
  returned: NTSTATUS;
  /** Irp.IoStatus.Status at completion. */
  Status: NTSTATUS;
  /** Irp.IoStatus.Information at completion. */
  Information: unknown;
}

/** An IRP in flight and a promise of its completion. */
export interface Call {
  /** The IRP (already freed once `done` settles, unless `keep` was set). */
  Irp: IRP;
  /** What the WSK call returned. */
  returned: NTSTATUS;
  /** Settles when the completion routine ran. */
  done: Promise<Completion>;
}

/** Starts a WSK call with a fresh IRP; `done` settles when its completion routine runs. */
export function start(issue: (Irp: IRP) => NTSTATUS): Call {
  const Irp = IoAllocateIrp(1, false)!;
  let resolve!: (c: Completion) => void;
  const done = new Promise<Completion>((r) => resolve = r);
  let returned = 0;
  IoSetCompletionRoutine(
    Irp,
    (_d, CompletedIrp) => {
      resolve({
        returned,
        Status: CompletedIrp.IoStatus.Status,
        Information: CompletedIrp.IoStatus.Information,
      });
      IoFreeIrp(CompletedIrp);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  returned = issue(Irp);
  return { Irp, returned, done };
}

/** Issues a WSK call and waits for its completion. */
export function call(issue: (Irp: IRP) => NTSTATUS): Promise<Completion> {
  return start(issue).done;
}

/** A WSK_BUF over `bytes` (one locked MDL). */
export function wskBuf(bytes: Uint8Array, Offset = 0, Length = bytes.length - Offset): WSK_BUF {
  const Mdl = IoAllocateMdl(bytes, bytes.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  return { Mdl, Offset, Length };
}

/** A registered client with a captured NPI; `close()` releases and deregisters. */
export class TestClient {
  readonly registration = new WSK_REGISTRATION();
  readonly npi = new WSK_PROVIDER_NPI();

  /** Registers over `transport`, or over the real network when none is given. */
  constructor(transport?: Transport) {
    const Dispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
    const npi = { ClientContext: null, Dispatch };
    const registered = transport
      ? wskRegisterWithTransport(npi, this.registration, transport)
      : WskRegister(npi, this.registration);
    assert.equal(registered, STATUS_SUCCESS);
    assert.equal(
      WskCaptureProviderNPI(this.registration, WSK_INFINITE_WAIT, this.npi),
      STATUS_SUCCESS,
    );
  }

  /** WskSocket, expecting success. */
  async socket(
    family = AF_INET,
    flags = WSK_FLAG_CONNECTION_SOCKET,
    type = SOCK_STREAM,
    protocol = IPPROTO_TCP,
    context: unknown = null,
    dispatch: unknown = null,
  ): Promise<WSK_SOCKET> {
    const c = await call((Irp) =>
      this.npi.Dispatch!.WskSocket(
        this.npi.Client,
        family,
        type,
        protocol,
        flags,
        context,
        dispatch,
        null,
        null,
        null,
        Irp,
      )
    );
    assert.equal(c.Status, STATUS_SUCCESS);
    return c.Information as WSK_SOCKET;
  }

  /** WskControlClient(WSK_SET_STATIC_EVENT_CALLBACKS) for `EventMask`; returns its status. */
  setStaticEvents(EventMask: number): NTSTATUS {
    const control = { NpiId: NPI_WSK_INTERFACE_ID, EventMask };
    return this.npi.Dispatch!.WskControlClient(
      this.npi.Client,
      WSK_SET_STATIC_EVENT_CALLBACKS,
      8,
      control,
      0,
      null,
      null,
      null,
    );
  }

  /** WskSocket for a TCP connection socket on `Irp` as given (even null), returning what it returns. */
  connectionSocketCall(Irp: IRP | null, Client: unknown = this.npi.Client): NTSTATUS {
    return this.npi.Dispatch!.WskSocket(
      Client as never,
      AF_INET,
      SOCK_STREAM,
      IPPROTO_TCP,
      WSK_FLAG_CONNECTION_SOCKET,
      null,
      null,
      null,
      null,
      null,
      Irp,
    );
  }

  /** A connection socket bound to the wildcard address and connected to host:port. */
  async connected(
    host: string,
    port: number,
    context: unknown = null,
    dispatch: unknown = null,
  ): Promise<WSK_SOCKET> {
    const family = host.includes(":") ? AF_INET6 : AF_INET;
    const Socket = await this.socket(
      family,
      WSK_FLAG_CONNECTION_SOCKET,
      SOCK_STREAM,
      IPPROTO_TCP,
      context,
      dispatch,
    );
    const d = connDispatch(Socket);
    const any = sockaddr(family === AF_INET ? "0.0.0.0" : "::", 0)!;
    assert.equal((await call((Irp) => d.WskBind(Socket, any, 0, Irp))).Status, STATUS_SUCCESS);
    const c = await call((Irp) => d.WskConnect(Socket, sockaddr(host, port)!, 0, Irp));
    assert.equal(c.Status, STATUS_SUCCESS);
    return Socket;
  }

  /** A UDP datagram socket bound to 127.0.0.1:0, expecting success. */
  async boundDatagram(): Promise<WSK_SOCKET> {
    const Socket = await this.socket(AF_INET, WSK_FLAG_DATAGRAM_SOCKET, SOCK_DGRAM, IPPROTO_UDP);
    const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
    assert.equal(
      (await call((Irp) => d.WskBind(Socket, addr("127.0.0.1", 0), 0, Irp))).Status,
      STATUS_SUCCESS,
    );
    return Socket;
  }

  /** WskCloseSocket, expecting success. */
  async closeSocket(Socket: WSK_SOCKET): Promise<void> {
    const c = await call((Irp) =>
      (Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH).WskCloseSocket(Socket, Irp)
    );
    assert.equal(c.Status, STATUS_SUCCESS);
  }

  /** Releases the NPI and deregisters (waits for every socket to be closed). */
  async close(): Promise<void> {
    WskReleaseProviderNPI(this.registration);
    await WskDeregister(this.registration);
  }
}

/** The connection dispatch table of a socket. */
export function connDispatch(Socket: WSK_SOCKET): WSK_PROVIDER_CONNECTION_DISPATCH {
  return Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;
}

/** A loopback listener and its port. */
export function listen(hostname = "127.0.0.1"): Deno.TcpListener {
  return Deno.listen({ hostname, port: 0 });
}

/** Reads exactly `n` bytes from a Deno connection. */
export async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const got = await conn.read(out.subarray(at));
    if (got === null) throw new Error(`EOF after ${at} of ${n} bytes`);
    at += got;
  }
  return out;
}

/** Reads until EOF. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  return concatBytes(chunks);
}

/** `parts` one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes all of `bytes`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/** The SHA-256 of `bytes` as hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Deterministic pseudo-random bytes, fast enough for tens of MiB (xorshift32 words). */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, n);
}

/** Resolves a SOCKADDR for host:port or fails the test. */
export function addr(host: string, port: number): SOCKADDR {
  const a = sockaddr(host, port);
  assert.ok(a, `${host} is an IP literal`);
  return a;
}

/** A listening socket bound to host:0 (with options set before bind); returns it and its port. */
export async function listening(
  client: TestClient,
  host = "127.0.0.1",
  options: [level: number, code: number, value: number][] = [],
  context: unknown = null,
  dispatch: WSK_CLIENT_LISTEN_DISPATCH | null = null,
): Promise<{ Socket: WSK_SOCKET; d: WSK_PROVIDER_LISTEN_DISPATCH; port: number }> {
  const family = host.includes(":") ? AF_INET6 : AF_INET;
  const Socket = await client.socket(
    family,
    WSK_FLAG_LISTEN_SOCKET,
    SOCK_STREAM,
    IPPROTO_TCP,
    context,
    dispatch,
  );
  const d = Socket.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH;
  for (const [level, code, value] of options) {
    const set = await call((Irp) =>
      d.WskControlSocket(Socket, WskSetOption, code, level, 4, { value }, 0, null, null, Irp)
    );
    assert.equal(set.Status, STATUS_SUCCESS);
  }
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, addr(host, 0), 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const local: SOCKADDR = {};
  assert.equal(
    (await call((Irp) => d.WskGetLocalAddress(Socket, local, Irp))).Status,
    STATUS_SUCCESS,
  );
  const port = Number(sockaddrToString(local).split(":").at(-1));
  return { Socket, d, port };
}

/** A WSK socket of `client` connected to a Deno peer on `host`; the listener is closed once it accepted. */
export async function connectedToDeno(
  client: TestClient,
  host = "127.0.0.1",
  context: unknown = null,
  dispatch: unknown = null,
): Promise<{ Socket: WSK_SOCKET; peer: Deno.TcpConn }> {
  const listener = listen(host);
  try {
    const [Socket, peer] = await Promise.all([
      client.connected(host, listener.addr.port, context, dispatch),
      listener.accept(),
    ]);
    return { Socket, peer };
  } finally {
    listener.close();
  }
}

/** What {@linkcode withConnection} hands a test. */
export interface ConnectionFixture {
  /** The registered client. */
  client: TestClient;
  /** The connected WSK socket. */
  Socket: WSK_SOCKET;
  /** Its connection dispatch table. */
  d: WSK_PROVIDER_CONNECTION_DISPATCH;
  /** The Deno peer it is connected to. */
  peer: Deno.TcpConn;
}

/**
 * Runs `body` with a WSK socket connected to a Deno peer on `host`, then closes
 * whatever the test left open (peer, socket, client).
 */
export async function withConnection(
  body: (fixture: ConnectionFixture) => Promise<void>,
  host = "127.0.0.1",
): Promise<void> {
  const client = new TestClient();
  try {
    const { Socket, peer } = await connectedToDeno(client, host);
    try {
      await body({ client, Socket, d: connDispatch(Socket), peer });
    } finally {
      try {
        peer.close();
      } catch { /* the test closed it */ }
      // Closing again is harmless: a closed socket just reports STATUS_FILE_FORCED_CLOSED.
      await call((Irp) => connDispatch(Socket).WskCloseSocket(Socket, Irp));
    }
  } finally {
    await client.close();
  }
}

/**
 * SO_WSK_EVENT_CALLBACK with `EventMask`; returns the status. Enabling takes no
 * IRP; disabling (WSK_EVENT_DISABLE in the mask) may pass one.
 */
export function enableEvents(
  Socket: WSK_SOCKET,
  EventMask: number,
  Irp: IRP | null = null,
): number {
  return (Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH).WskControlSocket(
    Socket,
    WskSetOption,
    SO_WSK_EVENT_CALLBACK,
    SOL_SOCKET,
    8,
    { NpiId: NPI_WSK_INTERFACE_ID, EventMask },
    0,
    null,
    null,
    Irp,
  );
}
