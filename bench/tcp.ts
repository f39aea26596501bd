// Copyright 2026 the wskemu authors. MIT license.
/**
 * The TCP rows: WskSend and WskReceive throughput at each buffer size and
 * number of IRPs in flight, a 64-byte round trip with TCP_NODELAY, and
 * sequential connect + close; each next to raw `Deno.Conn` and `node:net`
 * (our transport), against the peer process (peer.ts).
 *
 * Raw's "N in flight" for sends is N concurrent write loops on one
 * connection; for receives it is always one read loop, as a `Deno.Conn`
 * has no deeper read queue. node:net writes keep N writes in flight; its
 * reads go through `onread` into one buffer of the row's size.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import {
  formatNtStatus,
  IoAllocateIrp,
  IoFreeIrp,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  type IRP,
  SOCK_STREAM,
  sockaddr,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
  WSK_FLAG_WAITALL,
  type WSK_PROVIDER_BASIC_DISPATCH,
  type WSK_SOCKET,
} from "../mod.ts";
import { type Peer, readExactly, writeAll } from "./_peer.ts";
import { alternate, type Figures, type Measured, rowRunner, timed } from "./_rounds.ts";
import { buf, close, connect, connection, mustCall, npi, Pump } from "./_wsk.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Buffer sizes of the throughput rows. */
export const SIZES: readonly number[] = [KiB, 16 * KiB, 64 * KiB, MiB];
/** IRPs in flight in the throughput rows. */
export const OUTSTANDING: readonly number[] = [1, 4, 16];
/**
 * Bytes moved per round, by buffer size: each round takes a fraction of a
 * second. Small writes under Nagle switch between two speeds on this kernel
 * for tens of ms at a time; rounds of 8 MiB at 1 KiB sat in one speed each,
 * so 1 KiB and 16 KiB rounds are long enough to average over several.
 */
const BYTES_PER_ROUND: Record<number, number> = {
  [KiB]: 64 * MiB,
  [16 * KiB]: 128 * MiB,
  [64 * KiB]: 64 * MiB,
  [MiB]: 128 * MiB,
};
const ROUND_TRIPS = 500;
// Each raw and node connection leaves a TIME_WAIT port behind for a minute: a
// whole run stays well inside the 28k ephemeral ports.
const CONNECTS = 300;

/** The 8-byte request the sink and source services expect. */
function header(length: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, length, true);
  return bytes;
}

/** Fills `into` from the peer, which must not close first. */
async function mustRead(conn: Deno.Conn, into: Uint8Array): Promise<void> {
  if (!await readExactly(conn, into)) throw new Error("the peer closed early");
}

async function rawConnect(port: number, noDelay = false): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (noDelay) conn.setNoDelay(true);
  return conn;
}

/** A node:net socket reading through `onread` into one buffer; `expect(n)` resolves once n more bytes came. */
class NodeConn {
  #wanted = 0;
  #reached: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {}

  static open(port: number, readSize: number, noDelay = false): Promise<NodeConn> {
    const { promise, resolve, reject } = Promise.withResolvers<NodeConn>();
    let conn: NodeConn | null = null;
    const socket = net.connect({
      host: "127.0.0.1",
      port,
      noDelay,
      onread: {
        buffer: Buffer.alloc(readSize),
        callback: (n: number) => {
          conn!.#arrived(n);
          return true;
        },
      },
    });
    conn = new NodeConn(socket);
    socket.once("connect", () => resolve(conn));
    socket.once("error", reject);
    return promise;
  }

  #arrived(n: number): void {
    this.#wanted -= n;
    if (this.#wanted <= 0 && this.#reached) {
      const reached = this.#reached;
      this.#reached = null;
      reached();
    }
  }

  expect(bytes: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#wanted += bytes;
    this.#reached = resolve;
    return promise;
  }

  /** Writes `count` chunks keeping `outstanding` writes in flight. */
  writeChunks(chunk: Uint8Array, count: number, outstanding: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    let left = count, inFlight = 0;
    const next = (): void => {
      if (left === 0) {
        if (inFlight === 0) resolve();
        return;
      }
      left--;
      inFlight++;
      this.socket.write(chunk, () => {
        inFlight--;
        next();
      });
    };
    for (let i = 0; i < outstanding; i++) next();
    return promise;
  }
}

/** Bytes per second, as figures are kept. */
const rate = (bytes: number) => (seconds: number) => bytes / seconds;

/** WskSend (or WskReceive) of `bytes`, awaited. */
function wskSendBytes(Socket: WSK_SOCKET, bytes: Uint8Array) {
  return mustCall("WskSend", (Irp) => connection(Socket).WskSend(Socket, buf(bytes), 0, Irp));
}

