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
import { IO_TYPE_IRP, IoMarkIrpPending, IoSetNextIrpStackLocation, IRP } from "../irp/irp.ts";
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

/**
 * A taken IRP waiting for the transport. It can be cancelled by the client
 * (IoCancelIrp) or by WskCloseSocket, and completes exactly once either way.
 */
export class PendingIrp {
  /** True once completed or cancelled: nothing may touch the IRP after that. */
  done = false;
  #owner: Set<PendingIrp> | null;
  #onCancel: ((op: PendingIrp) => void) | null;

  /**
   * Takes `Irp` and registers it in `owner` (the socket's set of pending IRPs).
   * `onCancel` runs when the client cancels it, before it completes with
   * STATUS_CANCELLED: it must forget the request (and give back any bytes).
   * When `cancelable` is false, IoCancelIrp has no effect, as for requests
   * that Windows does not document as cancelable.
   */
  constructor(
    readonly Irp: IRP,
    owner: Set<PendingIrp> | null,
    onCancel: ((op: PendingIrp) => void) | null = null,
    cancelable = true,
  ) {
    takeIrp(Irp);
    this.#owner = owner;
    this.#onCancel = onCancel;
    owner?.add(this);
    if (cancelable) {
      IoSetCancelRoutine(Irp, (_DeviceObject, CancelledIrp) => {
        IoReleaseCancelSpinLock(CancelledIrp.CancelIrql);
        this.#cancelled();
      });
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
  }
}
