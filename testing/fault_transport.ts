// Copyright 2026 the wskemu authors. MIT license.
/**
 * A transport that wraps the real one and injects faults: latency, a
 * bandwidth cap, reads and writes cut into random slices, a reset after
 * exactly N bytes, a refused connect, a black-holed connection, a listener
 * that dies, and lost or duplicated datagrams. Every random choice comes from
 * one seeded generator, so a failing run replays from its seed.
 *
 * @module
 */
import { STATUS_CONNECTION_REFUSED } from "../irp/ntstatus.ts";
import { realTransport } from "../transport/real.ts";
import type {
  NameResolver,
  Result,
  TcpConnectOptions,
  TcpListener,
  TcpListenOptions,
  TcpStream,
  TcpTransport,
  Transport,
  UdpBindOptions,
  UdpSocket,
  UdpTransport,
} from "../transport/types.ts";
import { FaultTcpListener } from "./_fault_listener.ts";
import { FaultTcpStream } from "./_fault_stream.ts";
import { FaultUdpSocket } from "./_fault_udp.ts";
import { Pacer } from "./_pacer.ts";
import { Random } from "./_random.ts";

export type { Transport } from "../transport/types.ts";

/**
 * The faults a {@linkcode FaultTransport} injects. Every option is off by
 * default; stream options apply to every TCP stream the transport makes or
 * accepts, in both directions, unless said otherwise.
 *
 * @example Slow, sliced streams that replay the same way from seed 7
 * ```ts
 * import { FaultTransport, type FaultTransportOptions } from "@wskemu/wsk/testing";
 *
 * const options: FaultTransportOptions = {
 *   seed: 7,
 *   latencyMs: 20,
 *   bytesPerSecond: 1024 * 1024,
 *   maxSliceBytes: 100,
 * };
 * const transport = new FaultTransport(options);
 * ```
 */
