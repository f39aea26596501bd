// Copyright 2026 the wskemu authors. MIT license.
/**
 * The Windows I/O manager, in user mode: IRPs and their stack locations,
 * completion routines, cancellation, kernel events, pool memory and MDLs, with
 * the bug checks Windows raises when a driver breaks the rules. WDK names keep
 * their WDK spelling and parameter order; this library's own helpers are
 * camelCase. Completions a provider defers run from one FIFO completion queue
 * at emulated DISPATCH_LEVEL.
 *
 * ```ts
 * import {
 *   completionQueueIdle,
 *   IoAllocateIrp,
 *   IoFreeIrp,
 *   IoSetCompletionRoutine,
 *   IoSetNextIrpStackLocation,
 *   KEVENT,
 *   KeInitializeEvent,
 *   KeSetEvent,
 *   KeWaitForSingleObject,
 *   Executive,
 *   KernelMode,
 *   NotificationEvent,
 *   queueIrpCompletion,
 *   STATUS_MORE_PROCESSING_REQUIRED,
 *   STATUS_SUCCESS,
 * } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * // A client allocates an IRP and waits for a (pretend) provider to complete it.
 * const Event = new KEVENT();
 * KeInitializeEvent(Event, NotificationEvent, false);
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetCompletionRoutine(Irp, (_DeviceObject, _Irp, Context) => {
 *   KeSetEvent(Context as KEVENT, 0, false);
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, Event, true, true, true);
 *
 * IoSetNextIrpStackLocation(Irp); // the provider takes the IRP...
 * queueIrpCompletion(Irp, STATUS_SUCCESS, 5); // ...and completes it later
 *
 * await KeWaitForSingleObject(Event, Executive, KernelMode, false, null);
 * assert.equal(Irp.IoStatus.Information, 5);
 * IoFreeIrp(Irp);
 * await completionQueueIdle();
 * ```
 *
 * @module
 */
export * from "./ntstatus.ts";
export * from "./bugcheck.ts";
export * from "./irql.ts";
export * from "./verifier.ts";
export * from "./kevent.ts";
export * from "./pool.ts";
export * from "./irp.ts";
export * from "./thread_irp.ts";
export * from "./mdl.ts";
export * from "./device.ts";
export * from "./completion.ts";
export * from "./cancel.ts";
export * from "./registry.ts";
export * from "./registry_query.ts";
export * from "./ioctl.ts";
export * from "./symbolic_link.ts";
export * from "./dump.ts";
export * from "./spin_lock.ts";
export * from "./system_thread.ts";
