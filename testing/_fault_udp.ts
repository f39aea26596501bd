// Copyright 2026 the wskemu authors. MIT license.
// Internal: a UDP socket that drops, duplicates and delays datagrams, each way.
import { type NTSTATUS, STATUS_CANCELLED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { Datagram, Endpoint, UdpSocket } from "../transport/types.ts";
import { Alarm, type Pacer } from "./_pacer.ts";
import type { Random } from "./_random.ts";

/** What every datagram of one socket risks. */
export interface DatagramFaults {
  /** Probability that a datagram is lost, on each send and each receive. */
  dropRate: number;
  /** Probability that a datagram arrives (or is sent) twice. */
  duplicateRate: number;
  /** Delays received datagrams. */
  inbound: Pacer;
  /** Delays sent datagrams. */
  outbound: Pacer;
  /** Every drop and duplicate is decided here. */
  random: Random;
}

interface Delayed<T> {
  due: number;
  item: T;
}

interface Send {
  chunks: readonly Uint8Array[];
  to: Endpoint;
  copies: number;
  settle: (status: NTSTATUS) => void;
}

/** A {@linkcode UdpSocket} over `inner` with `faults`. */
export class FaultUdpSocket implements UdpSocket {
  #receiver: ((datagram: Datagram) => void) | null = null;
  #arriving: Delayed<Datagram>[] = [];
  #sending: Delayed<Send>[] = [];
  #closed = false;
  readonly #inAlarm = new Alarm(() => this.#deliver());
  readonly #outAlarm = new Alarm(() => this.#send());

  constructor(readonly inner: UdpSocket, readonly faults: DatagramFaults) {}

  get localAddress(): Endpoint {
    return this.inner.localAddress;
  }

  receive(receiver: (datagram: Datagram) => void): void {
    this.#receiver = receiver;
    this.inner.receive((datagram) => this.#arrived(datagram));
  }

  send(chunks: readonly Uint8Array[], to: Endpoint): Promise<NTSTATUS> {
    if (this.#closed) return Promise.resolve(STATUS_CANCELLED);
    const copies = this.#copies();
    // A lost datagram was still sent, as far as the sender can tell.
    if (copies === 0) return Promise.resolve(STATUS_SUCCESS);
    const { promise, resolve } = Promise.withResolvers<NTSTATUS>();
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    this.#sending.push({
      due: this.faults.outbound.due(bytes),
      item: { chunks, to, copies, settle: resolve },
    });
    this.#send();
    return promise;
  }

  setBroadcast(on: boolean): void {
    this.inner.setBroadcast(on);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiver = null;
    this.#arriving = [];
    this.#inAlarm.clear();
    this.#outAlarm.clear();
    for (const { item } of this.#sending.splice(0)) item.settle(STATUS_CANCELLED);
    this.inner.close();
  }

  /** 0 (dropped), 1, or 2 (duplicated). */
  #copies(): number {
    const { random, dropRate, duplicateRate } = this.faults;
    if (random.chance(dropRate)) return 0;
    return random.chance(duplicateRate) ? 2 : 1;
  }

  #arrived(datagram: Datagram): void {
    const copies = this.#copies();
    if (copies === 0 || this.#closed) return;
    const { inbound } = this.faults;
    if (inbound.immediate && this.#arriving.length === 0) {
      for (let i = 0; i < copies; i++) this.#receiver?.(datagram);
      return;
    }
    // The real socket reuses its buffer: keep a copy until it is due.
    const kept = { data: datagram.data.slice(), from: datagram.from };
    const due = inbound.due(kept.data.length);
    for (let i = 0; i < copies; i++) this.#arriving.push({ due, item: kept });
    this.#deliver();
  }

  #deliver(): void {
    this.#release(this.#arriving, this.#inAlarm, (datagram) => this.#receiver?.(datagram));
  }

  #send(): void {
    this.#release(this.#sending, this.#outAlarm, ({ chunks, to, copies, settle }) => {
      const first = this.inner.send(chunks, to);
      if (copies === 2) this.inner.send(chunks, to);
      first.then(settle);
    });
  }

  /** Hands on the due items of `queue` in order; `alarm` rings for the next one. */
  #release<T>(queue: Delayed<T>[], alarm: Alarm, handle: (item: T) => void): void {
    while (!this.#closed) {
      const next = queue[0];
      if (next === undefined) return;
      if (next.due > performance.now()) return alarm.set(next.due);
      queue.shift();
      handle(next.item);
    }
  }
}
