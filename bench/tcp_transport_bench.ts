// Copyright 2026 the wskemu authors. MIT license.
/**
 * The TCP transport against raw `Deno.Conn`, on loopback, in one process:
 * one-way bulk with 64 KiB and 1 KiB writes, and a 64-byte round trip with
 * TCP_NODELAY on both ends. Raw is the baseline of each group. Both sides
 * await each write before the next, as a WSK client with one send in flight.
 *
 * Run: `deno bench --allow-all bench/tcp_transport_bench.ts`
 *
 * @module
 */
import { endpoint, tcpTransport } from "../transport/tcp.ts";
import type { TcpReceiver, TcpStream } from "../transport/types.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** A connected raw pair. */
async function rawPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [a, b] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  listener.close();
  return [a, b];
}

/** A connected transport pair. */
async function transportPair(): Promise<[TcpStream, TcpStream]> {
  const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const listener = listening.value!;
  const accepted = Promise.withResolvers<TcpStream>();
  listener.onConnection(accepted.resolve);
  const connected = await tcpTransport.connect({ remote: listener.localAddress });
  const server = await accepted.promise;
  listener.close();
  return [connected.value!, server];
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Reads until `total` bytes arrived, into one reused buffer. */
async function rawSink(conn: Deno.Conn, total: number, buffer: Uint8Array): Promise<void> {
  let received = 0;
  while (received < total) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("unexpected EOF");
    received += n;
  }
}

/** A receiver that counts bytes and signals when a target is reached. */
class Sink implements TcpReceiver {
  #received = 0;
  #target = 0;
  #reached: (() => void) | null = null;

  /** Resolves once `bytes` more bytes have arrived. */
  expect(bytes: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#target += bytes;
    this.#reached = resolve;
    if (this.#received >= this.#target) resolve();
    return promise;
  }

  data(bytes: Uint8Array): boolean {
    this.#received += bytes.length;
    if (this.#received >= this.#target && this.#reached !== null) {
      const reached = this.#reached;
      this.#reached = null;
      reached();
    }
    return true;
  }

  end(): void {}

  error(status: number): void {
    throw new Error(`receive failed: 0x${status.toString(16)}`);
  }
}

function bulk(chunkSize: number, total: number): void {
  const group = `bulk ${chunkSize / KiB} KiB writes, ${total / MiB} MiB one way`;
  const chunk = new Uint8Array(chunkSize).fill(7);
  const count = total / chunkSize;

  const raw = rawPair();
  const readBuffer = new Uint8Array(64 * KiB);
  Deno.bench({ name: "raw Deno.Conn", group, baseline: true, n: 10, warmup: 2 }, async () => {
    const [from, to] = await raw;
    const sinking = rawSink(to, total, readBuffer);
    for (let i = 0; i < count; i++) await writeAll(from, chunk);
    await sinking;
  });

  const streams = transportPair().then(([from, to]) => {
    const sink = new Sink();
    to.receive(sink);
    return { from, sink };
  });
  const chunks = [chunk];
  Deno.bench({ name: "tcpTransport", group, n: 10, warmup: 2 }, async () => {
    const { from, sink } = await streams;
    const sinking = sink.expect(total);
    for (let i = 0; i < count; i++) await from.write(chunks);
    await sinking;
  });
}

function roundTrip(size: number): void {
  const group = `${size} B round trip, TCP_NODELAY`;
  const message = new Uint8Array(size).fill(1);

  const raw = rawPair().then(([client, server]) => {
    client.setNoDelay(true);
    server.setNoDelay(true);
    const buffer = new Uint8Array(64 * KiB);
    // Echo: whatever arrives goes back.
    (async () => {
      try {
        while (true) {
          const n = await server.read(buffer);
          if (n === null) break;
          await writeAll(server, buffer.subarray(0, n));
        }
      } catch {
        // Closed at exit.
      }
    })();
    return { client, buffer: new Uint8Array(64 * KiB) };
  });
  Deno.bench({ name: "raw Deno.Conn", group, baseline: true }, async () => {
    const { client, buffer } = await raw;
    await writeAll(client, message);
    await rawSink(client, size, buffer);
  });

  const streams = transportPair().then(([client, server]) => {
    client.setNoDelay(true);
    server.setNoDelay(true);
    server.receive({
      data: (bytes) => (server.write([bytes.slice()]), true),
      end: () => {},
      error: () => {},
    });
    const sink = new Sink();
    client.receive(sink);
    return { client, sink };
  });
  const messages = [message];
  Deno.bench({ name: "tcpTransport", group }, async () => {
    const { client, sink } = await streams;
    const back = sink.expect(size);
    await client.write(messages);
    await back;
  });
}

bulk(64 * KiB, 64 * MiB);
bulk(1 * KiB, 16 * MiB);
roundTrip(64);
