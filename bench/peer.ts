// Copyright 2026 the wskemu authors. MIT license.
/**
 * The benchmarks' peer, run in its own process so that none of its work shares
 * the measured event loop (a peer in the same process hides our costs: it
 * slows raw reads and never lets reads batch up). Started by `_peer.ts`; it
 * prints one JSON line with its ports, then answers one-line commands on
 * stdin with one JSON line each on stdout.
 *
 * TCP services on 127.0.0.1, one per port, each serving connections one
 * request after another:
 * - `sink`: an 8-byte little-endian length L, then L bytes, answered with a
 *   1-byte acknowledgement once all arrived;
 * - `source`: an 8-byte length L, answered with L bytes in 256 KiB writes;
 * - `echo` (TCP_NODELAY): everything read is written back;
 * - `accept`: reads until the client closes, then closes.
 *
 * One UDP socket: datagrams of more than 4 bytes are counted (their first 4
 * bytes, a little-endian sequence number, must rise per sender: `inversions`
 * counts, per sender port, those that do not); 4-byte datagrams acknowledge a burst of
 * `udp-source`.
 *
 * Commands: `udp-stats` (counts since the last call), `udp-source PORT COUNT
 * BURST` (sends COUNT 64-byte datagrams, BURST at a time, each burst waiting
 * for an acknowledgement or 50 ms), `listen` (a fresh `accept`-like port that
 * keeps its connections open) and `drop PORT` (closes that port and its
 * connections, from this side first).
 *
 * Run by the bench: `deno run --allow-net --unstable-net bench/peer.ts`
 *
 * @module
 */
import { readExactly, readLines, writeAll } from "./_peer.ts";

const HOST = "127.0.0.1";
const KiB = 1024;

/**
 * Every connection of `listener`, until it is closed. A connection reset
 * before it was accepted makes accept() fail on this kernel: skip it.
 */
async function* accepted(listener: Deno.Listener): AsyncGenerator<Deno.TcpConn> {
  for (;;) {
    try {
      yield await listener.accept() as Deno.TcpConn;
    } catch (error) {
      if (error instanceof Deno.errors.BadResource) return;
    }
  }
}

/** Serves every connection of `listener` with `serve`, ignoring resets and closes. */
async function serveAll(listener: Deno.Listener, serve: (conn: Deno.TcpConn) => Promise<void>) {
  for await (const conn of accepted(listener)) {
    serve(conn).catch(() => {}).finally(() => {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    });
  }
}

async function sink(conn: Deno.Conn): Promise<void> {
  const header = new Uint8Array(8);
  const buffer = new Uint8Array(1024 * KiB);
  const ack = new Uint8Array([1]);
  while (await readExactly(conn, header)) {
    let left = new DataView(header.buffer).getFloat64(0, true);
    while (left > 0) {
      const n = await conn.read(buffer);
      if (n === null) return;
      left -= n;
    }
    await writeAll(conn, ack);
  }
}

async function source(conn: Deno.Conn): Promise<void> {
  const header = new Uint8Array(8);
  const block = new Uint8Array(256 * KiB).fill(7);
  while (await readExactly(conn, header)) {
    let left = new DataView(header.buffer).getFloat64(0, true);
    while (left > 0) {
      const n = Math.min(left, block.length);
      await writeAll(conn, block.subarray(0, n));
      left -= n;
    }
  }
}

async function echo(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buffer = new Uint8Array(64 * KiB);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    await writeAll(conn, buffer.subarray(0, n));
  }
}

async function drainUntilClosed(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(KiB);
  while (await conn.read(buffer) !== null);
}

function listen(): Deno.TcpListener {
  return Deno.listen({ hostname: HOST, port: 0 });
}

const services = { sink, source, echo, accept: drainUntilClosed };
const ports: Record<string, number> = {};
for (const [name, serve] of Object.entries(services)) {
  const listener = listen();
  ports[name] = listener.addr.port;
  serveAll(listener, serve);
}

// UDP: a counting sink and a burst source sharing one socket.
const udp = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
ports.udp = (udp.addr as Deno.NetAddr).port;
let received = 0;
const inversions = new Map<number, number>();
const lastSeen = new Map<number, number>();
const waiting: { acknowledged: ((seq: number) => void) | null } = { acknowledged: null };

(async () => {
  const buffer = new Uint8Array(64 * KiB);
  for (;;) {
    const [data, from] = await udp.receive(buffer);
    const seq = new DataView(data.buffer, data.byteOffset).getUint32(0, true);
    if (data.length === 4) {
      waiting.acknowledged?.(seq);
      continue;
    }
    received++;
    const port = (from as Deno.NetAddr).port;
    const last = lastSeen.get(port);
    if (last !== undefined && seq <= last) inversions.set(port, (inversions.get(port) ?? 0) + 1);
    lastSeen.set(port, seq);
  }
})();

/** Sends `count` datagrams to `port`, `burst` at a time; returns how many bursts went unacknowledged. */
async function udpSource(port: number, count: number, burst: number): Promise<number> {
  const to: Deno.NetAddr = { transport: "udp", hostname: HOST, port };
  const datagram = new Uint8Array(64);
  const view = new DataView(datagram.buffer);
  let timeouts = 0;
  for (let seq = 0; seq < count;) {
    const last = Math.min(seq + burst, count) - 1;
    const acked = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 50);
      waiting.acknowledged = (got) => {
        if (got >= last) {
          clearTimeout(timer);
          resolve(true);
        }
      };
    });
    for (; seq <= last; seq++) {
      view.setUint32(0, seq, true);
      await udp.send(datagram, to);
    }
    if (!await acked) timeouts++;
    waiting.acknowledged = null;
  }
  return timeouts;
}

// Memory runs: ports that hold their connections until dropped.
const held = new Map<number, { listener: Deno.Listener; conns: Set<Deno.Conn> }>();

function hold(): number {
  const listener = listen();
  const conns = new Set<Deno.Conn>();
  held.set(listener.addr.port, { listener, conns });
  (async () => {
    for await (const conn of accepted(listener)) conns.add(conn);
  })();
  return listener.addr.port;
}

function drop(port: number): void {
  const entry = held.get(port);
  if (!entry) return;
  held.delete(port);
  entry.listener.close();
  for (const conn of entry.conns) conn.close();
}

async function command(line: string): Promise<unknown> {
  const [name, ...args] = line.trim().split(" ");
  switch (name) {
    case "udp-stats": {
      const stats = { received, inversions: Object.fromEntries(inversions) };
      received = 0;
      inversions.clear();
      return stats;
    }
    case "udp-source":
      return { timeouts: await udpSource(Number(args[0]), Number(args[1]), Number(args[2])) };
    case "listen":
      return { port: hold() };
    case "drop":
      drop(Number(args[0]));
      return {};
    default:
      return { error: `unknown command ${name}` };
  }
}

const encoder = new TextEncoder();
const say = (value: unknown) => Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));
say(ports);
for await (const line of readLines(Deno.stdin.readable)) say(await command(line));
Deno.exit(0);
