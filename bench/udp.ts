// Copyright 2026 the wskemu authors. MIT license.
/**
 * The UDP rows, 64-byte datagrams to and from the peer process: WskSendTo
 * with 1 and 16 IRPs in flight, WskReceiveFrom with one IRP posted, and
 * WskReceiveFromEvent; next to raw `Deno.listenDatagram` and `node:dgram`,
 * the transport's two backends (the bench runs with `--unstable-net`, so WSK
 * uses the first; each row's note says which).
 *
 * Every datagram carries a sequence number; the peer counts, per sender, the
 * ones that arrive out of order. Receives are paced so that nothing needs to
 * be lost: the peer sends a burst, and the receiver acknowledges its last
 * datagram (from a separate raw socket, the same for every side) before the
 * next burst goes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import process from "node:process";
import {
  MmGetSystemAddressForMdlSafe,
  sockaddr,
  STATUS_SUCCESS,
  type WSK_DATAGRAM_INDICATION,
  type WSK_SOCKET,
} from "../mod.ts";
import type { Peer } from "./_peer.ts";
import {
  alternate,
  type Figures,
  type Measured,
  median,
  rowRunner,
  type Side,
  type Sides,
  timed,
} from "./_rounds.ts";
import { udpBackend } from "../transport/udp.ts";
import { buf, close, datagram, datagramSocket, Pump } from "./_wsk.ts";

const HOST = "127.0.0.1";
const SENDS = 10_000;
const RECEIVES = 10_000;
const BURST = 128;
const SIZE = 64;

interface Stats {
  received: number;
  inversions: Record<string, number>;
}

/** Which backend WSK's sockets (IPv4, dual stack) are over, for the notes. */
const BACKEND = `WSK over ${udpBackend()}`;

/**
 * The rounds of `sides`, alternating, after a warm-up round more than other
 * rows get: the WSK path is long enough that its first measured round is still
 * compiling, whatever side ran before it.
 */
async function measured(sides: Sides): Promise<Partial<Record<Side, number>>> {
  for (const round of Object.values(sides)) await round();
  return alternate(sides);
}

/** A median CPU time in µs, for the notes. */
const cpuPer = (samples: number[]) => `${median(samples).toFixed(2)} µs`;

/** Datagrams per second. */
const perSecond = (count: number) => (seconds: number) => count / seconds;

function nodeSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve) => socket.bind(0, HOST, () => resolve(socket)));
}

async function sendRow(peer: Peer, outstanding: number): Promise<Figures> {
  const to: Deno.NetAddr = { transport: "udp", hostname: HOST, port: peer.ports.udp };
  const raw = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  const node = await nodeSocket();
  const wsk = await datagramSocket();
  const remote = sockaddr(HOST, peer.ports.udp)!;
  const slots = (make: (bytes: Uint8Array) => void = () => {}) =>
    Array.from({ length: outstanding }, () => {
      const bytes = new Uint8Array(SIZE);
      make(bytes);
      return bytes;
    });
  const rawBufs = slots(), nodeBufs = slots().map((b) => Buffer.from(b.buffer));
  const wskBytes = slots(), wskBufs = wskBytes.map((bytes) => buf(bytes));
  const seq = { raw: 0, node: 0, wsk: 0 };
  const stamp = (bytes: Uint8Array, side: Side) =>
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, seq[side]++, true);
  await peer.command("udp-stats");
  const figures = await measured({
    raw: () =>
      timed(async () => {
        let left = SENDS;
        const sender = async (bytes: Uint8Array) => {
          while (left-- > 0) {
            stamp(bytes, "raw");
            await raw.send(bytes, to);
          }
        };
        await Promise.all(rawBufs.map(sender));
      }).then(perSecond(SENDS)),
    node: () =>
      timed(() => {
        const { promise, resolve } = Promise.withResolvers<void>();
        let left = SENDS, inFlight = 0;
        const next = (bytes: Buffer): void => {
          if (left === 0) {
            if (inFlight === 0) resolve();
            return;
          }
          left--;
          inFlight++;
          stamp(bytes, "node");
          node.send(bytes, peer.ports.udp, HOST, () => {
            inFlight--;
            next(bytes);
          });
        };
        nodeBufs.forEach(next);
        return promise;
      }).then(perSecond(SENDS)),
    wsk: () =>
      timed(() => {
        let issued = 0;
        return new Pump(
          outstanding,
          (Irp, slot) => {
            issued++;
            stamp(wskBytes[slot], "wsk");
            return datagram(wsk.Socket).WskSendTo(
              wsk.Socket,
              wskBufs[slot],
              0,
              remote,
              0,
              null,
              Irp,
            );
          },
          () => issued < SENDS,
          () => {},
        ).done;
      }).then(perSecond(SENDS)),
  });
  // Let the last datagrams land before asking what arrived out of order.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const stats = await peer.command<Stats>("udp-stats");
  const ports: Record<Side, number> = {
    raw: (raw.addr as Deno.NetAddr).port,
    node: node.address().port,
    wsk: wsk.port,
  };
  const order = (Object.keys(ports) as Side[])
    .map((side) => `${side} ${stats.inversions[ports[side]] ?? 0}`).join(", ");
  raw.close();
  node.close();
  await close(wsk.Socket);
  return {
    unit: "/s",
    figures,
    note: `${BACKEND}; datagrams out of order at the peer: ${order}`,
    orderKept: (stats.inversions[ports.wsk] ?? 0) === 0,
  };
}

