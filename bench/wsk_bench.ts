// Copyright 2026 the wskemu authors. MIT license.
/**
 * WSK calls next to raw `Deno.Conn`, on loopback, in one process: WskSend and
 * WskReceive throughput with 1 KiB and 64 KiB buffers (one request in flight,
 * as raw awaits each read or write), and a 64-byte round trip with
 * TCP_NODELAY on both ends. The peer is always a raw `Deno.Conn`; raw is the
 * baseline of each group, so `deno bench` prints wskemu's ratio to it.
 *
 * Run: `deno task bench` (or `deno bench --allow-all bench/wsk_bench.ts`)
 *
 * @module
 */
import {
  AF_INET,
  IoAllocateIrp,
  IoAllocateMdl,
  IoFreeIrp,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  type IRP,
  MAKE_WSK_VERSION,
  MmBuildMdlForNonPagedPool,
  type NTSTATUS,
  SOCK_STREAM,
  sockaddr,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
  TCP_NODELAY,
  type WSK_BUF,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  type WSK_SOCKET,
  WskCaptureProviderNPI,
  WskRegister,
  WskSetOption,
} from "../mod.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const BULK = 32 * MiB;
const ROUND_TRIPS = 2000;

/** One reusable IRP whose completion resolves a promise: the driver pattern, without allocations per call. */
class Caller {
  readonly Irp: IRP = IoAllocateIrp(1, false)!;
  #resolve: (status: { Status: NTSTATUS; Information: number }) => void = () => {};

  call(issue: (Irp: IRP) => NTSTATUS): Promise<{ Status: NTSTATUS; Information: number }> {
    IoReuseIrp(this.Irp, STATUS_UNSUCCESSFUL);
    const { promise, resolve } = Promise.withResolvers<{ Status: NTSTATUS; Information: number }>();
    this.#resolve = resolve;
    IoSetCompletionRoutine(
      this.Irp,
      (_d, Irp) => {
        this.#resolve({
          Status: Irp.IoStatus.Status,
          Information: Irp.IoStatus.Information as number,
        });
        return STATUS_MORE_PROCESSING_REQUIRED;
      },
      null,
      true,
      true,
      true,
    );
    issue(this.Irp);
    return promise;
  }
}

function buf(bytes: Uint8Array): WSK_BUF {
  const Mdl = IoAllocateMdl(bytes, bytes.length, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  return { Mdl, Offset: 0, Length: bytes.length };
}

const registration = new WSK_REGISTRATION();
const npi = new WSK_PROVIDER_NPI();
WskRegister({
  ClientContext: null,
  Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null },
}, registration);
WskCaptureProviderNPI(registration, WSK_INFINITE_WAIT, npi);

/** A WSK connection socket connected to a raw Deno peer, both with TCP_NODELAY. */
async function wskPair(): Promise<[WSK_SOCKET, Deno.TcpConn, Caller]> {
  const c = new Caller();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await c.call((Irp) =>
    npi.Dispatch!.WskSocket(
      npi.Client,
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
    )
  );
  const Socket = c.Irp.IoStatus.Information as unknown as WSK_SOCKET;
  const d = Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;
  await c.call((Irp) =>
    d.WskControlSocket(
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
    )
  );
  await c.call((Irp) => d.WskBind(Socket, sockaddr("0.0.0.0", 0)!, 0, Irp));
  const [, peer] = await Promise.all([
    c.call((Irp) => d.WskConnect(Socket, sockaddr("127.0.0.1", listener.addr.port)!, 0, Irp)),
    listener.accept(),
  ]);
  listener.close();
  peer.setNoDelay(true);
  return [Socket, peer, c];
}

async function rawPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [a, b] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  listener.close();
  a.setNoDelay(true);
  b.setNoDelay(true);
  return [a, b];
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

async function readFor(conn: Deno.Conn, total: number, size: number): Promise<void> {
  const b = new Uint8Array(size);
  let got = 0;
  while (got < total) got += (await conn.read(b))!;
}

const [rawA, rawB] = await rawPair();
const [socket, peer, caller] = await wskPair();
const dispatch = socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;

for (const size of [64 * KiB, 1 * KiB]) {
  const label = `${size / KiB} KiB`;
  const chunk = new Uint8Array(size);
  const sendBuf = buf(chunk);
  const recvBuf = buf(new Uint8Array(size));

  Deno.bench({
    name: `raw write ${label}`,
    group: `send ${label}`,
    baseline: true,
    n: 5,
    warmup: 1,
  }, async () => {
    const sink = readFor(rawB, BULK, 64 * KiB);
    for (let at = 0; at < BULK; at += size) await writeAll(rawA, chunk);
    await sink;
  });
  Deno.bench({ name: `WskSend ${label}`, group: `send ${label}`, n: 5, warmup: 1 }, async () => {
    const sink = readFor(peer, BULK, 64 * KiB);
    for (let at = 0; at < BULK; at += size) {
      const c = await caller.call((Irp) => dispatch.WskSend(socket, sendBuf, 0, Irp));
      if (c.Status !== STATUS_SUCCESS) throw new Error("send failed");
    }
    await sink;
  });
  Deno.bench({
    name: `raw read ${label}`,
    group: `receive ${label}`,
    baseline: true,
    n: 5,
    warmup: 1,
  }, async () => {
    const source = (async () => {
      for (let at = 0; at < BULK; at += 64 * KiB) await writeAll(rawA, new Uint8Array(64 * KiB));
    })();
    await readFor(rawB, BULK, size);
    await source;
  });
  Deno.bench(
    { name: `WskReceive ${label}`, group: `receive ${label}`, n: 5, warmup: 1 },
    async () => {
      const block = new Uint8Array(64 * KiB);
      const source = (async () => {
        for (let at = 0; at < BULK; at += 64 * KiB) await writeAll(peer, block);
      })();
      let got = 0;
      while (got < BULK) {
        got += (await caller.call((Irp) =>
          dispatch.WskReceive(socket, recvBuf, 0, Irp)
        )).Information;
      }
      await source;
    },
  );
}

const ping = new Uint8Array(64);
const pingBuf = buf(ping), pongBuf = buf(new Uint8Array(64));
const echo = async (conn: Deno.Conn, rounds: number) => {
  const b = new Uint8Array(64);
  for (let i = 0; i < rounds; i++) {
    let got = 0;
    while (got < 64) got += (await conn.read(b.subarray(got)))!;
    await writeAll(conn, b);
  }
};
Deno.bench(
  { name: "raw 64 B round trip", group: "round trip", baseline: true, n: 5, warmup: 1 },
  async () => {
    const echoing = echo(rawB, ROUND_TRIPS);
    const b = new Uint8Array(64);
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await writeAll(rawA, ping);
      let got = 0;
      while (got < 64) got += (await rawA.read(b.subarray(got)))!;
    }
    await echoing;
  },
);
Deno.bench(
  { name: "WskSend+WskReceive 64 B round trip", group: "round trip", n: 5, warmup: 1 },
  async () => {
    const echoing = echo(peer, ROUND_TRIPS);
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await caller.call((Irp) => dispatch.WskSend(socket, pingBuf, 0, Irp));
      await caller.call((Irp) =>
        dispatch.WskReceive(socket, pongBuf, 2, /* WSK_FLAG_WAITALL */ Irp)
      );
    }
    await echoing;
  },
);

// The process exits when the benchmarks are done; the sockets go with it.
globalThis.addEventListener("unload", () => IoFreeIrp(caller.Irp));
