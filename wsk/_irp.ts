// Copyright 2026 the wskemu authors. MIT license.
// Internal: how the WSK subsystem takes, holds, cancels and completes a
// client's IRP. Every IRP a WSK call accepts goes through exactly one
// `PendingIrp`, which completes it exactly once through the completion queue.
import {
  DRIVER_VERIFIER_IOMANAGER_VIOLATION,
  formatAddress,
  KeBugCheckEx,
  NO_MORE_IRP_STACK_LOCATIONS,
  objectAddress,
} from "../irp/bugcheck.ts";
import { IoReleaseCancelSpinLock, IoSetCancelRoutine } from "../irp/cancel.ts";
import { queueIrpCompletion } from "../irp/completion.ts";
import {
  type DRIVER_CANCEL,
  IO_TYPE_IRP,
  IoMarkIrpPending,
  IoSetNextIrpStackLocation,
  IRP,
} from "../irp/irp.ts";
import { type NTSTATUS, STATUS_CANCELLED, STATUS_PENDING } from "../irp/ntstatus.ts";

/**
 * What the provider checks on a caller's IRP before it does anything else, as
 * IoCallDriver does: that it is a live IRP (else DRIVER_VERIFIER_IOMANAGER_VIOLATION
 * 0xC9, P1 = 0x03, the code IoCallDriver gives a freed IRP) with a stack
 * location left for the provider (else NO_MORE_IRP_STACK_LOCATIONS, 0x35: an
 * IRP allocated with none, or still in flight). It changes nothing, so a call
 * that bug checks here has created nothing (no socket, no lookup) to leak.
 */
export function checkIrp(Irp: IRP): void {
  if (Irp instanceof IRP && Irp.Type === IO_TYPE_IRP && Irp.CurrentLocation - 1 >= 1) return;
  // Only a call that bug checks pays for the address.
  const address = typeof Irp === "object" ? objectAddress(Irp) : 0;
  if (!(Irp instanceof IRP) || Irp.Type !== IO_TYPE_IRP) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x03,
      0,
      address,
      0,
      `a WSK call was given ${formatAddress(address)} as its IRP, which is not a live IRP ` +
        "(freed already?)",
    );
  }
  if (Irp.CurrentLocation - 1 < 1) {
    KeBugCheckEx(
      NO_MORE_IRP_STACK_LOCATIONS,
      address,
      0,
      0,
      0,
      `a WSK call was given IRP ${formatAddress(address)} with no stack location left for the ` +
        `provider (StackCount ${Irp.StackCount}, CurrentLocation ${Irp.CurrentLocation}): ` +
        "allocated with none, or still in flight",
    );
  }
}

/**
 * Takes ownership of a caller's IRP: the provider's own stack location (the
 * one IoSetCompletionRoutine wrote) becomes current, and the IRP is marked
 * pending, as a lower driver does before returning STATUS_PENDING. An IRP with
 * no location left (still in flight, or allocated with none) bug checks here.
 */
export function takeIrp(Irp: IRP): void {
  IoSetNextIrpStackLocation(Irp);
  IoMarkIrpPending(Irp);
}

/** Takes the IRP and completes it with `Status` at once (through the queue); returns STATUS_PENDING. */
export function failIrp(Irp: IRP, Status: NTSTATUS): NTSTATUS {
  takeIrp(Irp);
  queueIrpCompletion(Irp, Status, 0);
  return STATUS_PENDING;
}

/** Takes the IRP and completes it with success and `Information`; returns STATUS_PENDING. */
export function succeedIrp(Irp: IRP, Information: number | object = 0): NTSTATUS {
  takeIrp(Irp);
  queueIrpCompletion(Irp, 0, Information);
  return STATUS_PENDING;
}

/** Where a PendingIrp registers itself while it is pending: a socket's {@linkcode PendingList}, or a Set. */
export interface PendingOwner {
  /** Registers `op`. */
  add(op: PendingIrp): unknown;
  /** Forgets `op`. */
  delete(op: PendingIrp): unknown;
}

/**
 * A socket's pending IRPs in posting order: a list threaded through the
 * PendingIrps themselves, so that registering and forgetting one (twice per
 * IRP) allocates nothing and hashes nothing.
 */
export class PendingList implements PendingOwner, Iterable<PendingIrp> {
  #head: PendingIrp | null = null;
  #tail: PendingIrp | null = null;
  #size = 0;

  /** How many are pending. */
  get size(): number {
    return this.#size;
  }