async function sendRow(
  peer: Peer,
  size: number,
  outstanding: number,
  noDelay = false,
): Promise<Figures> {
  const total = BYTES_PER_ROUND[size], count = total / size;
  const chunk = new Uint8Array(size).fill(1);
  const ack = new Uint8Array(1);
  const raw = await rawConnect(peer.ports.sink, noDelay);
  const node = await NodeConn.open(peer.ports.sink, 64, noDelay);
  const Socket = await connect(peer.ports.sink, noDelay);
  const chunkBuf = buf(chunk), ackBuf = buf(ack);
  const figures = await alternate({
    raw: () =>
      timed(async () => {
        await writeAll(raw, header(total));
        let left = count;
        const writer = async () => {
          while (left-- > 0) await writeAll(raw, chunk);
        };
        await Promise.all(Array.from({ length: outstanding }, writer));
        await mustRead(raw, ack);
      }).then(rate(total)),
    node: () =>
      timed(async () => {
        const acked = node.expect(1);
        node.socket.write(header(total));
        await node.writeChunks(chunk, count, outstanding);
        await acked;
      }).then(rate(total)),
    wsk: () =>
      timed(async () => {
        await wskSendBytes(Socket, header(total));
        let issued = 0;
        await new Pump(
          outstanding,
          (Irp) => (issued++, connection(Socket).WskSend(Socket, chunkBuf, 0, Irp)),
          () => issued < count,
          () => {},
        ).done;
        await mustCall(
          "WskReceive",
          (Irp) => connection(Socket).WskReceive(Socket, ackBuf, 0, Irp),
        );
      }).then(rate(total)),
  });
  raw.close();
  node.socket.destroy();
  await close(Socket);
  return { unit: "B/s", figures };
}

async function receiveRow(peer: Peer, size: number, outstanding: number): Promise<Figures> {
  const total = BYTES_PER_ROUND[size];
  const buffer = new Uint8Array(size);
  const raw = await rawConnect(peer.ports.source);
  const node = await NodeConn.open(peer.ports.source, size);
  const Socket = await connect(peer.ports.source);
  const bufs = Array.from({ length: outstanding }, () => buf(new Uint8Array(size)));
  const figures = await alternate({
    raw: () =>
      timed(async () => {
        await writeAll(raw, header(total));
        for (let left = total; left > 0;) {
          const n = await raw.read(buffer);
          if (n === null) throw new Error("the peer closed early");
          left -= n;
        }
      }).then(rate(total)),
    node: () =>
      timed(async () => {
        const arrived = node.expect(total);
        node.socket.write(header(total));
        await arrived;
      }).then(rate(total)),
    wsk: () =>
      timed(async () => {
        await wskSendBytes(Socket, header(total));
        let received = 0, posted = 0;
        await new Pump(
          outstanding,
          (
            Irp,
            slot,
          ) => (posted += size, connection(Socket).WskReceive(Socket, bufs[slot], 0, Irp)),
          () => received + posted < total,
          (Irp) => {
            posted -= size;
            received += Irp.IoStatus.Information as number;
          },
        ).done;
      }).then(rate(total)),
  });
  raw.close();
  node.socket.destroy();
  await close(Socket);
  return { unit: "B/s", figures };
}

