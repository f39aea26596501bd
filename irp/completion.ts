// Copyright 2026 the wskemu authors. MIT license.
/**
 * IoCompleteRequest: how a finished IRP travels back up its stack, calling
 * each driver's completion routine, and the bug checks Windows raises when a
 * driver gets completion wrong.
 *
 * @module
 */
import {
  DRIVER_IRQL_NOT_LESS_OR_EQUAL,
  DRIVER_VERIFIER_IOMANAGER_VIOLATION,
  formatAddress,
  KeBugCheckEx,
  MULTIPLE_IRP_COMPLETE_REQUESTS,
  objectAddress,
} from "./bugcheck.ts";
import { queueWork } from "./completion_queue.ts";
import {
  IO_NETWORK_INCREMENT,
  IO_TYPE_IRP,
  IoFreeIrp,
  IoMarkIrpPending,
  IRP,
  SL_INVOKE_ON_CANCEL,
  SL_INVOKE_ON_ERROR,
  SL_INVOKE_ON_SUCCESS,
  SL_PENDING_RETURNED,
} from "./irp.ts";
import { callAtDispatchLevel, DISPATCH_LEVEL, KeGetCurrentIrql } from "./irql.ts";
import { KeSetEvent } from "./kevent.ts";
import {
  formatNtStatus,
  NT_SUCCESS,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_PENDING,
} from "./ntstatus.ts";
import { clearLocation } from "./_location.ts";
import { irpState } from "./_irp_state.ts";
import { hooks } from "./_hooks.ts";

export { completionQueueIdle, nextBugCheck, onBugCheck, queueDpc } from "./completion_queue.ts";

function describe(Irp: IRP): string {
  return `IRP ${formatAddress(objectAddress(Irp))}`;
}

/** What IopfCompleteRequest checks before it walks the stack. */
function checkCompletable(Irp: IRP): void {
  if (!(Irp instanceof IRP) || Irp.Type !== IO_TYPE_IRP || irpState(Irp).freed) {
    KeBugCheckEx(
      MULTIPLE_IRP_COMPLETE_REQUESTS,
      objectAddress(Irp),
      0,
      0,
      0,
      `IoCompleteRequest on ${describe(Irp)}, which was already completed and freed`,
    );
  }
  if (Irp.CurrentLocation > Irp.StackCount) {
    const why = irpState(Irp).completed
      ? "that is already complete"
      : "that no driver owns (it was never passed down with IoCallDriver or IoSetNextIrpStackLocation)";
    KeBugCheckEx(
      MULTIPLE_IRP_COMPLETE_REQUESTS,
      objectAddress(Irp),
      0,
      0,
      0,
      `IoCompleteRequest on an IRP ${why} (${describe(Irp)})`,
    );
  }
  const irql = KeGetCurrentIrql();
  if (irql > DISPATCH_LEVEL) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x0E,
      irql,
      objectAddress(Irp),
      0,
      `IoCompleteRequest at IRQL ${irql}, above DISPATCH_LEVEL (${describe(Irp)})`,
    );
  }
  const Status = Irp.IoStatus.Status >>> 0;
  if (Status === STATUS_PENDING || Status === 0xFFFFFFFF) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x06,
      Status,
      objectAddress(Irp),
      0,
      `IoCompleteRequest with IoStatus.Status ${formatNtStatus(Status)}, which is not a final ` +
        `status (${describe(Irp)})`,
    );
  }
  if (Irp.CancelRoutine !== null) {
    KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x07,
      objectAddress(Irp.CancelRoutine),
      objectAddress(Irp),
      0,
      `IoCompleteRequest while the cancel routine ${Irp.CancelRoutine.name || "(anonymous)"} ` +
        `is still set: clear it with IoSetCancelRoutine(Irp, null) first (${describe(Irp)})`,
    );
  }
}

/** How a bug check names a completion routine. */
function routineName(routine: { name: string }): string {
  return `the completion routine ${routine.name || "(anonymous)"}`;
}

