// Copyright 2026 the wskemu authors. MIT license.
// Internal: the emulated CPU for C code — which C stack is running, the
// switches between stacks, JSPI suspension, the stack check at every kernel
// call, and turning wasm traps into bug checks. PASSIVE_LEVEL entry points
// (DriverEntry, DriverUnload, threads, work items) each run on their own stack
// through WebAssembly.promising; completion routines and callbacks run on one
// DPC stack. __stack_pointer is restored after every suspension, because
// whatever ran meanwhile moved it.
import {
  BugCheckError,
  KMODE_EXCEPTION_NOT_HANDLED,
  PAGE_FAULT_IN_NONPAGED_AREA,
  UNEXPECTED_KERNEL_MODE_TRAP,
} from "../../irp/bugcheck.ts";
import { queueDpc } from "../../irp/completion.ts";
import { STATUS_ACCESS_VIOLATION } from "../../irp/ntstatus.ts";
import type { CMemory } from "./_memory.ts";

const EXCEPTION_DOUBLE_FAULT = 8;
const STATUS_ILLEGAL_INSTRUCTION = 0xC000001D;
const STATUS_INTEGER_DIVIDE_BY_ZERO = 0xC0000094;
const GUARD = 256;
const GUARD_BYTE = 0xFD;

/** One C stack: [base, top), grown downwards from top. */
export class ExecContext {
  /** The KTHREAD this stack belongs to (0 until PsGetCurrentThread asks). */
  kthread = 0;
  constructor(
    readonly name: string,
    readonly block: number,
    readonly base: number,
    readonly top: number,
  ) {}
}

/** PsTerminateSystemThread unwinds the C stack with this. */
export class ThreadExit {
  constructor(readonly ExitStatus: number) {}
}

/** What the machine needs from the module's exports. */
export interface MachineExports {
  stackPointer: WebAssembly.Global;
  allocate(size: number, tag: number): number;
  free(address: number): void;
}

/** The name of the C function a wasm error was raised in, from V8's stack. */
function cFunctionOf(error: unknown): string {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const frame = /at (\S+) \(wasm:/.exec(stack);
  return frame ? frame[1]! : "(unknown C function)";
}

/** A wasm trap or host exception from C code, as the bug check Windows would raise. */
function trapAsBugCheck(error: unknown, where: string): BugCheckError {
  if (error instanceof BugCheckError) return error;
  const fn = cFunctionOf(error);
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /call stack/i.test(text)) {
    return new BugCheckError(
      UNEXPECTED_KERNEL_MODE_TRAP,
      [EXCEPTION_DOUBLE_FAULT, 0, 0, 0],
      `kernel stack overflow in ${fn} (${where}): ${text}`,
      { cause: error },
    );
  }
  if (error instanceof WebAssembly.RuntimeError) {
    if (/out of bounds|memory access/i.test(text)) {
      return new BugCheckError(
        PAGE_FAULT_IN_NONPAGED_AREA,
        [0, 0, 0, 0],
        `wasm trap "${text}" in ${fn} (${where}): a pointer outside memory ` +
          "(0xDDDDDDDD is freed, poisoned pool)",
        { cause: error },
      );
    }
    const code = /unreachable/.test(text)
      ? STATUS_ILLEGAL_INSTRUCTION
      : /divide|remainder|integer overflow/.test(text)
      ? STATUS_INTEGER_DIVIDE_BY_ZERO
      : STATUS_ACCESS_VIOLATION;
    return new BugCheckError(
      KMODE_EXCEPTION_NOT_HANDLED,
      [code, 0, 0, 0],
      `wasm trap "${text}" in ${fn} (${where})`,
      { cause: error },
    );
  }
  return new BugCheckError(
    KMODE_EXCEPTION_NOT_HANDLED,
    [STATUS_ACCESS_VIOLATION, 0, 0, 0],
    `${where}: ${error instanceof Error ? `${error.name}: ${text}` : text}`,
    { cause: error },
  );
}

/** Functions of the C runtime (c/rt/): a report names the driver function that called them. */
const RUNTIME_FUNCTIONS = new Set([
  "IoFreeIrp",
  "IoReuseIrp",
  "IoInitializeIrp",
  "rtIoAllocateIrp",
  "rtIoAllocateMdl",
  "IoFreeMdl",
  "MmBuildMdlForNonPagedPool",
  "MmProbeAndLockPages",
  "MmMapLockedPagesSpecifyCache",
  "CheckBuffer",
  "KeWaitForSingleObject",
  "KeDelayExecutionThread",
  "WskDeregister",
  "WskCaptureProviderNPI",
  "ExAcquireFastMutex",
  "ExReleaseFastMutex",
  "KeReleaseMutex",
  "KeAcquireSpinLock",
  "KeReleaseSpinLock",
  "KeAcquireSpinLockRaiseToDpc",
  "KeRaiseIrqlToDpcLevel",
  "KeAcquireInStackQueuedSpinLock",
  "KeReleaseInStackQueuedSpinLock",
  "rtAllocatePool",
  "rtAllocateInternal",
  "rtLookasideAllocate",
  "ExFreePool",
  "ExFreePoolWithTag",
  "ExFreeToNPagedLookasideList",
  "FreeBlock",
  "Take",
  "Carve",
  "RtlAnsiStringToUnicodeString",
  "RtlUnicodeStringToAnsiString",
  "RtlFreeUnicodeString",
  "RtlFreeAnsiString",
  "RtlStringCchVPrintfA",
  "RtlStringCchVPrintfW",
  "RtlStringCchPrintfA",
  "RtlStringCchPrintfW",
  "RtlStringCbPrintfA",
  "RtlStringCbPrintfW",
  "RtlUnicodeStringPrintf",
  "KeQueryPerformanceCounter",
]);