export interface FaultTransportOptions {
  /**
   * Seed of the generator behind every random choice (slice lengths, lost
   * and doubled datagrams). Default 1. The same seed and the same traffic
   * give the same faults.
   *
   * @example Replay a failing run
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const a = new FaultTransport({ seed: 9, maxSliceBytes: 16 });
   * const b = new FaultTransport({ seed: 9, maxSliceBytes: 16 });
   * const reply = new Uint8Array(200);
   * // A real server that sends `reply`, then FIN.
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * listener.onConnection((server) => {
   *   server.receive({ data: () => true, end: () => server.close(), error: () => server.close() });
   *   server.write([reply]).then(() => server.shutdownWrite());
   * });
   * const slicesOf = async (faults: FaultTransport) => {
   *   const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
   *   const reads: number[] = [];
   *   const ended = Promise.withResolvers<void>();
   *   client.receive({
   *     data: (b) => (reads.push(b.length), true),
   *     end: () => ended.resolve(),
   *     error: () => ended.resolve(),
   *   });
   *   await ended.promise;
   *   client.close();
   *   return reads;
   * };
   * assert.deepEqual(await slicesOf(a), await slicesOf(b));
   * listener.close();
   * ```
   */
  seed?: number;
  /**
   * The transport to wrap. Default: the real one (`realTransport`). Fault
   * transports stack: wrap one in another to combine independent seeds.
   *
   * @example Faults over faults
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   *
   * const lossy = new FaultTransport({ seed: 1, udpDropRate: 0.1 });
   * const lossyAndSlow = new FaultTransport({ seed: 2, latencyMs: 50, inner: lossy });
   * ```
   */
  inner?: Transport;
  /**
   * Milliseconds added to every read and write of a stream, and to every
   * datagram, each way. Order is kept.
   *
   * @example Every read is at least 30 ms late
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultTransport({ latencyMs: 30 });
   * const reply = new Uint8Array([1, 2, 3]);
   * // A real server that sends `reply`, then FIN.
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * listener.onConnection((server) => {
   *   server.receive({ data: () => true, end: () => server.close(), error: () => server.close() });
   *   server.write([reply]).then(() => server.shutdownWrite());
   * });
   * const started = performance.now();
   * const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
   * const reads: number[] = [];
   * const ended = Promise.withResolvers<void>();
   * client.receive({
   *   data: (b) => (reads.push(b.length), true),
   *   end: () => ended.resolve(),
   *   error: () => ended.resolve(),
   * });
   * await ended.promise;
   * assert.ok(performance.now() - started >= 30);
   * client.close();
   * listener.close();
   * ```
   */
  latencyMs?: number;
  /** Cap on each stream's (and each UDP socket's) throughput per direction, in bytes per second.
   *
   * @example 20 KiB at 100 KiB/s takes at least 200 ms
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultTransport({ bytesPerSecond: 100 * 1024 });
   * const reply = new Uint8Array(20 * 1024);
   * // A real server that sends `reply`, then FIN.
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * listener.onConnection((server) => {
   *   server.receive({ data: () => true, end: () => server.close(), error: () => server.close() });
   *   server.write([reply]).then(() => server.shutdownWrite());
   * });
   * const started = performance.now();
   * const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
   * const reads: number[] = [];
   * const ended = Promise.withResolvers<void>();
   * client.receive({
   *   data: (b) => (reads.push(b.length), true),
   *   end: () => ended.resolve(),
   *   error: () => ended.resolve(),
   * });
   * await ended.promise;
   * assert.ok(performance.now() - started >= 200);
   * client.close();
   * listener.close();
   * ```
   */
  bytesPerSecond?: number;
  /**
   * Cut every read and write into random slices of 1 to this many bytes, so
   * that a driver that assumes one send is one receive fails at once.
   *
   * @example No read is longer than 10 bytes
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultTransport({ maxSliceBytes: 10 });
   * const reply = new Uint8Array(1000);
   * // A real server that sends `reply`, then FIN.
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * listener.onConnection((server) => {
   *   server.receive({ data: () => true, end: () => server.close(), error: () => server.close() });
   *   server.write([reply]).then(() => server.shutdownWrite());
   * });
   * const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
   * const reads: number[] = [];
   * const ended = Promise.withResolvers<void>();
   * client.receive({
   *   data: (b) => (reads.push(b.length), true),
   *   end: () => ended.resolve(),
   *   error: () => ended.resolve(),
   * });
   * await ended.promise;
   * assert.equal(reads.reduce((sum, n) => sum + n, 0), 1000);
   * assert.ok(reads.every((n) => n >= 1 && n <= 10));
   * client.close();
   * listener.close();
   * ```
   */
  maxSliceBytes?: number;
  /**
   * Reset each stream once exactly this many bytes were delivered to its
   * reader: the receiver gets those bytes, then STATUS_CONNECTION_RESET; the
   * peer gets an RST; writes in flight fail with STATUS_CONNECTION_RESET
   * first.
   *
   * @example Exactly 500 bytes, then the reset
   * ```ts
   * import { STATUS_CONNECTION_RESET } from "@wskemu/wsk";
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultTransport({ resetAtByte: 500 });
   * const reply = new Uint8Array(2000);
   * // A real server that sends `reply`, then FIN.
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * listener.onConnection((server) => {
   *   server.receive({ data: () => true, end: () => server.close(), error: () => server.close() });
   *   server.write([reply]).then(() => server.shutdownWrite());
   * });
   * const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
   * let received = 0;
   * const failed = Promise.withResolvers<number>();
   * client.receive({
   *   data: (b) => (received += b.length, true),
   *   end: () => failed.resolve(0),
   *   error: failed.resolve,
   * });
   * assert.equal(await failed.promise, STATUS_CONNECTION_RESET);
   * assert.equal(received, 500);
   * client.close();
   * listener.close();
   * ```
   */
  resetAtByte?: number;
  /**
   * Refuse the Nth connect (counted from 1) with STATUS_CONNECTION_REFUSED,
   * without touching the network.
   *
   * @example The first connect is refused, the retry succeeds
   * ```ts
   * import { STATUS_CONNECTION_REFUSED, STATUS_SUCCESS } from "@wskemu/wsk";
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * const faults = new FaultTransport({ refuseConnect: 1 });
   * const first = await faults.tcp.connect({ remote: listener.localAddress });
   * assert.equal(first.status, STATUS_CONNECTION_REFUSED);
   * const retry = await faults.tcp.connect({ remote: listener.localAddress });
   * assert.equal(retry.status, STATUS_SUCCESS);
   * retry.value!.close();
   * listener.close();
   * ```
   */
  refuseConnect?: number;
  /**
   * Black-hole the Nth stream (counted from 1, connects and accepts
   * together, in the order they complete): it delivers nothing, sends
   * nothing, and reports no FIN and no reset; its writes stay pending until
   * it is aborted or closed, as over a path that silently lost every packet.
   *
   * @example A write that never completes until the stream is closed
   * ```ts
   * import { STATUS_CANCELLED } from "@wskemu/wsk";
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * const faults = new FaultTransport({ blackHoleStream: 1 });
   * const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
   * const write = client.write([new Uint8Array(10)]);
   * client.close();
   * assert.equal(await write, STATUS_CANCELLED);
   * listener.close();
   * ```
   */
  blackHoleStream?: number;
  /**
   * Each listener dies once it has delivered this many connections (0: as
   * soon as it is watched), as a listening socket whose network went away:
   * its owner is told STATUS_UNEXPECTED_NETWORK_ERROR and the port is freed.
   *
   * @example A listener that dies at once
   * ```ts
   * import { STATUS_UNEXPECTED_NETWORK_ERROR } from "@wskemu/wsk";
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultTransport({ failListenerAfter: 0 });
   * const listener = (await faults.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
   * const died = Promise.withResolvers<number>();
   * listener.onConnection((stream) => stream.close(), died.resolve);
   * assert.equal(await died.promise, STATUS_UNEXPECTED_NETWORK_ERROR);
   * listener.close();
   * ```
   */
  failListenerAfter?: number;
  /**
   * Probability (0 to 1) that a datagram is lost, on each send and on each
   * receive. A lost send still reports STATUS_SUCCESS, as UDP does.
   *
   * @example Every datagram lost
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const local = endpoint("127.0.0.1", 0);
   * const receiver = (await realTransport.udp.bind({ local })).value!;
   * const seen: string[] = [];
   * const marked = Promise.withResolvers<void>();
   * receiver.receive(({ data }) => {
   *   seen.push(new TextDecoder().decode(data));
   *   if (seen.at(-1) === "marker") marked.resolve();
   * });
   * const lossy = (await new FaultTransport({ udpDropRate: 1 }).udp.bind({ local })).value!;
   * const plain = (await realTransport.udp.bind({ local })).value!;
   * assert.equal(await lossy.send([new TextEncoder().encode("lost")], receiver.localAddress), 0);
   * await plain.send([new TextEncoder().encode("marker")], receiver.localAddress);
   * await marked.promise;
   * assert.deepEqual(seen, ["marker"]);
   * for (const socket of [receiver, lossy, plain]) socket.close();
   * ```
   */
  udpDropRate?: number;
  /** Probability (0 to 1) that a datagram is delivered (or sent) twice.
   *
   * @example Every datagram twice
   * ```ts
   * import { FaultTransport } from "@wskemu/wsk/testing";
   * import { endpoint, realTransport } from "@wskemu/wsk/transport";
   * import assert from "node:assert/strict";
   *
   * const local = endpoint("127.0.0.1", 0);
   * const receiver = (await realTransport.udp.bind({ local })).value!;
   * const twice = Promise.withResolvers<void>();
   * let seen = 0;
   * receiver.receive(() => ++seen === 2 && twice.resolve());
   * const faults = new FaultTransport({ udpDuplicateRate: 1 });
   * const doubling = (await faults.udp.bind({ local })).value!;
   * await doubling.send([new Uint8Array([1])], receiver.localAddress);
   * await twice.promise;
   * receiver.close();
   * doubling.close();
   * ```
   */
  udpDuplicateRate?: number;
}

