// Copyright 2026 the wskemu authors. MIT license.
/**
 * System threads: PsCreateSystemThread runs a driver's start routine at
 * PASSIVE_LEVEL as its own strand of work (JavaScript has one thread: a
 * system thread is an async routine, and it gives way at each `await`, as a
 * Windows thread does at each wait). The thread object is a notification
 * event signalled when the routine returns or calls PsTerminateSystemThread,
 * so a driver's unload waits for it with ObReferenceObjectByHandle and
 * KeWaitForSingleObject, as on Windows. Threads still running at unload are
 * in the driver host's report.
 *
 * @module
 */
import { queueDpc } from "./completion_queue.ts";
import { KeInitializeEvent, KeSetEvent, KEVENT, NotificationEvent } from "./kevent.ts";
import {
  type NTSTATUS,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_HANDLE,
  STATUS_SUCCESS,
} from "./ntstatus.ts";
import { simulateLowResources } from "./verifier.ts";
import { kernelHandles, openHandle } from "./_handles.ts";
import { hooks } from "./_hooks.ts";
import { allocationSite } from "./_tracking.ts";
import { unhandledException } from "./_unhandled.ts";

/** `KSTART_ROUTINE`: a system thread's body; it may be async. */
export type KSTART_ROUTINE = (StartContext: unknown) => void | Promise<void>;

/**
 * A system thread object (`ETHREAD`): a notification event that is signalled
 * when the thread ends, with its exit status.
 *
 * @example Usage
 * ```ts
 * import { ETHREAD } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(new ETHREAD("Worker").StartRoutineName, "Worker");
 * ```
 */
export class ETHREAD extends KEVENT {
  /** The status the thread ended with (PsTerminateSystemThread's, or STATUS_SUCCESS). */
  ExitStatus: NTSTATUS = STATUS_SUCCESS;
  /** The start routine's name, for reports. */
  readonly StartRoutineName: string;
  /** Where the driver created it (`file:line`), when known. */
  readonly site: string | null;

  /**
   * A thread object; drivers get one from PsCreateSystemThread.
   *
   * @param StartRoutineName The start routine's name.
   * @param site Where it was created.
   */
  constructor(StartRoutineName: string, site: string | null = null) {
    super();
    KeInitializeEvent(this, NotificationEvent, false);
    this.StartRoutineName = StartRoutineName;
    this.site = site;
  }
}

/** What PsTerminateSystemThread throws to unwind the thread's routine. */
class ThreadTermination {
  constructor(readonly ExitStatus: NTSTATUS) {}
}

const running = new Set<ETHREAD>();

function finish(thread: ETHREAD, ExitStatus: NTSTATUS): void {
  thread.ExitStatus = ExitStatus;
  running.delete(thread);
  if (hooks.thread !== null) hooks.thread(thread, false);
  KeSetEvent(thread, 0, false);
}

/**
 * `PsCreateSystemThread`: starts `StartRoutine(StartContext)` as a system
 * thread, after the caller's synchronous code, and stores a kernel handle to
 * it in `ThreadHandle.value` (close it with ZwClose). An exception the
 * routine does not handle is bug check KMODE_EXCEPTION_NOT_HANDLED (0x1E);
 * a bug check it raises goes where bug checks from queued work go. Returns
 * STATUS_INSUFFICIENT_RESOURCES under Low Resources Simulation.
 *
 * @example A worker thread, and an unload that waits for it
 * ```ts
 * import {
 *   ETHREAD, KeWaitForSingleObject, ObDereferenceObject, ObReferenceObjectByHandle, PsCreateSystemThread,
 *   STATUS_SUCCESS, ZwClose, type HANDLE,
 * } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * let ran = false;
 * const Handle = { value: null as HANDLE | null };
 * PsCreateSystemThread(Handle, 0, null, null, null, async function Worker() {
 *   await Promise.resolve();
 *   ran = true;
 * }, null);
 * const Thread = { value: null as unknown };
 * ObReferenceObjectByHandle(Handle.value!, 0, null, 0, Thread, null);
 * ZwClose(Handle.value!);
 * await KeWaitForSingleObject(Thread.value as ETHREAD, 0, 0, false, null);
 * ObDereferenceObject(Thread.value);
 * assert.equal(ran, true);
 * ```
 */