/**
 * Points a bug check's stack at the C code: wasm frames become
 * `at Function (driver.wasm:1:offset)` and the host's own frames go, so a
 * report's "driver frame" names the C function that broke the rule.
 */
function attributeToC(error: BugCheckError, modulePath: string): BugCheckError {
  const stack = error.stack ?? "";
  const frames = [
    ...stack.matchAll(/at (\S+) \(wasm:\/\/[^:]+:wasm-function\[\d+\]:(0x[0-9a-f]+)\)/g),
  ];
  while (frames.length > 1 && RUNTIME_FUNCTIONS.has(frames[0]![1]!)) frames.shift();
  if (frames.length === 0) return error;
  const lines = frames.map(([, fn, offset]) => `    at ${fn} (${modulePath}:1:${Number(offset)})`);
  error.stack = `${error.name}: ${error.message}\n${lines.join("\n")}`;
  return error;
}

/** The one emulated CPU that C code runs on. */
export class Machine {
  current: ExecContext | null = null;
  readonly dpc: ExecContext;
  /** The first bug check: the machine runs no more C code after it. */
  halted: BugCheckError | null = null;
  readonly contexts = new Set<ExecContext>();
  /** The driver's .wasm, named in the stacks of its bug checks. */
  modulePath = "driver.wasm";

  constructor(
    private readonly mem: CMemory,
    private readonly exports: MachineExports,
    private readonly stackSize: number,
  ) {
    this.dpc = this.newContext("DPC");
  }

  /** A new C stack of the configured size, with a guard band below it. */
  newContext(name: string): ExecContext {
    const block = this.exports.allocate(this.stackSize + GUARD + 16, 0x6b617453 /* 'Stak' */);
    if (block === 0) throw new Error("wskemu: out of memory for a C stack (raise memoryPages)");
    const base = (block + GUARD + 15) & ~15;
    this.mem.u8.fill(GUARD_BYTE, block, base);
    const context = new ExecContext(name, block, base, base + this.stackSize);
    this.contexts.add(context);
    return context;
  }

  releaseContext(context: ExecContext): void {
    if (this.contexts.delete(context)) this.exports.free(context.block);
  }

  /** The check at every kernel call: the stack pointer inside its stack, the guard intact. */
  checkStack(what: string): void {
    const context = this.current;
    if (context === null) return;
    const sp = this.exports.stackPointer.value as number;
    const u8 = this.mem.u8;
    if (sp < context.base || sp > context.top || u8[context.base - 1] !== GUARD_BYTE) {
      throw new BugCheckError(
        UNEXPECTED_KERNEL_MODE_TRAP,
        [EXCEPTION_DOUBLE_FAULT, sp, context.base, context.top],
        `kernel stack overflow: the C stack of ${context.name} left its ` +
          `${context.top - context.base}-byte region (stack pointer 0x${
            sp.toString(16)
          }) at ${what}`,
      );
    }
  }

  /** Delivers a bug check raised outside the completion queue to onBugCheck / nextBugCheck. */
  raise(error: BugCheckError): void {
    this.halted ??= error;
    queueDpc(function bugCheck(): void {
      throw error;
    });
  }

  /**
   * Runs a PASSIVE_LEVEL entry point on `context` through WebAssembly.promising.
   * Resolves with its return value; a bug check rejects; PsTerminateSystemThread
   * resolves with the exit status.
   */
  async runPassive(context: ExecContext, fn: CallableFunction, args: number[]): Promise<number> {
    if (this.halted) throw this.halted;
    const promised = WebAssembly.promising(fn as (...a: number[]) => number);
    const previous = this.current;
    const sp = this.exports.stackPointer;
    const savedSp = sp.value;
    this.current = context;
    sp.value = context.top;
    let result: Promise<number>;
    try {
      result = promised(...args);
    } catch (error) {
      result = Promise.reject(error);
    } finally {
      this.current = previous;
      sp.value = savedSp;
    }
    try {
      return await result;
    } catch (error) {
      if (error instanceof ThreadExit) return error.ExitStatus;
      const bugCheck = attributeToC(trapAsBugCheck(error, context.name), this.modulePath);
      this.halted ??= bugCheck;
      throw bugCheck;
    }
  }

  /**
   * Runs `work` on the DPC stack (nested work stays on it, below the caller's
   * frames); a trap becomes a bug check.
   */
  inDpc<T>(work: () => T, where: string): T {
    return this.inContext(this.dpc, work, where);
  }

  /** Runs `work` synchronously on `context` (staying below the caller's frames when it is already there). */
  inContext<T>(context: ExecContext, work: () => T, where: string): T {
    const previous = this.current;
    const sp = this.exports.stackPointer;
    const savedSp = sp.value;
    if (previous !== context) {
      this.current = context;
      sp.value = context.top;
    }
    try {
      return work();
    } catch (error) {
      const bugCheck = attributeToC(trapAsBugCheck(error, where), this.modulePath);
      this.halted ??= bugCheck;
      throw bugCheck;
    } finally {
      this.current = previous;
      sp.value = savedSp;
    }
  }

  /**
   * Runs an async host routine for a JSPI Suspending import and puts the C
   * stack back (stack pointer, current context) before C resumes.
   */
  async suspended(fn: () => Promise<number | void>): Promise<number> {
    const context = this.current;
    const sp = this.exports.stackPointer;
    const savedSp = sp.value;
    try {
      return (await fn()) ?? 0;
    } finally {
      this.current = context;
      sp.value = savedSp;
    }
  }
}