/**
 * A {@linkcode Transport} that injects faults into the real one (or any
 * other). Give it to `wskRegisterWithTransport` to run a driver over it.
 * Options are checked at construction: a negative number or a probability
 * outside 0 to 1 throws a RangeError.
 *
 * @example A reset after exactly 5 bytes
 * ```ts
 * import { FaultTransport } from "@wskemu/wsk/testing";
 * import { STATUS_CONNECTION_RESET } from "@wskemu/wsk";
 * import { endpoint, realTransport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
 * listener.onConnection((server) => server.write([new TextEncoder().encode("hello, world")]));
 *
 * const faults = new FaultTransport({ resetAtByte: 5 });
 * const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
 * const received: number[] = [];
 * const outcome = Promise.withResolvers<number>();
 * client.receive({
 *   data: (bytes) => (received.push(...bytes), true),
 *   end: () => outcome.resolve(0),
 *   error: (status) => outcome.resolve(status),
 * });
 * assert.equal(await outcome.promise, STATUS_CONNECTION_RESET);
 * assert.equal(new TextDecoder().decode(new Uint8Array(received)), "hello");
 * client.close();
 * listener.close();
 * ```
 *
 * @example The second connect is refused
 * ```ts
 * import { FaultTransport } from "@wskemu/wsk/testing";
 * import { STATUS_CONNECTION_REFUSED } from "@wskemu/wsk";
 * import { endpoint, realTransport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * // Nobody takes the connections: they wait in the listener until it closes.
 * const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
 * const faults = new FaultTransport({ refuseConnect: 2 });
 * const first = await faults.tcp.connect({ remote: listener.localAddress });
 * const second = await faults.tcp.connect({ remote: listener.localAddress });
 * assert.equal(first.status, 0);
 * assert.equal(second.status, STATUS_CONNECTION_REFUSED);
 * first.value!.close();
 * listener.close();
 * ```
 */
