// Copyright 2026 the wskemu authors. MIT license.
// Internal: the receive side of a datagram socket. An arriving datagram goes,
// whole, to the oldest pending WskReceiveFrom (pending IRPs take precedence
// over the event). With none pending it is queued, within a bound sized by
// SO_RCVBUF as a real socket's receive buffer is, for WskReceiveFromEvent or a
// later WskReceiveFrom; past the bound it is dropped (tail drop), so a flood
// cannot grow memory without limit. Datagrams an indication hands to a client
// that retains them (STATUS_PENDING) stay charged to the same bound until
// WskRelease, as TCP charges retained indications. MSG_BCAST and MSG_MCAST are never
// reported: the transport does not see a datagram's destination address.
import { queueDpc } from "../irp/completion.ts";
import type { IRP } from "../irp/irp.ts";
import { IoAllocateMdl, IoFreeMdl, type MDL, MmBuildMdlForNonPagedPool } from "../irp/mdl.ts";
import {
  type NTSTATUS,
  STATUS_ACCESS_VIOLATION,
  STATUS_DATA_NOT_ACCEPTED,
  STATUS_INVALID_PARAMETER,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Datagram, Endpoint } from "../transport/types.ts";
import { SenderAddresses } from "./_datagram_address.ts";
import { chargeOf, DatagramFifo, type HeldDatagram } from "./_datagram_queue.ts";
import { ownCopy } from "./_datagram_slab.ts";
import { PendingIrp, type PendingList } from "./_irp.ts";
import { deferredWrite } from "./_guard.ts";
import type { SOCKADDR } from "./address.ts";
import { MSG_TRUNC, WSK_EVENT_RECEIVE_FROM, WSK_FLAG_AT_DISPATCH_LEVEL } from "./constants.ts";
import type { Box, PFN_WSK_RECEIVE_FROM_EVENT } from "./dispatch_types.ts";
import type { WSK_DATAGRAM_INDICATION } from "./structures.ts";

/** What the receive side needs from its socket. */
export interface DatagramHost {
  /** WskCloseSocket was called: no completion or callback may follow. */
  readonly closed: boolean;
  /** The socket's pending-IRP set. */
  readonly pending: PendingList;
  /** The socket context passed to callbacks. */
  readonly context: unknown;
  /** The socket's address family, for the SOCKADDRs it reports. */
  readonly family: number;
  /** Bytes the queue may hold (SO_RCVBUF), each datagram charged with its overhead. */
  readonly receiveLimit: number;
  /** The enabled WskReceiveFromEvent, or null. */
  receiveFromEvent(): PFN_WSK_RECEIVE_FROM_EVENT | null;
  /**
   * The callback returned STATUS_DATA_NOT_ACCEPTED. Returns true when it stays
   * enabled (static callbacks) and false when it was disabled.
   */
  eventRefused(): boolean;
  /** Runs a callback of event `bit`, marked as running (for STATUS_EVENT_PENDING). */
  runEvent<R>(bit: number, callback: () => R): R;
}

/** Counters a test or a verifier can read. */
export interface DatagramStats {
  /** Datagrams that reached the socket (after the fixed-remote-address filter). */
  received: number;
  /** Datagrams dropped because the queue was full (or an MDL could not be allocated). */
  dropped: number;
  /** Datagrams discarded because they did not come from the fixed remote address. */
  filtered: number;
}

interface ReceiveRequest {
  op: PendingIrp;
  segments: Uint8Array[];
  length: number;
  RemoteAddress: SOCKADDR | null;
  ControlLength: Box<number> | null;
  ControlFlags: Box<number> | null;
}

/** The receive state of one datagram socket. */
export class DatagramReceiver {
  /** Counters. */
  readonly stats: DatagramStats = { received: 0, dropped: 0, filtered: 0 };
  #requests: ReceiveRequest[] = [];
  /** Datagrams for the callback (or, if it never comes, for WskReceiveFrom). */
  #waiting = new DatagramFifo();
  /** Datagrams a static callback refused: they wait for WskReceiveFrom only. */
  #refused = new DatagramFifo();
  /** The receive-buffer charge of the queued datagrams. */
  #charged = 0;
  /** The charge of datagrams the client retains: they hold buffer room until WskRelease. */
  #retainedCharge = 0;
  #retained = new Map<WSK_DATAGRAM_INDICATION, { mdls: MDL[]; charge: number }>();
  #indicationQueued = false;
  readonly #senders: SenderAddresses;

  constructor(readonly host: DatagramHost) {
    this.#senders = new SenderAddresses(host.family);
  }

