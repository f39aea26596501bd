// Copyright 2026 the wskemu authors. MIT license.
// Internal: the kernel routines C drivers import (module "env") and the C
// runtime's private imports (module "wskemu") other than WSK: IRQL, events and
// waits, threads and objects, time, IRPs, debug output and bug checks.
import { BugCheckError, IRQL_NOT_LESS_OR_EQUAL, KeBugCheckEx } from "../../irp/bugcheck.ts";
import { IoAcquireCancelSpinLock, IoReleaseCancelSpinLock } from "../../irp/cancel.ts";
import { DISPATCH_LEVEL, KeGetCurrentIrql, KeLowerIrql, KeRaiseIrql } from "../../irp/irql.ts";
import { KeSetEvent, KEVENT, KeWaitForSingleObject, NotificationEvent } from "../../irp/kevent.ts";
import {
  STATUS_INVALID_HANDLE,
  STATUS_PENDING,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
} from "../../irp/ntstatus.ts";
import { simulateLowResources } from "../../irp/verifier.ts";
import { ZwClose as closeKernelHandle } from "../../irp/registry.ts";
import { openHandle } from "../../irp/_handles.ts";
import { queueDpc } from "../../irp/completion.ts";
import { formatC } from "./_format.ts";
import { type ExecContext, ThreadExit } from "./_machine.ts";
import type { HostParts } from "./_parts.ts";

const THREAD_OBJECT = 6;
const TIMER_NOTIFICATION_OBJECT = 8;
const TIMER_SYNCHRONIZATION_OBJECT = 9;

/** A dispatcher object's type as a wskemu event type: threads and notification timers notify. */
function eventType(type: number): number {
  if (type === THREAD_OBJECT || type === TIMER_NOTIFICATION_OBJECT) return NotificationEvent;
  return type === TIMER_SYNCHRONIZATION_OBJECT ? 1 : type;
}
const EPOCH_1601_TO_1970_MS = 11_644_473_600_000;

/** A system thread started by PsCreateSystemThread. */
export interface CThread {
  readonly kthread: number;
  readonly id: number;
  readonly name: string;
  context: ExecContext | null;
  handleOpen: boolean;
  references: number;
  ended: boolean;
}

/** What the kernel imports share with the rest of the host. */
export interface KernelDeps extends HostParts {
  print(text: string): void;
}

/** The kernel's objects that outlive one call: event twins, threads, handles. */
export class Kernel {
  private readonly events = new Map<number, KEVENT>();
  readonly threads = new Map<number, CThread>();
  /** Thread handles (numbers from the kernel handle table, which registry keys share). */
  private readonly handles = new Map<number, CThread>();
  private nextThreadId = 0x100;
  private line = "";
  /** Timers set and not yet expired or cancelled: the pending host timer. */
  readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  /** Work items allocated and not freed. */
  readonly workItems = new Set<number>();

  constructor(private readonly d: KernelDeps) {}

  /** DbgPrint output, a line at a time. */
  output(text: string): void {
    this.line += text;
    let nl: number;
    while ((nl = this.line.indexOf("\n")) >= 0) {
      this.d.print(this.line.slice(0, nl));
      this.line = this.line.slice(nl + 1);
    }
  }

  /** The wskemu KEVENT twin of a C dispatcher object, brought up to date with C memory. */
  private twin(address: number): KEVENT {
    const { mem } = this.d;
    let Event = this.events.get(address);
    if (!Event) {
      Event = new KEVENT();
      this.events.set(address, Event);
    }
    const type = mem.byte(address + mem.off("KEVENT.Header.Type"));
    Event.Header.Type = eventType(type);
    Event.Header.SignalState = mem.i32(address + mem.off("KEVENT.Header.SignalState"));
    return Event;
  }

  private writeBack(address: number, Event: KEVENT): void {
    this.d.mem.setU32(
      address + this.d.mem.off("KEVENT.Header.SignalState"),
      Event.Header.SignalState,
    );
  }