/** Counts one receiver's datagrams and acknowledges each burst's last one. */
class Receiver {
  #count = 0;
  #all: (() => void) | null = null;
  #ack: (seq: number) => void;

  constructor(ack: (seq: number) => void) {
    this.#ack = ack;
  }

  /** A datagram with sequence number `seq` arrived. */
  got(seq: number): void {
    this.#count++;
    if (seq % BURST === BURST - 1 || seq === RECEIVES - 1) this.#ack(seq);
    if (this.#count === RECEIVES) this.#all?.();
  }

  /** One round: the peer sends RECEIVES datagrams to `port`; resolves with how many were lost. */
  async round(peer: Peer, port: number): Promise<number> {
    this.#count = 0;
    const all = new Promise<void>((resolve) => this.#all = resolve);
    const sent = peer.command(`udp-source ${port} ${RECEIVES} ${BURST}`);
    await Promise.race([all, sent.then(() => new Promise((r) => setTimeout(r, 100)))]);
    await sent;
    return RECEIVES - this.#count;
  }
}

function seqOf(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset).getUint32(0, true);
}

async function receiveRow(peer: Peer, event: boolean): Promise<Figures> {
  const acker = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  const ackTo: Deno.NetAddr = { transport: "udp", hostname: HOST, port: peer.ports.udp };
  const ack = (seq: number) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, seq, true);
    acker.send(bytes, ackTo).catch(() => {});
  };
  const lost: Record<Side, number> = { raw: 0, node: 0, wsk: 0 };

  const rawReceiver = new Receiver(ack);
  const raw = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  (async () => {
    const into = new Uint8Array(2048);
    for (;;) rawReceiver.got(seqOf((await raw.receive(into))[0]));
  })().catch(() => {});

  const nodeReceiver = new Receiver(ack);
  const node = await nodeSocket();
  node.on("message", (message: Buffer) => nodeReceiver.got(message.readUInt32LE(0)));

  const wskReceiver = new Receiver(ack);
  let stop = () => {};
  let Socket: WSK_SOCKET, port: number;
  if (event) {
    ({ Socket, port } = await datagramSocket({
      WskReceiveFromEvent: (_context, _flags, list: WSK_DATAGRAM_INDICATION | null) => {
        for (let d = list; d !== null; d = d.Next) {
          wskReceiver.got(seqOf(MmGetSystemAddressForMdlSafe(d.Buffer.Mdl!, 0)!, d.Buffer.Offset));
        }
        return STATUS_SUCCESS;
      },
    }));
  } else {
    ({ Socket, port } = await datagramSocket());
    const bytes = new Uint8Array(2048), into = buf(bytes);
    let running = true;
    const pump = new Pump(
      1,
      (Irp) => datagram(Socket).WskReceiveFrom(Socket, into, 0, null, null, null, null, Irp),
      () => running,
      (Irp) => {
        if (Irp.IoStatus.Status === STATUS_SUCCESS) wskReceiver.got(seqOf(bytes));
      },
    );
    stop = () => {
      running = false;
      pump.cancel();
      pump.done.catch(() => {});
    };
  }

  // The peer's pacing (a burst, then a wait for the acknowledgement) is the
  // same for every side and pulls the throughput ratio towards 1, so the CPU
  // this process spends per datagram is reported too: it is what receiving
  // costs, whatever the peer's pace.
  const cpu: Record<Side, number[]> = { raw: [], node: [], wsk: [] };
  const measure = (side: Side, receiver: Receiver, to: number) => async () => {
    const before = process.cpuUsage();
    const rate = await timed(async () => lost[side] += await receiver.round(peer, to))
      .then(perSecond(RECEIVES));
    const used = process.cpuUsage(before);
    cpu[side].push((used.user + used.system) / RECEIVES);
    return rate;
  };
  const figures = await measured({
    raw: measure("raw", rawReceiver, (raw.addr as Deno.NetAddr).port),
    node: measure("node", nodeReceiver, node.address().port),
    wsk: measure("wsk", wskReceiver, port),
  });
  stop();
  await close(Socket);
  raw.close();
  node.close();
  acker.close();
  return {
    unit: "/s",
    figures,
    note:
      `${BACKEND}; datagrams lost (all rounds): raw ${lost.raw}, node ${lost.node}, wsk ${lost.wsk}` +
      `; CPU per datagram (median): raw ${cpuPer(cpu.raw)}, node ${cpuPer(cpu.node)}, wsk ${
        cpuPer(cpu.wsk)
      } (raw ÷ WSK ${(median(cpu.raw) / median(cpu.wsk)).toFixed(2)})`,
    orderKept: lost.wsk === 0,
  };
}

/** Every UDP row whose path matches `only`, in table order, each given to `add` once measured. */
export async function udpRows(
  peer: Peer,
  only: RegExp,
  add: (row: Measured) => void,
): Promise<void> {
  const run = rowRunner(only, add);
  for (const n of [1, 16]) await run(`WskSendTo 64 B, ${n} outstanding`, () => sendRow(peer, n));
  await run("WskReceiveFrom 64 B, 1 posted", () => receiveRow(peer, false));
  await run("WskReceiveFromEvent 64 B", () => receiveRow(peer, true));
}