export function PsCreateSystemThread(
  ThreadHandle: { value: number | null },
  DesiredAccess: number,
  ObjectAttributes: unknown,
  ProcessHandle: unknown,
  ClientId: unknown,
  StartRoutine: KSTART_ROUTINE,
  StartContext: unknown,
): NTSTATUS {
  void DesiredAccess, ObjectAttributes, ProcessHandle, ClientId;
  ThreadHandle.value = null;
  if (simulateLowResources("PsCreateSystemThread")) return STATUS_INSUFFICIENT_RESOURCES;
  const name = StartRoutine.name || "(anonymous)";
  const thread = new ETHREAD(name, allocationSite());
  running.add(thread);
  ThreadHandle.value = openHandle(thread);
  // A new thread runs once its creator gives way, as on a single processor.
  setTimeout(() => {
    if (hooks.thread !== null) hooks.thread(thread, true);
    Promise.resolve().then(() => StartRoutine(StartContext)).then(
      () => finish(thread, STATUS_SUCCESS),
      (error) => {
        if (error instanceof ThreadTermination) return finish(thread, error.ExitStatus);
        finish(thread, STATUS_SUCCESS);
        const bugCheck = unhandledException(error, `the system thread ${name}`);
        if (error instanceof Error && error.stack) bugCheck.stack = error.stack;
        queueDpc(function raiseSystemThreadBugCheck() {
          throw bugCheck;
        });
      },
    );
  }, 0);
  return STATUS_SUCCESS;
}

/**
 * `PsTerminateSystemThread`: ends the calling system thread with
 * `ExitStatus`. It unwinds the start routine (it throws, and the thread
 * runner catches it), so nothing after it runs.
 *
 * @example Usage
 * ```ts
 * import { ETHREAD, KeWaitForSingleObject, ObReferenceObjectByHandle, PsCreateSystemThread, PsTerminateSystemThread, STATUS_CANCELLED, ZwClose, type HANDLE } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Handle = { value: null as HANDLE | null };
 * PsCreateSystemThread(Handle, 0, null, null, null, () => PsTerminateSystemThread(STATUS_CANCELLED), null);
 * const Thread = { value: null as unknown };
 * ObReferenceObjectByHandle(Handle.value!, 0, null, 0, Thread, null);
 * ZwClose(Handle.value!);
 * await KeWaitForSingleObject(Thread.value as ETHREAD, 0, 0, false, null);
 * assert.equal((Thread.value as ETHREAD).ExitStatus, STATUS_CANCELLED);
 * ```
 */
export function PsTerminateSystemThread(ExitStatus: NTSTATUS): never {
  throw new ThreadTermination(ExitStatus);
}

/**
 * `ObReferenceObjectByHandle`: the object behind a kernel handle (a thread
 * object, or a registry key) in `Object.value`. STATUS_INVALID_HANDLE when the
 * handle is not open. References are not counted.
 *
 * @example Usage
 * ```ts
 * import { ObReferenceObjectByHandle, STATUS_INVALID_HANDLE } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(ObReferenceObjectByHandle(0x4, 0, null, 0, { value: null }, null), STATUS_INVALID_HANDLE);
 * ```
 */
export function ObReferenceObjectByHandle(
  Handle: number,
  DesiredAccess: number,
  ObjectType: unknown,
  AccessMode: number,
  Object: { value: unknown },
  HandleInformation: unknown,
): NTSTATUS {
  void DesiredAccess, ObjectType, AccessMode, HandleInformation;
  const object = kernelHandles.get(Handle);
  if (!object) return STATUS_INVALID_HANDLE;
  Object.value = object;
  return STATUS_SUCCESS;
}

/**
 * `ObDereferenceObject` (and `ObfDereferenceObject`): gives back a reference;
 * objects live as long as JavaScript holds them, so nothing happens.
 *
 * @example Usage
 * ```ts
 * import { ObDereferenceObject } from "@wskemu/wsk/irp";
 * ObDereferenceObject({});
 * ```
 */
export function ObDereferenceObject(Object: unknown): void {
  void Object;
}

/** `ObfDereferenceObject`: the function behind the ObDereferenceObject macro. */
export const ObfDereferenceObject: (Object: unknown) => void = ObDereferenceObject;

/**
 * System threads whose routine has not finished: what the unload report
 * lists as "system threads still running".
 *
 * @example Usage
 * ```ts
 * import { runningSystemThreads } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.ok(Array.isArray(runningSystemThreads()));
 * ```
 */
export function runningSystemThreads(): ETHREAD[] {
  return [...running];
}