  private signal(address: number): number {
    const Event = this.twin(address);
    const previous = KeSetEvent(Event, 0, false);
    this.writeBack(address, Event);
    if (this.multiWaiters.size) this.wakeMultiWaiters();
    return previous;
  }

  /** Threads in KeWaitForMultipleObjects: checked again whenever an object is signalled. */
  private readonly multiWaiters = new Set<
    { satisfied(): number | null; resolve(status: number): void }
  >();

  private wakeMultiWaiters(): void {
    for (const waiter of [...this.multiWaiters]) {
      const status = waiter.satisfied();
      if (status !== null) {
        this.multiWaiters.delete(waiter);
        waiter.resolve(status);
      }
    }
  }

  /**
   * Whether a multiple wait is satisfied now (consuming synchronization objects as Windows does):
   * STATUS_WAIT_0 + index for WaitAny, STATUS_SUCCESS for WaitAll, null when not yet.
   */
  private multipleSatisfied(Count: number, Objects: number, WaitAll: number): number | null {
    const { mem } = this.d;
    const objects = Array.from({ length: Count }, (_, i) => mem.u32(Objects + 4 * i));
    const state = (o: number) => o + mem.off("KEVENT.Header.SignalState");
    const consume = (o: number) => {
      if (eventType(mem.byte(o + mem.off("KEVENT.Header.Type"))) === 1) mem.setU32(state(o), 0);
    };
    if (WaitAll) {
      if (!objects.every((o) => mem.i32(state(o)) !== 0)) return null;
      objects.forEach(consume);
      return STATUS_SUCCESS;
    }
    const index = objects.findIndex((o) => mem.i32(state(o)) !== 0);
    if (index < 0) return null;
    consume(objects[index]!);
    return STATUS_SUCCESS + index;
  }

  /** KeWaitForMultipleObjects, first half. */
  waitMultiplePrepare(Count: number, Objects: number, WaitAll: number, Timeout: number): number {
    const polling = Timeout !== 0 && this.d.mem.i64(Timeout) === 0n;
    this.noWaitAtDispatch("KeWaitForMultipleObjects", Objects, polling);
    if (Count === 0 || Count > 64) {
      return KeBugCheckEx(
        0xC,
        Count,
        0,
        0,
        0,
        "KeWaitForMultipleObjects with Count 0 or above MAXIMUM_WAIT_OBJECTS",
      );
    }
    return this.multipleSatisfied(Count, Objects, WaitAll) ??
      (polling ? STATUS_TIMEOUT : STATUS_PENDING);
  }