  /** Datagrams queued now. */
  get held(): number {
    return this.#waiting.length + this.#refused.length;
  }

  /** Receive-buffer bytes charged now (payload plus per-datagram overhead), retained ones included. */
  get heldBytes(): number {
    return this.#charged + this.#retainedCharge;
  }

  /** Indication lists retained by the client (STATUS_PENDING) and not yet released. */
  get retained(): number {
    return this.#retained.size;
  }

  /** WskReceiveFrom, after the socket's checks: takes a queued datagram or waits for one. */
  post(
    segments: Uint8Array[],
    length: number,
    RemoteAddress: SOCKADDR | null,
    ControlLength: Box<number> | null,
    ControlFlags: Box<number> | null,
    Irp: IRP,
  ): NTSTATUS {
    const request: ReceiveRequest = {
      op: new PendingIrp(Irp, this.host.pending, this.#forget),
      segments,
      length,
      RemoteAddress,
      ControlLength,
      ControlFlags,
    };
    const held = this.#take();
    if (held) this.#fill(request, held.data, held.from);
    else this.#requests.push(request);
    return STATUS_PENDING;
  }

  /** A cancelled WskReceiveFrom leaves the queue (one function for every IRP: no closure each). */
  #forget = (op: PendingIrp): void => {
    this.#requests = this.#requests.filter((r) => r.op !== op);
  };

  /**
   * A datagram from the transport; its bytes are only valid during this call.
   * Returns whether it completed a posted WskReceiveFrom.
   */
  arrived(datagram: Datagram): boolean {
    if (this.host.closed) return false;
    this.stats.received++;
    // Queued datagrams would have been taken by the receive when it was posted,
    // so a waiting receive means nothing older is queued.
    const request = this.#requests.shift();
    if (request) {
      this.#fill(request, datagram.data, datagram.from);
      return true;
    }
    // The endpoint is ours to keep (see Datagram); only the bytes are lent.
    const held = { data: ownCopy(datagram.data), from: datagram.from };
    if (!this.#admits(chargeOf(held))) {
      this.stats.dropped++;
      return false;
    }
    this.#charged += chargeOf(held);
    this.#waiting.push(held);
    this.#maybeIndicate();
    return false;
  }

  /** WskReceiveFromEvent was (re-)enabled: indicate what waits. */
  kick(): void {
    this.#maybeIndicate();
  }

  /** WskRelease of a list retained by returning STATUS_PENDING from WskReceiveFromEvent. */
  release(DatagramIndication: WSK_DATAGRAM_INDICATION | null): NTSTATUS {
    const retained = DatagramIndication ? this.#retained.get(DatagramIndication) : undefined;
    if (!retained || !DatagramIndication) return STATUS_INVALID_PARAMETER;
    this.#retained.delete(DatagramIndication);
    this.#retainedCharge -= retained.charge;
    for (const Mdl of retained.mdls) IoFreeMdl(Mdl);
    return STATUS_SUCCESS;
  }

  /** The socket closed: queued datagrams go. Retained lists stay until WskRelease, as documented. */
  close(): void {
    this.#requests = [];
    this.#waiting.clear();
    this.#refused.clear();
    this.#charged = 0;
  }

