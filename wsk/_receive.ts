// Copyright 2026 the wskemu authors. MIT license.
// Internal: the receive side of a connection socket. Bytes from the transport
// go straight into pending WskReceive buffers, in posting order; what no IRP
// takes is buffered (bounded: past the bound the transport is paused, so TCP
// backpressure reaches the peer) or indicated to WskReceiveEvent. No byte is
// ever dropped or reordered, even when a receive is cancelled.
import { queueDpc } from "../irp/completion.ts";
import { drainCompletionQueueNow } from "../irp/completion_queue.ts";
import {
  IoAllocateMdl,
  IoFreeMdl,
  type MDL,
  MmBuildMdlForNonPagedPool,
  wskBufSegments,
} from "../irp/mdl.ts";
import type { IRP } from "../irp/irp.ts";
import type { WSK_BUF } from "../irp/mdl.ts";
import {
  type NTSTATUS,
  STATUS_DATA_NOT_ACCEPTED,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { failIrp, PendingIrp, type PendingList } from "./_irp.ts";
import {
  WSK_EVENT_RECEIVE,
  WSK_FLAG_AT_DISPATCH_LEVEL,
  WSK_FLAG_DRAIN,
  WSK_FLAG_WAITALL,
} from "./constants.ts";
import type { PFN_WSK_RECEIVE_EVENT } from "./dispatch_types.ts";
import type { WSK_DATA_INDICATION } from "./structures.ts";

/**
 * How long an indication that could not get its MDLs (low resources
 * simulation) waits before it is tried again.
 */
const LOW_RESOURCES_RETRY_MS = 5;

/** The segments of a WSK_FLAG_DRAIN receive, which takes no bytes. */
const NO_SEGMENTS: Uint8Array[] = [];

/** What the receive queue needs from its socket. */
export interface ReceiveHost {
  /** The socket was closed: no more completions or callbacks. */
  readonly closed: boolean;
  /** The socket's pending-IRP set. */
  readonly pending: PendingList;
  /** The socket context passed to callbacks. */
  readonly context: unknown;
  /** Buffering bound in bytes (buffered + retained by the client). */
  readonly receiveLimit: number;
  /** The enabled WskReceiveEvent, or null. */
  receiveEvent(): PFN_WSK_RECEIVE_EVENT | null;
  /** Stop reading from the transport. */
  pause(): void;
  /** Resume reading from the transport. */
  resume(): void;
  /** Runs a callback of event `bit`, marked as running (for STATUS_EVENT_PENDING). */
  runEvent<R>(bit: number, callback: () => R): R;
}

/** A pending WskReceive: the IRP and where its bytes go (one object, no closure per receive). */
class ReceiveRequest extends PendingIrp {
  /** Bytes copied in so far. */
  filled = 0;

  constructor(
    Irp: IRP,
    readonly queue: ReceiveQueue,
    readonly segments: Uint8Array[],
    readonly length: number,
    readonly waitAll: boolean,
    readonly drain: boolean,
  ) {
    super(Irp, queue.host.pending, receiveCancelled);
  }
}

/** The one cancel hook of every receive (no closure per receive). */
function receiveCancelled(op: PendingIrp): void {
  (op as ReceiveRequest).queue.cancelled(op as ReceiveRequest);
}

/** The receive state of one connection socket. */
export class ReceiveQueue {
  #requests: ReceiveRequest[] = [];
  #buffered: Uint8Array[] = [];
  #bufferedBytes = 0;
  /**
   * Lists the client retained (STATUS_PENDING): their size and the MDLs
   * WskRelease frees. Made on the first retained list: most sockets never have one.
   */
  #retained: Map<WSK_DATA_INDICATION, { bytes: number; mdls: MDL[] }> | null = null;
  #retainedBytes = 0;
  #ended = false;
  #failure: NTSTATUS = STATUS_SUCCESS;
  #paused = false;
  /** Events stay off after a partial accept or STATUS_DATA_NOT_ACCEPTED until a receive completes. */
  #eventsSuspended = false;
  #indicationQueued = false;
  /** An indication waits for MDLs that low resources denied: it is retried on this timer. */
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly host: ReceiveHost) {}

  /** Bytes received and not yet consumed by the client (SIO_WSK_QUERY_RECEIVE_BACKLOG). */
  get backlog(): number {
    return this.#bufferedBytes;
  }

  /** WskReceive. */
  post(Buffer: WSK_BUF, Flags: number, Irp: IRP): NTSTATUS {
    const waitAll = (Flags & WSK_FLAG_WAITALL) !== 0, drain = (Flags & WSK_FLAG_DRAIN) !== 0;
    if ((Flags & ~(WSK_FLAG_WAITALL | WSK_FLAG_DRAIN)) !== 0) {
      return failIrp(Irp, STATUS_NOT_SUPPORTED);
    }
    if (waitAll && drain) return failIrp(Irp, STATUS_INVALID_PARAMETER);
    if (drain && Buffer?.Length !== 0) return failIrp(Irp, STATUS_INVALID_PARAMETER);
    const segments = drain ? NO_SEGMENTS : wskBufSegments(Buffer);
    const length = drain ? 0 : Buffer.Length;
    this.#requests.push(new ReceiveRequest(Irp, this, segments, length, waitAll, drain));
    this.#pump();
    return STATUS_PENDING;
  }

  /** Transport data. Returns false to pause the transport (the bound is reached). */
  data(bytes: Uint8Array): boolean {
    let offset = 0;
    while (offset < bytes.length && this.#bufferedBytes === 0) {
      if (this.#requests.length === 0) {
        // Every posted receive is full. This runs in a transport callback,
        // with no driver call on the stack: run the completion queue now, so
        // that completion routines re-post their receives and the rest goes
        // straight into those rather than being copied aside. (Bytes a
        // cancelled receive gives back meanwhile are buffered: the loop stops
        // and the rest is queued behind them.)
        if (offset === 0) break;
        drainCompletionQueueNow();
        if (this.#requests.length === 0) break;
        continue;
      }
      const request = this.#requests[0]!;
      if (request.drain) {
        offset = bytes.length;
        break;
      }
      // A zero-length receive takes no bytes: it completes once data is waiting (below).
      if (request.length === 0) break;
      offset += this.#fill(request, bytes, offset);
      if (!this.#settleHead()) break;
    }
    if (offset < bytes.length) {
      // The transport reuses its buffer: keep a copy of what no IRP took.
      this.#buffered.push(bytes.slice(offset));
      this.#bufferedBytes += bytes.length - offset;
      if (this.#requests.length > 0) this.#pump();
      else this.#maybeIndicate();
    }
    // Returning false pauses the transport; remember it so that room resumes it.
    if (!this.#underLimit()) this.#paused = true;
    return !this.#paused;
  }

  /** The peer sent FIN. */
  end(): void {
    this.#ended = true;
    this.#pump();
  }

  /** The connection failed (reset, local abort): pending and later receives get `status`. */
  fail(status: NTSTATUS): void {
    if (this.#failure === STATUS_SUCCESS) this.#failure = status;
    this.#pump();
  }

  /** WskRelease of a list retained by returning STATUS_PENDING from WskReceiveEvent. */
  release(DataIndication: WSK_DATA_INDICATION | null): NTSTATUS {
    const retained = DataIndication ? this.#retained?.get(DataIndication) : undefined;
    if (retained === undefined || !DataIndication) return STATUS_INVALID_PARAMETER;
    this.#retained!.delete(DataIndication);
    this.#retainedBytes -= retained.bytes;
    for (const Mdl of retained.mdls) IoFreeMdl(Mdl);
    this.#resumeIfRoom();
    return STATUS_SUCCESS;
  }

  /**
   * The socket closed: no retry is left running. Lists the client retained
   * stay valid until its WskRelease, as documented for WskCloseSocket.
   */
  close(): void {
    if (this.#retry === undefined) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  /** Serve pending receives from the buffer, then from the end-of-stream state. */
  #pump(): void {
    while (this.#requests.length > 0) {
      const request = this.#requests[0]!;
      if (request.drain) {
        this.#buffered.length = 0;
        this.#bufferedBytes = 0;
      }
      // Consumed chunks go in one splice: shift() per chunk is quadratic
      // when the peer's bytes arrived in many small pieces.
      let used = 0;
      while (this.#bufferedBytes > 0 && request.filled < request.length) {
        const chunk = this.#buffered[used]!;
        const n = this.#fill(request, chunk);
        this.#bufferedBytes -= n;
        if (n === chunk.length) used++;
        else this.#buffered[used] = chunk.subarray(n);
        // Progress guard: a request that took no byte of a non-empty chunk can
        // take none later; looping again would spin forever.
        if (n === 0 && chunk.length > 0) break;
      }
      if (used > 0) this.#buffered.splice(0, used);
      if (!this.#settleHead()) break;
    }
    this.#resumeIfRoom();
  }

  /**
   * Completes the head request if it is satisfied: any bytes (or a full buffer
   * with WAITALL), a zero-length request once data is waiting, or the end of
   * the stream. Returns whether it completed.
   */
  #settleHead(): boolean {
    const r = this.#requests[0]!;
    const finished = this.#ended || this.#failure !== STATUS_SUCCESS;
    let status: NTSTATUS | null = null;
    if (r.drain) status = finished ? (this.#ended ? STATUS_SUCCESS : this.#failure) : null;
    else if (r.filled === r.length && (r.length > 0 || this.#bufferedBytes > 0)) {
      status = STATUS_SUCCESS;
    } else if (r.filled > 0 && (!r.waitAll || finished)) status = STATUS_SUCCESS;
    else if (finished && this.#bufferedBytes === 0) {
      status = this.#ended ? STATUS_SUCCESS : this.#failure;
    }
    if (status === null) return false;
    this.#requests.shift();
    r.complete(status, r.filled);
    // A completed receive re-arms receive events that were held back.
    this.#eventsSuspended = false;
    this.#maybeIndicate();
    return true;
  }

  /** Copies as much of `bytes` from `start` on as fits into the request; returns the count. */
  #fill(r: ReceiveRequest, bytes: Uint8Array, start = 0): number {
    const end = bytes.length;
    let from = start, at = r.filled;
    for (const segment of r.segments) {
      if (at >= segment.length) {
        at -= segment.length;
        continue;
      }
      const n = Math.min(segment.length - at, end - from);
      // The whole of `bytes` needs no view of its own.
      segment.set(n === end ? bytes : bytes.subarray(from, from + n), at);
      from += n;
      at = 0;
      if (from === end) break;
    }
    r.filled += from - start;
    return from - start;
  }

  /** A cancelled receive gives its bytes back to the front of the buffer. */
  cancelled(request: ReceiveRequest): void {
    const index = this.#requests.indexOf(request);
    if (index < 0) return;
    const [r] = this.#requests.splice(index, 1);
    if (r && r.filled > 0) {
      const back = new Uint8Array(r.filled);
      let at = 0;
      for (const segment of r.segments) {
        const n = Math.min(segment.length, r.filled - at);
        back.set(segment.subarray(0, n), at);
        at += n;
        if (at === r.filled) break;
      }
      this.#buffered.unshift(back);
      this.#bufferedBytes += back.length;
      queueMicrotask(() => this.#pump());
    }
  }

  #underLimit(): boolean {
    return this.#bufferedBytes + this.#retainedBytes < this.host.receiveLimit;
  }

  #resumeIfRoom(): void {
    if (this.#paused && this.#underLimit()) {
      this.#paused = false;
      this.host.resume();
    } else if (!this.#paused && !this.#underLimit()) {
      this.#paused = true;
      this.host.pause();
    }
  }

  /** Receive events were enabled: indicate what is already buffered. */
  kick(): void {
    this.#maybeIndicate();
  }

  /** Schedules one WskReceiveEvent for everything buffered, if events are on. */
  #maybeIndicate(): void {
    if (this.#indicationQueued || this.#retry !== undefined) return;
    if (this.#eventsSuspended || this.#requests.length > 0) return;
    if (this.#bufferedBytes === 0 || !this.host.receiveEvent()) return;
    this.#indicationQueued = true;
    queueDpc(() => {
      this.#indicationQueued = false;
      this.#indicate();
    });
  }

  #indicate(): void {
    const callback = this.host.receiveEvent();
    if (this.host.closed || !callback || this.#eventsSuspended || this.#bufferedBytes === 0) return;
    if (this.#requests.length > 0) return; // pending IRPs take precedence
    const list = indicationList(this.#buffered);
    if (!list) {
      // Low resources: no indication without its MDLs. The bytes stay
      // buffered (a WskReceive can still take them) and the indication is
      // tried again shortly, as a stack out of buffers would.
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#maybeIndicate();
      }, LOW_RESOURCES_RETRY_MS);
      return;
    }
    const { head, mdls } = list;
    const chunks = this.#buffered.splice(0);
    const total = this.#bufferedBytes;
    this.#bufferedBytes = 0;
    const BytesAccepted = { value: total };
    const status = this.host.runEvent(
      WSK_EVENT_RECEIVE,
      () => callback(this.host.context, WSK_FLAG_AT_DISPATCH_LEVEL, head, total, BytesAccepted),
    );
    if (status === STATUS_PENDING) {
      (this.#retained ??= new Map()).set(head, { bytes: total, mdls });
      this.#retainedBytes += total;
      this.#resumeIfRoom();
      this.#maybeIndicate();
      return;
    }
    // Consumed, refused or partly accepted: the MDLs were only the view the
    // callback had; what it did not take is buffered again from the chunks.
    for (const Mdl of mdls) IoFreeMdl(Mdl);
    if (status === STATUS_DATA_NOT_ACCEPTED) {
      this.#buffered.unshift(...chunks);
      this.#bufferedBytes += total;
      this.#eventsSuspended = true;
    } else if (BytesAccepted.value < total) {
      // Partial accept: the rest waits for WskReceive; events pause until one completes.
      const rest = concatTail(chunks, Math.max(0, BytesAccepted.value));
      this.#buffered.unshift(rest);
      this.#bufferedBytes += rest.length;
      this.#eventsSuspended = true;
    }
    this.#resumeIfRoom();
    this.#maybeIndicate();
  }
}

/**
 * A WSK_DATA_INDICATION chain over `chunks`, one element (and MDL) per chunk,
 * or null when an MDL cannot be allocated (the ones already made are freed).
 */
function indicationList(chunks: Uint8Array[]): { head: WSK_DATA_INDICATION; mdls: MDL[] } | null {
  let head: WSK_DATA_INDICATION | null = null;
  const mdls: MDL[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) {
    const chunk = chunks[i]!;
    const Mdl = IoAllocateMdl(chunk, chunk.length, false, false, null);
    if (!Mdl) {
      for (const made of mdls) IoFreeMdl(made);
      return null;
    }
    MmBuildMdlForNonPagedPool(Mdl);
    mdls.push(Mdl);
    head = { Next: head, Buffer: { Mdl, Offset: 0, Length: chunk.length } };
  }
  return { head: head!, mdls };
}

/** The bytes of `chunks` after the first `skip`, as one array. */
function concatTail(chunks: Uint8Array[], skip: number): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(Math.max(0, total - skip));
  let at = 0, skipped = 0;
  for (const c of chunks) {
    const from = Math.min(c.length, Math.max(0, skip - skipped));
    skipped += from;
    out.set(c.subarray(from), at);
    at += c.length - from;
  }
  return out;
}