  /** KeWaitForMultipleObjects, second half: parked until satisfied or timed out. */
  waitMultipleSuspend(
    Count: number,
    Objects: number,
    WaitAll: number,
    Timeout: number,
  ): Promise<number> {
    const ticks = Timeout === 0 ? null : this.d.mem.i64(Timeout);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter = {
        satisfied: () => this.multipleSatisfied(Count, Objects, WaitAll),
        resolve: (status: number) => {
          if (timer !== undefined) clearTimeout(timer);
          resolve(status);
        },
      };
      this.multiWaiters.add(waiter);
      if (ticks !== null) {
        const ms = ticks < 0n
          ? Number(-ticks) / 10_000
          : Number(ticks) / 10_000 - EPOCH_1601_TO_1970_MS - Date.now();
        timer = setTimeout(() => {
          this.multiWaiters.delete(waiter);
          resolve(STATUS_TIMEOUT);
        }, Math.max(0, ms));
      }
    });
  }

  private timeout(address: number): { QuadPart: bigint } | null {
    return address === 0 ? null : { QuadPart: this.d.mem.i64(address) };
  }

  private noWaitAtDispatch(what: string, object: number, polling: boolean): void {
    const irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL || (irql === DISPATCH_LEVEL && !polling)) {
      KeBugCheckEx(
        IRQL_NOT_LESS_OR_EQUAL,
        object,
        irql,
        0,
        0,
        `${what} waited at IRQL ${irql} in ${
          this.d.machine.current?.name ?? "?"
        }: only a zero timeout ` +
          "is allowed at DISPATCH_LEVEL (completion routines and event callbacks must not wait)",
      );
    }
  }

  /** KeWaitForSingleObject, first half: done already, or STATUS_PENDING to suspend. */
  waitPrepare(object: number, timeout: number): number {
    const { mem } = this.d;
    const polling = timeout !== 0 && mem.i64(timeout) === 0n;
    this.noWaitAtDispatch("KeWaitForSingleObject", object, polling);
    const state = object + mem.off("KEVENT.Header.SignalState");
    if (mem.i32(state) !== 0) {
      if (eventType(mem.byte(object + mem.off("KEVENT.Header.Type"))) === 1) mem.setU32(state, 0);
      return STATUS_SUCCESS;
    }
    return polling ? STATUS_TIMEOUT : STATUS_PENDING;
  }

  /** KeWaitForSingleObject, second half: the C stack is parked until the object is signalled. */
  async waitSuspend(object: number, timeout: number): Promise<number> {
    const Event = this.twin(object);
    const status = await KeWaitForSingleObject(Event, 0, 0, false, this.timeout(timeout));
    this.writeBack(object, Event);
    return status;
  }

  delayPrepare(interval: number): number {
    this.noWaitAtDispatch("KeDelayExecutionThread", interval, false);
    return STATUS_PENDING;
  }

  async delaySuspend(interval: number): Promise<number> {
    const ticks = interval === 0 ? 0n : this.d.mem.i64(interval);
    const ms = ticks < 0n
      ? Number(-ticks) / 10_000
      : Number(ticks) / 10_000 - EPOCH_1601_TO_1970_MS - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
    return STATUS_SUCCESS;
  }

  /** The KTHREAD of the running C stack (made on first use for DriverEntry and friends). */
  currentThread(): number {
    const context = this.d.machine.current;
    if (context === null) return 0;
    if (context.kthread === 0) context.kthread = this.newKthread(0, 0).kthread;
    return context.kthread;
  }

  private newKthread(start: number, startContext: number): { kthread: number; id: number } {
    const { mem } = this.d;
    const kthread = this.d.allocate(mem.off("KTHREAD"), 0x64726854 /* 'Thrd' */);
    const id = this.nextThreadId += 4;
    mem.setByte(kthread + mem.off("KEVENT.Header.Type"), THREAD_OBJECT);
    mem.setU32(kthread + mem.off("KTHREAD.StartRoutine"), start);
    mem.setU32(kthread + mem.off("KTHREAD.StartContext"), startContext);
    mem.setU32(kthread + mem.off("KTHREAD.UniqueThread"), id);
    return { kthread, id };
  }

  PsCreateSystemThread(
    ThreadHandle: number,
    _DesiredAccess: number,
    _ObjectAttributes: number,
    _ProcessHandle: number,
    ClientId: number,
    StartRoutine: number,
    StartContext: number,
  ): number {
    const { mem, machine, table } = this.d;
    const { kthread, id } = this.newKthread(StartRoutine, StartContext);
    const name = table.name(StartRoutine);
    const thread: CThread = {
      kthread,
      id,
      name,
      context: machine.newContext(`thread ${name}`),
      handleOpen: true,
      references: 0,
      ended: false,
    };
    thread.context!.kthread = kthread;
    this.threads.set(kthread, thread);
    const handle = openHandle(thread);
    this.handles.set(handle, thread);
    if (ThreadHandle !== 0) mem.setU32(ThreadHandle, handle);
    if (ClientId !== 0) mem.setU32(ClientId + mem.off("CLIENT_ID.UniqueThread"), id);
    const start = table.get(StartRoutine);
    // The new thread runs once its creator yields, as a freshly readied thread would.
    queueMicrotask(() => {
      machine.runPassive(thread.context!, start, [StartContext])
        .then((ExitStatus) => mem.setU32(kthread + mem.off("KTHREAD.ExitStatus"), ExitStatus))
        .catch((error) => {
          if (error instanceof BugCheckError) machine.raise(error);
          else machine.raise(new BugCheckError(0x1E, [0, 0, 0, 0], String(error)));
        })
        .finally(() => this.threadEnded(thread));
    });
    return STATUS_SUCCESS;
  }

  private threadEnded(thread: CThread): void {
    thread.ended = true;
    if (thread.context) this.d.machine.releaseContext(thread.context);
    thread.context = null;
    this.d.mem.setU32(thread.kthread + this.d.mem.off("KEVENT.Header.SignalState"), 0);
    this.signal(thread.kthread);
    this.maybeFree(thread);
  }

  private maybeFree(thread: CThread): void {
    if (thread.ended && !thread.handleOpen && thread.references <= 0) {
      this.threads.delete(thread.kthread);
      this.events.delete(thread.kthread);
      this.d.free(thread.kthread);
    }
  }

  /** KeSetTimerEx: the timer signals at DueTime (then every Period ms) and queues its DPC. */
  KeSetTimerEx(Timer: number, DueTime: bigint, Period: number, Dpc: number): number {
    const { mem } = this.d;
    const wasSet = this.KeCancelTimer(Timer);
    mem.setU32(Timer + mem.off("KEVENT.Header.SignalState"), 0);
    mem.setU32(Timer + mem.off("KTIMER.Dpc"), Dpc);
    const first = DueTime < 0n
      ? Number(-DueTime) / 10_000
      : Number(DueTime) / 10_000 - EPOCH_1601_TO_1970_MS - Date.now();
    const fire = () => {
      if (Period > 0) this.timers.set(Timer, setTimeout(fire, Period));
      else this.timers.delete(Timer);
      this.signal(Timer);
      if (Dpc !== 0) this.KeInsertQueueDpc(Dpc, 0, 0);
    };
    this.timers.set(Timer, setTimeout(fire, Math.max(0, first)));
    return wasSet ? 1 : 0;
  }

  /** KeCancelTimer: true when the timer was set. */
  KeCancelTimer(Timer: number): boolean {
    const pending = this.timers.get(Timer);
    if (pending === undefined) return false;
    clearTimeout(pending);
    this.timers.delete(Timer);
    return true;
  }

  private readonly queuedDpcs = new Set<number>();

  /** KeInsertQueueDpc: the deferred routine runs from the completion queue at DISPATCH_LEVEL. */
  KeInsertQueueDpc(Dpc: number, SystemArgument1: number, SystemArgument2: number): number {
    const { mem, machine, table } = this.d;
    if (this.queuedDpcs.has(Dpc)) return 0;
    this.queuedDpcs.add(Dpc);
    const routine = mem.u32(Dpc + mem.off("KDPC.DeferredRoutine"));
    const name = table.name(routine);
    const run = () => {
      if (!this.queuedDpcs.delete(Dpc) || machine.halted) return;
      const context = mem.u32(Dpc + mem.off("KDPC.DeferredContext"));
      machine.inDpc(
        () => table.call(routine, Dpc, context, SystemArgument1, SystemArgument2),
        name,
      );
    };
    Object.defineProperty(run, "name", { value: name });
    queueDpc(run);
    return 1;
  }

  /** A work item runs at PASSIVE_LEVEL on its own stack, once the caller yields. */
  private queueWorkItem(Item: number, Routine: number, Context: number): void {
    const { machine, table, mem } = this.d;
    const routine = table.get(Routine);
    setTimeout(() => {
      const context = machine.newContext(`work item ${table.name(Routine)}`);
      machine.runPassive(context, routine, [mem.u32(Item), Context])
        .catch((error) =>
          machine.raise(
            error instanceof BugCheckError
              ? error
              : new BugCheckError(0x1E, [0, 0, 0, 0], String(error)),
          )
        )
        .finally(() => machine.releaseContext(context));
    }, 0);
  }

  ObReferenceObjectByHandle(
    Handle: number,
    _Access: number,
    _Type: number,
    _Mode: number,
    Object: number,
  ): number {
    const thread = Handle === 0xFFFFFFFE
      ? this.threads.get(this.currentThread())
      : this.handles.get(Handle);
    if (!thread) return STATUS_INVALID_HANDLE;
    thread.references++;
    this.d.mem.setU32(Object, thread.kthread);
    return STATUS_SUCCESS;
  }

  ObfReferenceObject(Object: number): number {
    const thread = this.threads.get(Object);
    return thread ? ++thread.references : 1;
  }

  ObfDereferenceObject(Object: number): number {
    const thread = this.threads.get(Object);
    if (!thread) return 0;
    const left = --thread.references;
    this.maybeFree(thread);
    return left;
  }

  /** ZwClose on a thread or registry key handle: the kernel's, with its IRQL check. */
  ZwClose(Handle: number): number {
    const status = closeKernelHandle(Handle);
    const thread = this.handles.get(Handle);
    if (status === STATUS_SUCCESS && thread) {
      this.handles.delete(Handle);
      thread.handleOpen = false;
      this.maybeFree(thread);
    }
    return status;
  }

  PsTerminateSystemThread(ExitStatus: number): never {
    const context = this.d.machine.current;
    const isThread = context !== null &&
      [...this.threads.values()].some((t) => t.context === context);
    if (!isThread) {
      return KeBugCheckEx(
        0xC4,
        0x23,
        0,
        0,
        0,
        "PsTerminateSystemThread called from something that is not a system thread",
      );
    }
    throw new ThreadExit(ExitStatus);
  }

  /** The "env" and "wskemu" imports this file provides. */
  imports(): Record<string, CallableFunction> {
    const { mem, machine, irps } = this.d;
    return {
      KeGetCurrentIrql: () => KeGetCurrentIrql(),
      KfRaiseIrql: (NewIrql: number) => {
        const OldIrql = { value: 0 };
        KeRaiseIrql(NewIrql, OldIrql);
        return OldIrql.value;
      },
      KeLowerIrql: (NewIrql: number) => KeLowerIrql(NewIrql),
      KeSetEvent: (Event: number) => this.signal(Event),
      KeQuerySystemTime: (CurrentTime: number) =>
        mem.setI64(CurrentTime, BigInt(Date.now() + EPOCH_1601_TO_1970_MS) * 10_000n),
      KeQueryTickCount: (TickCount: number) =>
        mem.setI64(TickCount, BigInt(Math.floor(performance.now() / 15.625))),
      KeQueryInterruptTime: () => BigInt(Math.floor(performance.now() * 10_000)),
      KeStallExecutionProcessor: (MicroSeconds: number) => {
        const until = performance.now() + MicroSeconds / 1000;
        while (performance.now() < until) { /* a busy wait, as on Windows */ }
      },
      KeSetTimerEx: this.KeSetTimerEx.bind(this),
      KeCancelTimer: (Timer: number) => this.KeCancelTimer(Timer) ? 1 : 0,
      KeInsertQueueDpc: this.KeInsertQueueDpc.bind(this),
      KeRemoveQueueDpc: (Dpc: number) => this.queuedDpcs.delete(Dpc) ? 1 : 0,
      PsCreateSystemThread: this.PsCreateSystemThread.bind(this),
      PsTerminateSystemThread: this.PsTerminateSystemThread.bind(this),
      PsGetCurrentThread: () => this.currentThread(),
      PsGetCurrentThreadId: () => {
        const kthread = this.currentThread();
        return kthread ? mem.u32(kthread + mem.off("KTHREAD.UniqueThread")) : 0;
      },
      ObReferenceObjectByHandle: this.ObReferenceObjectByHandle.bind(this),
      ObfReferenceObject: this.ObfReferenceObject.bind(this),
      ObfDereferenceObject: this.ObfDereferenceObject.bind(this),
      ZwClose: this.ZwClose.bind(this),
      IoCancelIrp: (Irp: number) => irps.cancel(Irp) ? 1 : 0,
      IoSetCancelRoutine: (Irp: number, CancelRoutine: number) =>
        irps.setCancelRoutine(Irp, CancelRoutine),
      IoAcquireCancelSpinLock: (Irql: number) => {
        const OldIrql = { value: 0 };
        IoAcquireCancelSpinLock(OldIrql);
        mem.setByte(Irql, OldIrql.value);
      },
      IoReleaseCancelSpinLock: (Irql: number) => IoReleaseCancelSpinLock(Irql),
      IoAllocateWorkItem: (DeviceObject: number) => {
        const item = this.d.allocate(8, 0x74496b57 /* 'WkIt' */);
        mem.setU32(item, DeviceObject);
        this.workItems.add(item);
        return item;
      },
      IoQueueWorkItem: (Item: number, Routine: number, _QueueType: number, Context: number) =>
        this.queueWorkItem(Item, Routine, Context),
      IoFreeWorkItem: (Item: number) => {
        this.workItems.delete(Item);
        this.d.free(Item);
      },
      DbgPrint: (Format: number, Args: number) => {
        this.output(formatC(mem, mem.cstr(Format), Args));
        return STATUS_SUCCESS;
      },
      DbgPrintEx: (_ComponentId: number, _Level: number, Format: number, Args: number) => {
        this.output(formatC(mem, mem.cstr(Format), Args));
        return STATUS_SUCCESS;
      },
      DbgBreakPoint: () =>
        this.output(`DbgBreakPoint in ${machine.current?.name ?? "?"} (no debugger: ignored)\n`),
      RtlAssert: (Assertion: number, File: number, Line: number, Message: number) =>
        this.output(
          `*** Assertion failed: ${Message ? mem.cstr(Message) + " " : ""}${
            mem.cstr(Assertion)
          }\n` +
            `***   Source File: ${mem.cstr(File)}, line ${Line}\n`,
        ),
      KeBugCheckEx: (Code: number, P1: number, P2: number, P3: number, P4: number) =>
        KeBugCheckEx(
          Code >>> 0,
          P1 >>> 0,
          P2 >>> 0,
          P3 >>> 0,
          P4 >>> 0,
          "the driver called KeBugCheckEx",
        ),
      // The C runtime's private imports.
      bugCheck: (Code: number, P1: number, P2: number, P3: number, P4: number, Rule: number) =>
        KeBugCheckEx(Code >>> 0, P1 >>> 0, P2 >>> 0, P3 >>> 0, P4 >>> 0, mem.cstr(Rule)),
      lowResources: () => simulateLowResources() ? 1 : 0,
      irpCreated: (Irp: number, StackSize: number, Function: number, Site: number) =>
        irps.created(Irp, StackSize, mem.cstr(Function), mem.cstr(Site)) ? 1 : 0,
      irpFree: (Irp: number) => irps.free(Irp),
      irpReuse: (Irp: number, Status: number) => irps.reuse(Irp, Status >>> 0),
      waitPrepare: this.waitPrepare.bind(this),
      waitMultiplePrepare: this.waitMultiplePrepare.bind(this),
      waitMultipleSuspend: this.waitMultipleSuspend.bind(this),
      waitSuspend: this.waitSuspend.bind(this),
      delayPrepare: this.delayPrepare.bind(this),
      delaySuspend: this.delaySuspend.bind(this),
      format: (Dest: number, Cch: number, Wide: number, Format: number, Args: number) => {
        const text = formatC(mem, Wide ? mem.wstr(Format) : mem.cstr(Format), Args);
        const written = Wide ? mem.writeWide(Dest, text, Cch) : mem.writeNarrow(Dest, text, Cch);
        return written < text.length ? 0x80000005 : STATUS_SUCCESS; // STATUS_BUFFER_OVERFLOW
      },
      traceMessage: (
        Flag: number,
        Function: number,
        Site: number,
        Format: number,
        Args: number,
      ) => {
        const context = { function: mem.cstr(Function), site: mem.cstr(Site) };
        this.output(`[${mem.cstr(Flag)}] ${formatC(mem, mem.cstr(Format), Args, context)}\n`);
      },
    };
  }
}
