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
  /** Seed of the generator behind every random choice. Default 1. */
  seed?: number;
  /** The transport to wrap. Default: the real one (`realTransport`). */
  inner?: Transport;
  /** Milliseconds added to every read and write of a stream, and to every datagram, each way. */
  latencyMs?: number;
  /** Cap on each stream's (and each UDP socket's) throughput per direction, in bytes per second. */
  bytesPerSecond?: number;
  /** Cut every read and write into random slices of 1 to this many bytes. */
  maxSliceBytes?: number;
  /**
   * Reset each stream once exactly this many bytes were delivered to its
   * reader: the receiver gets those bytes, then STATUS_CONNECTION_RESET; the
   * peer gets an RST; writes in flight fail with STATUS_CONNECTION_RESET first.
   */
  resetAtByte?: number;
  /** Refuse the Nth connect (counted from 1) with STATUS_CONNECTION_REFUSED. */
  refuseConnect?: number;
  /**
   * Black-hole the Nth stream (counted from 1, connects and accepts
   * together, in the order they complete): it delivers nothing, sends
   * nothing, and reports no FIN and no reset; its writes stay pending until
   * it is aborted or closed.
   */
  blackHoleStream?: number;
  /**
   * Each listener dies once it has delivered this many connections (0: as
   * soon as it is watched), as a listening socket whose network went away:
   * its owner is told STATUS_UNEXPECTED_NETWORK_ERROR and the port is freed.
   */
  failListenerAfter?: number;
  /** Probability (0 to 1) that a datagram is lost, on each send and on each receive. */
  udpDropRate?: number;
  /** Probability (0 to 1) that a datagram is delivered (or sent) twice. */
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

  /** Connects and streams made so far: how a test finds the index to black-hole. */
  get counts(): { connects: number; streams: number } {
    return { connects: this.#connects, streams: this.#streams };
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
