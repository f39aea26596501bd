// Copyright 2026 the wskemu authors. MIT license.
// Internal: a TCP stream with faults between the real one and its user:
// latency, a bandwidth cap and random slicing each way, a reset after exactly
// N received bytes, or a black hole.
import {
  type NTSTATUS,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_RESET,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Endpoint, TcpReceiver, TcpStream } from "../transport/types.ts";
import { Alarm, type Pacer } from "./_pacer.ts";
import type { Random } from "./_random.ts";

/** What one stream suffers; decided when the stream is made. */
export interface StreamFaults {
  /** Paces what the user receives. */
  inbound: Pacer;
  /** Paces what the user sends. */
  outbound: Pacer;
  /** Largest random slice; 0 leaves reads and writes whole. */
  maxSlice: number;
  /** Reset once this many bytes were delivered; null: never. */
  resetAtByte: number | null;
  /** Nothing in, nothing out, no FIN, no reset. */
  blackHole: boolean;
  /** Slice lengths come from here. */
  random: Random;
}

/** Above this much received but undelivered, the real stream stops reading. */
const HIGH_WATER = 1024 * 1024;
/** ...and reads again below this. */
const LOW_WATER = 256 * 1024;

const enum State {
  Open,
  Reset,
  Aborted,
  Closed,
}

type Incoming =
  | { kind: "data"; bytes: Uint8Array; offset: number; due: number }
  | { kind: "end"; due: number }
  | { kind: "error"; status: NTSTATUS; due: number };

/** One write (or the FIN) on its way: its pieces, and how to settle it. */
interface Outgoing {
  pieces: { bytes: Uint8Array; due: number }[];
  /** The first piece not yet handed to the real stream. */
  next: number;
  /** The FIN after the writes queued before it. */
  fin: boolean;
  /** Pieces handed to the real stream whose write has not resolved. */
  inFlight: number;
  settle: (status: NTSTATUS) => void;
  settled: boolean;
}

/** A {@linkcode TcpStream} that passes through `inner` with `faults`. */
export class FaultTcpStream implements TcpStream {
  #state = State.Open;
  #receiver: TcpReceiver | null = null;
  #started = false;
  #incoming: Incoming[] = [];
  #incomingBytes = 0;
  #delivered = 0;
  #innerStalled = false;
  #userPaused = false;
  #pumping = false;
  #resumeAsked = false;
  #outgoing: Outgoing[] = [];
  #outgoingBytes = 0;
  #writeShut = false;
  #shutdown: Promise<NTSTATUS> | null = null;
  readonly #inAlarm = new Alarm(() => this.#pump());
  readonly #outAlarm = new Alarm(() => this.#send());
  readonly #resetAlarm = new Alarm(() => this.#reportReset());

  constructor(readonly inner: TcpStream, readonly faults: StreamFaults) {}

  get localAddress(): Endpoint {
    return this.inner.localAddress;
  }

  get remoteAddress(): Endpoint {
    return this.inner.remoteAddress;
  }

  get writeQueueSize(): number {
    return this.#outgoingBytes + this.inner.writeQueueSize;
  }