  /**
   * Within SO_RCVBUF, counting queued and retained datagrams, or the buffer
   * is empty: like Linux, one datagram always fits an empty buffer, except
   * with SO_RCVBUF 0 and no callback to take it (Windows then keeps nothing
   * no receive is waiting for). Past the bound a datagram is dropped, as a
   * full socket buffer drops it: a client that retains every indication
   * holds at most SO_RCVBUF.
   */
  #admits(charge: number): boolean {
    const limit = this.host.receiveLimit;
    const held = this.#charged + this.#retainedCharge;
    if (held + charge <= limit) return true;
    return held === 0 && (limit > 0 || this.host.receiveFromEvent() !== null);
  }

  #take(): HeldDatagram | undefined {
    const held = this.#refused.shift() ?? this.#waiting.shift();
    if (held) this.#charged -= chargeOf(held);
    return held;
  }

  /** Completes `request` with one whole datagram; the rest of a larger one is lost (MSG_TRUNC). */
  #fill(request: ReceiveRequest, data: Uint8Array, from: Endpoint): void {
    const { segments } = request;
    let copied = 0;
    if (segments.length === 1 && data.length <= segments[0]!.length) {
      // The common receive: one buffer the datagram fits, no view to make.
      segments[0]!.set(data);
      copied = data.length;
    } else {
      for (const segment of segments) {
        if (copied >= data.length) break;
        const n = Math.min(segment.length, data.length - copied);
        segment.set(data.subarray(copied, copied + n));
        copied += n;
      }
    }
    const { RemoteAddress, ControlLength, ControlFlags } = request;
    // Nothing to write (a common receive) costs no closure.
    const written = (!RemoteAddress && !ControlLength && !ControlFlags) ||
      deferredWrite("WskReceiveFrom", () => {
        if (RemoteAddress) this.#senders.fill(RemoteAddress, from);
        // No control data is emulated (no IP_PKTINFO and the like).
        if (ControlLength) ControlLength.value = 0;
        if (ControlFlags) ControlFlags.value = data.length > request.length ? MSG_TRUNC : 0;
      });
    if (written) request.op.complete(STATUS_SUCCESS, copied);
    else request.op.complete(STATUS_ACCESS_VIOLATION);
  }

  /** Schedules one WskReceiveFromEvent for everything waiting, if the callback is enabled. */
  #maybeIndicate(): void {
    if (this.#indicationQueued || this.#waiting.length === 0) return;
    if (!this.host.receiveFromEvent()) return;
    this.#indicationQueued = true;
    queueDpc(this.#indicate);
  }

  /** The DPC that indicates what waits (one function per socket: no closure per indication). */
  #indicate = (): void => {
    this.#indicationQueued = false;
    if (this.host.closed || this.#requests.length > 0) return;
    const callback = this.host.receiveFromEvent();
    if (!callback || this.#waiting.length === 0) return;
    const batch = this.#waiting.takeAll();
    for (const datagram of batch) this.#charged -= chargeOf(datagram);
    const list = indicationList(batch, this.#senders);
    this.stats.dropped += batch.length - list.indicated.length;
    if (!list.head) return;
    const head = list.head;
    const status = this.host.runEvent(
      WSK_EVENT_RECEIVE_FROM,
      () => callback(this.host.context, WSK_FLAG_AT_DISPATCH_LEVEL, head),
    );
    if (status === STATUS_PENDING) {
      const charge = list.indicated.reduce((sum, datagram) => sum + chargeOf(datagram), 0);
      this.#retained.set(list.head, { mdls: list.mdls, charge });
      this.#retainedCharge += charge;
      return;
    }
    for (const Mdl of list.mdls) IoFreeMdl(Mdl);
    if (status === STATUS_DATA_NOT_ACCEPTED) this.#putBack(list.indicated);
  };

  /** STATUS_DATA_NOT_ACCEPTED: the transport keeps the datagrams (they were already charged). */
  #putBack(datagrams: HeldDatagram[]): void {
    for (const datagram of datagrams) this.#charged += chargeOf(datagram);
    if (this.host.eventRefused()) {
      // A static callback stays enabled and is called for new datagrams only.
      for (const datagram of datagrams) this.#refused.push(datagram);
    } else {
      // Disabled: they are indicated again once the callback is re-enabled.
      this.#waiting.unshiftAll(datagrams);
    }
  }
}

interface IndicationList {
  head: WSK_DATAGRAM_INDICATION | null;
  mdls: MDL[];
  indicated: HeldDatagram[];
}

/**
 * A WSK_DATAGRAM_INDICATION chain over `datagrams`, each with its own MDL. A
 * datagram whose MDL cannot be allocated (low resources) is dropped, as a
 * stack out of buffers drops it.
 */
function indicationList(datagrams: HeldDatagram[], senders: SenderAddresses): IndicationList {
  const mdls: MDL[] = [];
  let head: WSK_DATAGRAM_INDICATION | null = null, tail: WSK_DATAGRAM_INDICATION | null = null;
  // `datagrams` itself, unless one has to be dropped.
  let indicated = datagrams;
  for (let i = 0; i < datagrams.length; i++) {
    const datagram = datagrams[i]!;
    const Mdl = IoAllocateMdl(datagram.data, datagram.data.length, false, false, null);
    if (!Mdl) {
      if (indicated === datagrams) indicated = datagrams.slice(0, i);
      continue;
    }
    MmBuildMdlForNonPagedPool(Mdl);
    const RemoteAddress: SOCKADDR = {};
    senders.fill(RemoteAddress, datagram.from);
    const element: WSK_DATAGRAM_INDICATION = {
      Next: null,
      Buffer: { Mdl, Offset: 0, Length: datagram.data.length },
      ControlInfo: null,
      ControlInfoLength: 0,
      RemoteAddress,
    };
    if (tail) tail.Next = element;
    else head = element;
    tail = element;
    mdls.push(Mdl);
    if (indicated !== datagrams) indicated.push(datagram);
  }
  return { head, mdls, indicated };
}