/**
 * Completes an IRP, as `IoCompleteRequest`: the driver that owns it is done.
 * Set `Irp.IoStatus` first. The stack is walked from the completing driver's
 * location up; at each level the location is popped, `Irp.PendingReturned` is
 * set from it, and its completion routine (if any) runs at DISPATCH_LEVEL when
 * its InvokeOn* flag matches the current status (NT_SUCCESS, re-read at every
 * level) or `Irp.Cancel`. A routine returning STATUS_MORE_PROCESSING_REQUIRED
 * stops the walk at once: the IRP is its owner's again. Levels without a
 * routine pass PendingReturned up with IoMarkIrpPending.
 *
 * At the top, a thread IRP (IoBuild*Request) has its status copied to
 * `UserIosb`, its `UserEvent` signalled and is freed. An IRP from IoAllocateIrp
 * has no thread to return to: if its top routine did not return
 * STATUS_MORE_PROCESSING_REQUIRED, Windows crashes, and so does this
 * (DRIVER_IRQL_NOT_LESS_OR_EQUAL, 0xD1).
 *
 * Other bug checks: MULTIPLE_IRP_COMPLETE_REQUESTS (0x44) when no driver owns
 * the IRP (completed twice, never sent, freed); DRIVER_VERIFIER_IOMANAGER_VIOLATION
 * (0xC9) with P1 = 0x06 for a STATUS_PENDING (or 0xFFFFFFFF) status, 0x07 with a
 * cancel routine still set, 0x0E above DISPATCH_LEVEL, and 0x228 when a routine
 * below the top ignores PendingReturned (must call IoMarkIrpPending).
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoCompleteRequest, IoFreeIrp, IoSetCompletionRoutine, IoSetNextIrpStackLocation, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS, BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetCompletionRoutine(Irp, () => STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
 * IoSetNextIrpStackLocation(Irp); // a lower driver takes it
 * Irp.IoStatus.Status = STATUS_SUCCESS;
 * IoCompleteRequest(Irp, 0);
 * assert.throws(
 *   () => IoCompleteRequest(Irp, 0),
 *   (e) => e instanceof BugCheckError && e.BugCheckCode === 0x44,
 * );
 * IoFreeIrp(Irp);
 * ```
 */