export class FaultTransport implements Transport {
  /** TCP through the faults. */
  readonly tcp: TcpTransport;
  /** UDP through the faults. */
  readonly udp: UdpTransport;
  /** Name resolution: the wrapped transport's, untouched. */
  readonly dns: NameResolver;
  readonly #options: FaultTransportOptions;
  readonly #inner: Transport;
  readonly #random: Random;
  #connects = 0;
  #streams = 0;

  /** A transport with `options`' faults over `options.inner` (the real transport by default). */
  constructor(options: FaultTransportOptions = {}) {
    checkOptions(options);
    this.#options = { ...options };
    this.#inner = options.inner ?? realTransport;
    this.#random = new Random(options.seed ?? 1);
    this.tcp = { connect: (o) => this.#connect(o), listen: (o) => this.#listen(o) };
    this.udp = { bind: (o) => this.#bind(o) };
    this.dns = this.#inner.dns;
  }

  async #connect(options: TcpConnectOptions): Promise<Result<TcpStream>> {
    if (++this.#connects === this.#options.refuseConnect) {
      return { status: STATUS_CONNECTION_REFUSED, value: null };
    }
    const result = await this.#inner.tcp.connect(options);
    return result.value ? { status: result.status, value: this.#wrap(result.value) } : result;
  }

  async #listen(options: TcpListenOptions): Promise<Result<TcpListener>> {
    const result = await this.#inner.tcp.listen(options);
    if (!result.value) return result;
    const failAfter = this.#options.failListenerAfter ?? null;
    const listener = new FaultTcpListener(result.value, (s) => this.#wrap(s), failAfter);
    return { status: result.status, value: listener };
  }

  async #bind(options: UdpBindOptions): Promise<Result<UdpSocket>> {
    const result = await this.#inner.udp.bind(options);
    if (!result.value) return result;
    const o = this.#options;
    const socket = new FaultUdpSocket(result.value, {
      dropRate: o.udpDropRate ?? 0,
      duplicateRate: o.udpDuplicateRate ?? 0,
      inbound: new Pacer(o.latencyMs ?? 0, o.bytesPerSecond ?? 0),
      outbound: new Pacer(o.latencyMs ?? 0, o.bytesPerSecond ?? 0),
      random: this.#random,
    });
    return { status: result.status, value: socket };
  }

  /** The stream as the faults leave it (itself when none applies). */
  #wrap(stream: TcpStream): TcpStream {
    const o = this.#options;
    const blackHole = ++this.#streams === o.blackHoleStream;
    const latency = o.latencyMs ?? 0;
    const rate = o.bytesPerSecond ?? 0;
    const maxSlice = o.maxSliceBytes ?? 0;
    const resetAtByte = o.resetAtByte ?? null;
    if (!blackHole && latency === 0 && rate === 0 && maxSlice === 0 && resetAtByte === null) {
      return stream;
    }
    return new FaultTcpStream(stream, {
      inbound: new Pacer(latency, rate),
      outbound: new Pacer(latency, rate),
      maxSlice,
      resetAtByte,
      blackHole,
      random: this.#random,
    });
  }
}

function checkOptions(options: FaultTransportOptions): void {
  const counts = [
    "latencyMs",
    "bytesPerSecond",
    "maxSliceBytes",
    "resetAtByte",
    "refuseConnect",
    "blackHoleStream",
    "failListenerAfter",
  ] as const;
  for (const name of counts) {
    const value = options[name];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`FaultTransportOptions.${name} must be a number ≥ 0, not ${value}`);
    }
  }
  for (const name of ["udpDropRate", "udpDuplicateRate"] as const) {
    const value = options[name];
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw new RangeError(`FaultTransportOptions.${name} must be between 0 and 1, not ${value}`);
    }
  }
}