/** `count` WSK round trips: a WAITALL receive posted, then the send; chained from completion routines. */
function wskRoundTrips(Socket: WSK_SOCKET, count: number): Promise<void> {
  const d = connection(Socket);
  const ping = buf(new Uint8Array(64).fill(2)), pong = buf(new Uint8Array(64));
  const receiveIrp = IoAllocateIrp(1, false)!, sendIrp = IoAllocateIrp(1, false)!;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  let left = count;
  // The next round trip starts once both IRPs are back: the echo's receive
  // may complete before the send does (no order holds between the two).
  let waiting = 0;
  const done = () => {
    if (--waiting > 0) return;
    if (--left === 0) resolve();
    else next();
  };
  const sent = (_d: unknown, Irp: IRP) => {
    if (Irp.IoStatus.Status !== STATUS_SUCCESS) reject(new Error("WskSend failed"));
    else done();
    return STATUS_MORE_PROCESSING_REQUIRED;
  };
  const received = (_d: unknown, Irp: IRP) => {
    if (Irp.IoStatus.Status !== STATUS_SUCCESS) reject(new Error("WskReceive failed"));
    else done();
    return STATUS_MORE_PROCESSING_REQUIRED;
  };
  const next = () => {
    waiting = 2;
    IoReuseIrp(receiveIrp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(receiveIrp, received, null, true, true, true);
    d.WskReceive(Socket, pong, WSK_FLAG_WAITALL, receiveIrp);
    IoReuseIrp(sendIrp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(sendIrp, sent, null, true, true, true);
    d.WskSend(Socket, ping, 0, sendIrp);
  };
  next();
  return promise;
}

async function roundTripRow(peer: Peer): Promise<Figures> {
  const ping = new Uint8Array(64).fill(2), pong = new Uint8Array(64);
  const raw = await rawConnect(peer.ports.echo, true);
  const node = await NodeConn.open(peer.ports.echo, 64 * KiB, true);
  const Socket = await connect(peer.ports.echo, true);
  const microseconds = (seconds: number) => seconds * 1e6 / ROUND_TRIPS;
  const figures = await alternate({
    raw: () =>
      timed(async () => {
        for (let i = 0; i < ROUND_TRIPS; i++) {
          await writeAll(raw, ping);
          await mustRead(raw, pong);
        }
      }).then(microseconds),
    node: () =>
      timed(async () => {
        for (let i = 0; i < ROUND_TRIPS; i++) {
          const back = node.expect(64);
          node.socket.write(ping);
          await back;
        }
      }).then(microseconds),
    wsk: () => timed(() => wskRoundTrips(Socket, ROUND_TRIPS)).then(microseconds),
  });
  raw.close();
  node.socket.destroy();
  await close(Socket);
  return { unit: "µs", figures };
}

/**
 * `count` sequential WskSocketConnect + WskCloseSocket to 127.0.0.1:`port`,
 * as a driver runs them: its addresses built once, two IRPs reused, the close
 * issued from the connect's completion routine (WskCloseSocket may run at
 * DISPATCH_LEVEL), and one wait per cycle, for the close, as raw awaits its
 * connect.
 */
async function wskConnects(port: number, count: number): Promise<void> {
  const local = sockaddr("0.0.0.0", 0)!, remote = sockaddr("127.0.0.1", port)!;
  const connectIrp = IoAllocateIrp(1, false)!, closeIrp = IoAllocateIrp(1, false)!;
  let closed: (status: number) => void = () => {};
  const onClosed = (_d: unknown, Irp: IRP) => {
    closed(Irp.IoStatus.Status);
    return STATUS_MORE_PROCESSING_REQUIRED;
  };
  const onConnected = (_d: unknown, Irp: IRP) => {
    const Socket = Irp.IoStatus.Information as WSK_SOCKET;
    if (Irp.IoStatus.Status !== STATUS_SUCCESS) closed(Irp.IoStatus.Status);
    else (Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH).WskCloseSocket(Socket, closeIrp);
    return STATUS_MORE_PROCESSING_REQUIRED;
  };
  for (let i = 0; i < count; i++) {
    const done = new Promise<number>((resolve) => closed = resolve);
    IoReuseIrp(closeIrp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(closeIrp, onClosed, null, true, true, true);
    IoReuseIrp(connectIrp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(connectIrp, onConnected, null, true, true, true);
    npi.Dispatch!.WskSocketConnect(
      npi.Client,
      SOCK_STREAM,
      IPPROTO_TCP,
      local,
      remote,
      0,
      null,
      null,
      null,
      null,
      null,
      connectIrp,
    );
    const status = await done;
    if (status !== STATUS_SUCCESS) throw new Error(`connect + close: ${formatNtStatus(status)}`);
  }
  IoFreeIrp(connectIrp);
  IoFreeIrp(closeIrp);
}

async function connectRow(peer: Peer): Promise<Figures> {
  const port = peer.ports.accept;
  const perSecond = (seconds: number) => CONNECTS / seconds;
  const figures = await alternate({
    raw: () =>
      timed(async () => {
        for (let i = 0; i < CONNECTS; i++) (await rawConnect(port)).close();
      }).then(perSecond),
    node: () =>
      timed(async () => {
        for (let i = 0; i < CONNECTS; i++) {
          const conn = await NodeConn.open(port, 64);
          const closed = new Promise((resolve) => conn.socket.once("close", resolve));
          conn.socket.destroy();
          await closed;
        }
      }).then(perSecond),
    wsk: () => timed(() => wskConnects(port, CONNECTS)).then(perSecond),
  });
  return { unit: "/s", figures };
}

/** "1 KiB", "1 MiB". */
export function label(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : `${size / KiB} KiB`;
}

/** Every TCP row whose path matches `only`, in table order, each given to `add` once measured. */
export async function tcpRows(
  peer: Peer,
  only: RegExp,
  add: (row: Measured) => void,
): Promise<void> {
  const run = rowRunner(only, add);
  const bimodal = "small writes under Nagle run at one of two speeds on this kernel, for tens " +
    "of ms at a time (raw 1 KiB alone: about 0.25 or 0.9 GB/s; 16 KiB is hit too, more rarely), " +
    "so these ratios move between runs; the TCP_NODELAY rows are steady";
  for (const size of SIZES) {
    for (const n of OUTSTANDING) {
      await run(`WskSend ${label(size)}, ${n} outstanding`, async () => {
        const figures = await sendRow(peer, size, n);
        return size <= 16 * KiB ? { ...figures, note: bimodal } : figures;
      });
    }
  }
  // With TCP_NODELAY every write is a segment, and the figure is steady.
  for (const n of [1, 16]) {
    await run(`WskSend 1 KiB, ${n} outstanding, TCP_NODELAY`, () => sendRow(peer, KiB, n, true));
  }
  for (const size of SIZES) {
    for (const n of OUTSTANDING) {
      await run(`WskReceive ${label(size)}, ${n} posted`, () => receiveRow(peer, size, n));
    }
  }
  await run("64 B round trip, TCP_NODELAY", () => roundTripRow(peer));
  await run("connect + close, sequential", () => connectRow(peer));
}
