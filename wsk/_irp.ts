// Copyright 2026 the wskemu authors. MIT license.
// Internal: how the WSK subsystem takes, holds, cancels and completes a
// client's IRP. Every IRP a WSK call accepts goes through exactly one
// `PendingIrp`, which completes it exactly once through the completion queue.
import { IoReleaseCancelSpinLock, IoSetCancelRoutine } from "../irp/cancel.ts";
import { queueIrpCompletion } from "../irp/completion.ts";
import { IoMarkIrpPending, IoSetNextIrpStackLocation, type IRP } from "../irp/irp.ts";
import { type NTSTATUS, STATUS_CANCELLED, STATUS_PENDING } from "../irp/ntstatus.ts";

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
      // Cancelled before it reached us: the cancel routine was never called.
      if (Irp.Cancel && IoSetCancelRoutine(Irp, null) !== null) this.#cancelled();
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