  receive(receiver: TcpReceiver): void {
    if (this.#state !== State.Open && this.#state !== State.Reset) return;
    this.#receiver = receiver;
    if (this.#started || this.faults.blackHole) return;
    this.#started = true;
    this.inner.receive({
      data: (bytes) => this.#arrived(bytes),
      end: () => this.#queue({ kind: "end", due: this.faults.inbound.due(0) }),
      error: (status) => this.#queue({ kind: "error", status, due: this.faults.inbound.due(0) }),
    });
  }

  pause(): void {
    this.#userPaused = true;
    this.#resumeAsked = false;
  }

  resume(): void {
    this.#userPaused = false;
    if (this.#pumping) this.#resumeAsked = true;
    // Never deliver from inside resume(): the caller may be mid-call.
    else queueMicrotask(() => this.#pump());
  }

  write(chunks: readonly Uint8Array[]): Promise<NTSTATUS> {
    const refused = this.#writeRefusal();
    if (refused !== STATUS_SUCCESS) return Promise.resolve(refused);
    // As the real stream does, before anything is queued.
    if (!chunks.every((chunk) => chunk instanceof Uint8Array)) {
      return Promise.resolve(STATUS_INVALID_PARAMETER);
    }
    const { outbound, maxSlice } = this.faults;
    if (
      !this.faults.blackHole && outbound.immediate && maxSlice === 0 &&
      this.#outgoing.length === 0
    ) {
      return this.inner.write(chunks).then((status) => this.#writeStatus(status));
    }
    const pieces: Outgoing["pieces"] = [];
    for (const chunk of chunks) {
      for (let offset = 0; offset < chunk.byteLength;) {
        const length = maxSlice > 0
          ? Math.min(chunk.byteLength - offset, this.faults.random.int(1, maxSlice))
          : chunk.byteLength - offset;
        pieces.push({ bytes: chunk.subarray(offset, offset + length), due: outbound.due(length) });
        offset += length;
      }
    }
    if (pieces.length === 0) pieces.push({ bytes: new Uint8Array(0), due: outbound.due(0) });
    return this.#enqueue(pieces, false);
  }

  shutdownWrite(): Promise<NTSTATUS> {
    if (this.#shutdown !== null) return this.#shutdown;
    const refused = this.#writeRefusal();
    if (refused !== STATUS_SUCCESS) return Promise.resolve(refused);
    this.#writeShut = true;
    this.#shutdown = this.#enqueue([], true);
    return this.#shutdown;
  }

  abort(): void {
    if (this.#state === State.Aborted || this.#state === State.Closed) return;
    this.#stop(State.Aborted, STATUS_CONNECTION_ABORTED);
    this.inner.abort();
  }

  close(): void {
    if (this.#state === State.Closed) return;
    this.#stop(State.Closed, STATUS_CANCELLED);
    this.inner.close();
  }

  setNoDelay(on: boolean): void {
    this.inner.setNoDelay(on);
  }

  setKeepAlive(on: boolean): void {
    this.inner.setKeepAlive(on);
  }

  // --- receiving -----------------------------------------------------------

  #arrived(bytes: Uint8Array): boolean {
    // The real stream reuses its buffer: keep a copy.
    this.#queue({
      kind: "data",
      bytes: bytes.slice(),
      offset: 0,
      due: this.faults.inbound.due(bytes.length),
    });
    this.#incomingBytes += bytes.length;
    if (this.#incomingBytes < HIGH_WATER) return true;
    this.#innerStalled = true;
    return false;
  }

  #queue(item: Incoming): void {
    if (this.#state !== State.Open) return;
    this.#incoming.push(item);
    this.#pump();
  }

  /** Deliver what is due, in order, a random slice at a time, until paused or waiting. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#deliverDue();
    } finally {
      this.#pumping = false;
    }
    if (this.#innerStalled && this.#incomingBytes < LOW_WATER && this.#state === State.Open) {
      this.#innerStalled = false;
      this.inner.resume();
    }
  }

  #deliverDue(): void {
    const { maxSlice, resetAtByte, random } = this.faults;
    while (this.#state === State.Open && !this.#userPaused && this.#receiver !== null) {
      const item = this.#incoming[0];
      if (item === undefined) return;
      if (item.due > performance.now()) return this.#inAlarm.set(item.due);
      const receiver = this.#receiver;
      if (item.kind !== "data") {
        this.#incoming.shift();
        this.#receiver = null;
        if (item.kind === "end") receiver.end();
        else receiver.error(item.status);
        return;
      }
      if (resetAtByte !== null && this.#delivered >= resetAtByte) return this.#reset();
      let length = item.bytes.length - item.offset;
      if (maxSlice > 0) length = Math.min(length, random.int(1, maxSlice));
      if (resetAtByte !== null) length = Math.min(length, resetAtByte - this.#delivered);
      const slice = item.bytes.subarray(item.offset, item.offset + length);
      item.offset += length;
      if (item.offset === item.bytes.length) this.#incoming.shift();
      this.#incomingBytes -= length;
      this.#delivered += length;
      this.#resumeAsked = false;
      const more = receiver.data(slice);
      if (more === false && !this.#resumeAsked) this.#userPaused = true;
      if (resetAtByte !== null && this.#delivered >= resetAtByte && this.#state === State.Open) {
        return this.#reset();
      }
    }
  }

  /**
   * Exactly `resetAtByte` bytes were delivered: RST the peer, fail the
   * writes in flight, then (on a later turn, as node:net orders it) tell the
   * receiver STATUS_CONNECTION_RESET.
   */
  #reset(): void {
    this.#stop(State.Reset, STATUS_CONNECTION_RESET);
    this.inner.abort();
    this.#resetAlarm.set(0);
  }

  #reportReset(): void {
    const receiver = this.#receiver;
    this.#receiver = null;
    if (this.#state === State.Reset) receiver?.error(STATUS_CONNECTION_RESET);
  }

  // --- sending -------------------------------------------------------------

  #writeRefusal(): NTSTATUS {
    if (this.#state === State.Aborted) return STATUS_CONNECTION_ABORTED;
    if (this.#state === State.Closed) return STATUS_CANCELLED;
    if (this.#state === State.Reset) return STATUS_CONNECTION_RESET;
    if (this.#writeShut) return STATUS_INVALID_DEVICE_STATE;
    return STATUS_SUCCESS;
  }

  /** After a reset injected here, the real stream says "aborted": the user must see the reset. */
  #writeStatus(status: NTSTATUS): NTSTATUS {
    return this.#state === State.Reset && status !== STATUS_SUCCESS
      ? STATUS_CONNECTION_RESET
      : status;
  }

  #enqueue(pieces: Outgoing["pieces"], fin: boolean): Promise<NTSTATUS> {
    const { promise, resolve } = Promise.withResolvers<NTSTATUS>();
    const entry: Outgoing = { pieces, next: 0, fin, inFlight: 0, settle: resolve, settled: false };
    for (const piece of pieces) this.#outgoingBytes += piece.bytes.length;
    this.#outgoing.push(entry);
    // A black hole takes writes and never sends them.
    if (!this.faults.blackHole) this.#send();
    return promise;
  }

  /** Hand what is due to the real stream, in order. */
  #send(): void {
    while (this.#state === State.Open) {
      const entry = this.#outgoing[0];
      if (entry === undefined) return;
      const piece = entry.pieces[entry.next];
      if (piece === undefined) {
        this.#outgoing.shift();
        if (entry.fin) {
          this.inner.shutdownWrite().then((status) => this.#settle(entry, status));
        } else if (entry.inFlight === 0) this.#settle(entry, STATUS_SUCCESS);
        continue;
      }
      if (piece.due > performance.now()) return this.#outAlarm.set(piece.due);
      entry.next++;
      this.#outgoingBytes -= piece.bytes.length;
      entry.inFlight++;
      const last = entry.next === entry.pieces.length;
      this.inner.write([piece.bytes]).then((status) => {
        entry.inFlight--;
        if (status !== STATUS_SUCCESS) this.#settle(entry, this.#writeStatus(status));
        else if (last) this.#settle(entry, STATUS_SUCCESS);
      });
    }
  }

  #settle(entry: Outgoing, status: NTSTATUS): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.settle(status);
  }

  /** Enter `state`: no more deliveries; every write not yet settled gets `status`. */
  #stop(state: State, status: NTSTATUS): void {
    this.#state = state;
    if (state !== State.Reset) {
      this.#receiver = null;
      this.#resetAlarm.clear();
    }
    this.#incoming = [];
    this.#incomingBytes = 0;
    this.#inAlarm.clear();
    this.#outAlarm.clear();
    const outgoing = this.#outgoing;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    for (const entry of outgoing) this.#settle(entry, status);
  }
}