  add(op: PendingIrp): void {
    op.listPrevious = this.#tail;
    op.listNext = null;
    if (this.#tail !== null) this.#tail.listNext = op;
    else this.#head = op;
    this.#tail = op;
    this.#size++;
  }

  delete(op: PendingIrp): void {
    const previous = op.listPrevious, next = op.listNext;
    if (previous !== null) previous.listNext = next;
    else if (this.#head === op) this.#head = next;
    else return; // not in this list
    if (next !== null) next.listPrevious = previous;
    else this.#tail = previous;
    op.listPrevious = op.listNext = null;
    this.#size--;
  }

  /** The pending IRPs as they are now, oldest first (completing them while iterating is safe). */
  [Symbol.iterator](): Iterator<PendingIrp> {
    const all: PendingIrp[] = [];
    for (let op = this.#head; op !== null; op = op.listNext) all.push(op);
    return all[Symbol.iterator]();
  }
}

/** Where an IRP points to the PendingIrp that holds it, for the one shared cancel routine. */
const HOLDER = Symbol("wskemu.pendingIrp");
type Held = { [HOLDER]?: PendingIrp | null };

/**
 * A taken IRP waiting for the transport. It can be cancelled by the client
 * (IoCancelIrp) or by WskCloseSocket, and completes exactly once either way.
 */
export class PendingIrp {
  /** True once completed or cancelled: nothing may touch the IRP after that. */
  done = false;
  /** Internal: the neighbours in the owner's {@linkcode PendingList}. */
  listPrevious: PendingIrp | null = null;
  /** Internal: see {@linkcode PendingIrp.listPrevious}. */
  listNext: PendingIrp | null = null;
  #owner: PendingOwner | null;
  #onCancel: ((op: PendingIrp) => void) | null;

  /** The cancel routine of every pending IRP: one function, no closure per IRP. */
  static readonly #cancelRoutine: DRIVER_CANCEL = function WskCancelRoutine(_DeviceObject, Irp) {
    IoReleaseCancelSpinLock(Irp.CancelIrql);
    const op = (Irp as Held)[HOLDER];
    if (op) op.#cancelled();
  };

  /**
   * Takes `Irp` and registers it in `owner` (the socket's set of pending IRPs).
   * `onCancel` runs when the client cancels it, before it completes with
   * STATUS_CANCELLED: it must forget the request (and give back any bytes).
   * When `cancelable` is false, IoCancelIrp has no effect, as for requests
   * that Windows does not document as cancelable.
   */
  constructor(
    readonly Irp: IRP,
    owner: PendingOwner | null,
    onCancel: ((op: PendingIrp) => void) | null = null,
    cancelable = true,
  ) {
    takeIrp(Irp);
    this.#owner = owner;
    this.#onCancel = onCancel;
    owner?.add(this);
    if (cancelable) {
      (Irp as Held)[HOLDER] = this;
      IoSetCancelRoutine(Irp, PendingIrp.#cancelRoutine);
      // Cancelled before it reached us: the cancel routine was never called. It
      // is cancelled once the call has registered its request (a microtask
      // later), so the cancel hook finds it: cancelling it now would leave a
      // finished request queued, which could swallow an accepted socket or
      // received bytes. A request served before then simply completes.
      if (Irp.Cancel && IoSetCancelRoutine(Irp, null) !== null) {
        queueMicrotask(() => this.#cancelled());
      }
    }
  }

  /**
   * Completes the IRP with `Status` and `Information`, unless it was already
   * completed or its cancel routine owns it. Returns whether it completed it.
   */
  complete(Status: NTSTATUS, Information: number | object = 0): boolean {
    if (this.done) return false;
    IoSetCancelRoutine(this.Irp, null);
    this.#finish();
    queueIrpCompletion(this.Irp, Status, Information);
    return true;
  }

  /** WskCloseSocket: complete with STATUS_CANCELLED, running the cancel hook. */
  cancel(): void {
    if (this.done) return;
    IoSetCancelRoutine(this.Irp, null);
    this.#cancelled();
  }

  #cancelled(): void {
    if (this.done) return;
    this.#finish();
    this.#onCancel?.(this);
    queueIrpCompletion(this.Irp, STATUS_CANCELLED, 0);
  }

  #finish(): void {
    this.done = true;
    this.#owner?.delete(this);
    this.#owner = null;
    // The IRP goes back to its owner: it keeps nothing of ours alive.
    const Irp = this.Irp as Held;
    if (Irp[HOLDER] === this) Irp[HOLDER] = null;
  }
}