export function IoCompleteRequest(Irp: IRP, PriorityBoost: number): void {
  checkCompletable(Irp);
  if (hooks.complete !== null) hooks.complete(Irp);
  const state = irpState(Irp);
  let topRoutine: object | null = null;
  while (Irp.CurrentLocation <= Irp.StackCount) {
    const IrpSp = Irp.Stack[Irp.CurrentLocation - 1];
    Irp.CurrentLocation++;
    Irp.PendingReturned = (IrpSp.Control & SL_PENDING_RETURNED) !== 0;
    const Status = Irp.IoStatus.Status;
    const invoke = (NT_SUCCESS(Status) && (IrpSp.Control & SL_INVOKE_ON_SUCCESS) !== 0) ||
      (!NT_SUCCESS(Status) && (IrpSp.Control & SL_INVOKE_ON_ERROR) !== 0) ||
      (Irp.Cancel && (IrpSp.Control & SL_INVOKE_ON_CANCEL) !== 0);
    const routine = IrpSp.CompletionRoutine;
    const Context = IrpSp.Context;
    clearLocation(IrpSp);
    const atTop = Irp.CurrentLocation > Irp.StackCount;
    if (invoke && routine !== null) {
      if (atTop) topRoutine = routine;
      const DeviceObject = atTop ? null : Irp.Stack[Irp.CurrentLocation - 1].DeviceObject;
      const result = callAtDispatchLevel(routine, routineName, DeviceObject, Irp, Context);
      if (result === STATUS_MORE_PROCESSING_REQUIRED) {
        // Kept at the top, unless the routine already reused and resent it.
        if (!state.freed && Irp.CurrentLocation > Irp.StackCount) state.completed = true;
        return;
      }
      if (state.freed) {
        KeBugCheckEx(
          DRIVER_IRQL_NOT_LESS_OR_EQUAL,
          0,
          DISPATCH_LEVEL,
          0,
          objectAddress(routine),
          `${routineName(routine)} freed ${describe(Irp)} but returned ${
            formatNtStatus(result)
          }: a routine ` +
            "that frees the IRP must return STATUS_MORE_PROCESSING_REQUIRED",
        );
      }
      // The routine's own driver now owns the IRP; if the level below pended,
      // that driver must pend too, or its caller never learns to wait.
      const owner = atTop ? null : Irp.Stack[Irp.CurrentLocation - 1];
      if (owner !== null && Irp.PendingReturned && (owner.Control & SL_PENDING_RETURNED) === 0) {
        KeBugCheckEx(
          DRIVER_VERIFIER_IOMANAGER_VIOLATION,
          0x228,
          objectAddress(routine),
          objectAddress(Irp),
          0,
          `${routineName(routine)} saw Irp.PendingReturned but did not call IoMarkIrpPending ` +
            `(${describe(Irp)})`,
        );
      }
    } else if (Irp.PendingReturned && !atTop) {
      IoMarkIrpPending(Irp);
    }
  }
  state.completed = true;
  if (Irp.Tail.Overlay.Thread === null) {
    KeBugCheckEx(
      DRIVER_IRQL_NOT_LESS_OR_EQUAL,
      0,
      DISPATCH_LEVEL,
      0,
      objectAddress(topRoutine),
      `${describe(Irp)} has no thread (it came from IoAllocateIrp) and completed to the top: ` +
        "the top completion routine of an IoAllocateIrp IRP must return " +
        "STATUS_MORE_PROCESSING_REQUIRED (and free or reuse the IRP)",
    );
  }
  // A thread IRP goes back to its thread: the I/O manager finishes and frees it.
  if (Irp.UserIosb !== null) {
    Irp.UserIosb.Status = Irp.IoStatus.Status;
    Irp.UserIosb.Information = Irp.IoStatus.Information;
  }
  const Event = Irp.UserEvent;
  state.threadQueued = false;
  IoFreeIrp(Irp);
  if (Event !== null) KeSetEvent(Event, PriorityBoost, false);
}

/**
 * Queues an IRP completion, the provider's way to complete "later". When its
 * turn comes in the completion queue, at DISPATCH_LEVEL:
 * `Irp.IoStatus.Status = Status`, `Irp.IoStatus.Information = Information`,
 * then `IoCompleteRequest(Irp, IO_NETWORK_INCREMENT)`; a bug check there is
 * raised as for `queueDpc`. The provider must own a stack location of the IRP
 * (IoSetNextIrpStackLocation when it took it, as IoCallDriver would have).
 *
 * @example Usage
 * ```ts
 * import { completionQueueIdle, IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine, IoSetNextIrpStackLocation, queueIrpCompletion, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * let information: unknown;
 * IoSetCompletionRoutine(Irp, (_DeviceObject, Irp) => {
 *   information = Irp.IoStatus.Information;
 *   IoFreeIrp(Irp);
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, null, true, true, true);
 * IoSetNextIrpStackLocation(Irp); // the provider takes the IRP
 * queueIrpCompletion(Irp, STATUS_SUCCESS, 42);
 * assert.equal(information, undefined); // not yet: it runs after this call returns
 * await completionQueueIdle();
 * assert.equal(information, 42);
 * ```
 */
export function queueIrpCompletion(
  Irp: IRP,
  Status: NTSTATUS,
  Information: number | object,
): void {
  queueWork(completeIrp, Irp, Status, Information);
}

/** A queued completion's turn: at DISPATCH_LEVEL, as the DPC that completes it on Windows. */
function completeIrp(Irp: IRP, Status: NTSTATUS, Information: number | object): void {
  callAtDispatchLevel(
    setStatusAndComplete,
    "the DPC routine completeIrp",
    Irp,
    Status,
    Information,
  );
}

function setStatusAndComplete(Irp: IRP, Status: NTSTATUS, Information: number | object): void {
  Irp.IoStatus.Status = Status;
  Irp.IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NETWORK_INCREMENT);
}
