// Copyright 2026 the wskemu authors. MIT license.
// Internal: one loaded C driver — its instance, memory, runtime and the
// objects the host keeps for it — and its unload report.
import { BugCheckError, KMODE_EXCEPTION_NOT_HANDLED } from "../../irp/bugcheck.ts";
import type { LeakEntry } from "../driver_module.ts";
import { poolTag, poolTagName } from "../../irp/pool.ts";
import { STATUS_NOT_IMPLEMENTED, STATUS_PENDING } from "../../irp/ntstatus.ts";
import { DriverLoadError } from "../load.ts";
import { DeviceBridge } from "./_device.ts";
import { IrpTwins } from "./_irp.ts";
import { Kernel } from "./_kernel.ts";
import { Machine } from "./_machine.ts";
import { checkLayout, CMemory, readLayout } from "./_memory.ts";
import { CRegistry } from "./_registry.ts";
import { functionNames, FunctionTable } from "./_table.ts";
import { WskBridge } from "./_wsk.ts";
import { WskObjects } from "./_wsk_events.ts";
import type { HostParts } from "./_parts.ts";

const REGISTRY_TAG = poolTag(" geR"); // 'Reg ' in memory
const QUERY_ROUTINE_ADVICE = "wskemu runs QueryRoutines synchronously inside " +
  "RtlQueryRegistryValues: keep what the routine needs and wait after RtlQueryRegistryValues returns";

/** Imports that suspend the calling C stack (JSPI). */
export const SUSPENDING_IMPORTS: ReadonlySet<string> = new Set([
  "waitSuspend",
  "waitMultipleSuspend",
  "delaySuspend",
  "deregisterSuspend",
  "captureSuspend",
]);

/** The *Prepare imports, the kernel routine each serves, and when its result means "park the stack". */
const SUSPENDING_CALLERS: Readonly<Record<string, string>> = {
  waitPrepare: "KeWaitForSingleObject",
  waitMultiplePrepare: "KeWaitForMultipleObjects",
  delayPrepare: "KeDelayExecutionThread",
  deregisterPrepare: "WskDeregister",
  capturePrepare: "WskCaptureProviderNPI",
};
const WILL_SUSPEND: Readonly<Record<string, (result: unknown) => boolean>> = {
  waitPrepare: (r) => r === STATUS_PENDING,
  waitMultiplePrepare: (r) => r === STATUS_PENDING,
  delayPrepare: (r) => r === STATUS_PENDING,
  deregisterPrepare: (r) => r !== 0,
  capturePrepare: (r) => r === STATUS_PENDING,
};

/** How the host runs one driver. */
export interface HostOptions {
  stackSize: number;
  specialPool: boolean;
  print(line: string): void;
}

interface DriverExports {
  memory?: WebAssembly.Memory;
  __stack_pointer: WebAssembly.Global;
  __indirect_function_table: WebAssembly.Table;
  DriverEntry: CallableFunction;
  rtLayoutTable(): number;
  rtAllocateInternal(size: number, tag: number): number;
  rtAllocateForDriver(size: number, tag: number, fn: number): number;
  ExFreePool(address: number): void;
  rtPoolLiveHead(): number;
  rtPoolSetPoison(on: number): void;
}

/** A loaded driver's host side. */
export class DriverHost {
  readonly mem: CMemory;
  readonly machine: Machine;
  readonly table: FunctionTable;
  readonly irps: IrpTwins;
  readonly kernel: Kernel;
  readonly objects: WskObjects;
  readonly wsk: WskBridge;
  readonly registry: CRegistry;
  readonly devices: DeviceBridge;
  readonly exports: DriverExports;
  private readonly impl: Record<string, CallableFunction>;
  /** "RtlQueryRegistryValues" as a C string: who allocated a registry string the driver holds. */
  private readonly registryFunction: number;

  constructor(
    module: WebAssembly.Module,
    instance: WebAssembly.Instance,
    memory: WebAssembly.Memory,
    options: HostOptions,
  ) {
    this.exports = instance.exports as unknown as DriverExports;
    if (typeof this.exports.rtLayoutTable !== "function") {
      throw new DriverLoadError("not a wskemu C driver (build it with deno task driver build)");
    }
    if (typeof this.exports.DriverEntry !== "function") {
      throw new DriverLoadError("the module exports no DriverEntry");
    }
    const layout = readLayout(memory, this.exports.rtLayoutTable());
    const problems = checkLayout(layout);
    if (problems.length) {
      throw new DriverLoadError(
        `the driver was built against other headers (${problems.join("; ")}): ` +
          "rebuild it with deno task driver build",
      );
    }
    this.mem = new CMemory(memory, layout);
    const allocate = (size: number, tag: number) => {
      const address = this.exports.rtAllocateInternal(size, tag);
      if (address === 0) {
        throw new BugCheckError(
          0xC2,
          [0x99, size, 0, 0],
          "wskemu: driver memory exhausted (raise memoryPages)",
        );
      }
      return address;
    };
    const free = (address: number) => this.exports.ExFreePool(address);
    this.exports.rtPoolSetPoison(options.specialPool ? 1 : 0);
    this.machine = new Machine(this.mem, {
      stackPointer: this.exports.__stack_pointer,
      allocate,
      free,
    }, options.stackSize);
    this.table = new FunctionTable(this.exports.__indirect_function_table, functionNames(module));
    this.irps = new IrpTwins(this.mem, this.machine, this.table);
    const name = "RtlQueryRegistryValues";
    this.registryFunction = allocate(name.length + 1, REGISTRY_TAG);
    this.mem.writeNarrow(this.registryFunction, name, name.length + 1);
    this.registry = new CRegistry({
      mem: this.mem,
      allocate: (size) => allocate(size, REGISTRY_TAG),
      free,
      allocateForDriver: (size) =>
        this.exports.rtAllocateForDriver(size, REGISTRY_TAG, this.registryFunction),
      call: (routine, ...args) => {
        this.devices.synchronous.push({
          routine: `the QueryRoutine ${this.table.name(routine)}`,
          advice: QUERY_ROUTINE_ADVICE,
        });
        try {
          return this.table.call(routine, ...args);
        } finally {
          this.devices.synchronous.pop();
        }
      },
    });
    const parts: HostParts = {
      mem: this.mem,
      machine: this.machine,
      table: this.table,
      irps: this.irps,
      allocate,
      free,
    };
    this.kernel = new Kernel({ ...parts, print: options.print });
    this.objects = new WskObjects(parts);
    this.irps.informationToC = (information) =>
      typeof information === "number" ? information : this.objects.shell(information as never);
    this.wsk = new WskBridge({ ...parts, objects: this.objects });
    this.devices = new DeviceBridge(parts);
    const devices = this.devices;
    this.impl = {
      ...this.kernel.imports(),
      ...this.registry.imports(),
      ...this.wsk.imports(),
      IoCreateDevice: devices.IoCreateDevice.bind(devices),
      IoDeleteDevice: devices.IoDeleteDevice.bind(devices),
      IoCreateSymbolicLink: (Link: number, Device: number) =>
        devices.symbolicLink("IoCreateSymbolicLink", Link, Device),
      IoDeleteSymbolicLink: (Link: number) => devices.symbolicLink("IoDeleteSymbolicLink", Link),
      IofCompleteRequest: devices.IofCompleteRequest.bind(devices),
      IofCallDriver: devices.IofCallDriver.bind(devices),
      IoGetDeviceObjectPointer: devices.IoGetDeviceObjectPointer.bind(devices),
      ObfDereferenceObject: (Object: number) =>
        devices.foreign.close(Object) ? 0 : this.kernel.ObfDereferenceObject(Object),
    };
  }

  /** Names the driver imports that wskemu does not implement. */
  missing(module: WebAssembly.Module): string[] {
    return WebAssembly.Module.imports(module)
      .filter((i) => i.kind === "function" && !(i.name in this.impl))
      .map((i) => i.name);
  }

  /** Every import lands here: the stack check, then the routine. */
  call(name: string, args: number[]): unknown {
    this.machine.checkStack(name);
    const fn = this.impl[name];
    if (fn === undefined) {
      throw new BugCheckError(
        KMODE_EXCEPTION_NOT_HANDLED,
        [STATUS_NOT_IMPLEMENTED, 0, 0, 0],
        `the driver called ${name}, which wskemu does not implement`,
      );
    }
    // wasm passes i32 as signed; pointers, handles and ULONGs are unsigned.
    for (let i = 0; i < args.length; i++) if (typeof args[i] === "number") args[i] = args[i]! >>> 0;
    const result = fn(...args);
    this.irps.afterCall();
    if (name in WILL_SUSPEND && WILL_SUSPEND[name]!(result)) this.noSuspendInDispatch(name);
    return result;
  }

  /**
   * The C runtime is about to park the stack (a *Prepare import said so). JSPI
   * cannot park a stack with host frames on it: a dispatch routine runs inside
   * IoCallDriver, a QueryRoutine inside RtlQueryRegistryValues.
   */
  private noSuspendInDispatch(name: string): void {
    const inside = this.devices.synchronous.at(-1);
    if (inside === undefined) return;
    throw new BugCheckError(
      KMODE_EXCEPTION_NOT_HANDLED,
      [STATUS_NOT_IMPLEMENTED, 0, 0, 0],
      `${inside.routine} blocks (${SUSPENDING_CALLERS[name]}), but ${inside.advice}`,
    );
  }

  /** A Suspending import: the C stack is parked and put back when the routine settles. */
  callAsync(name: string, args: number[]): Promise<number> {
    this.machine.checkStack(name);
    const fn = this.impl[name] as (...a: number[]) => Promise<number | void>;
    for (let i = 0; i < args.length; i++) args[i] = args[i]! >>> 0;
    return this.machine.suspended(() => fn(...args));
  }

  /** What the driver still holds: pool by tag/size/allocating function, IRPs, MDLs, sockets, ... */
  leaks(): LeakEntry[] {
    const { mem } = this;
    const leaks: LeakEntry[] = [];
    const head = this.exports.rtPoolLiveHead();
    const header = mem.off("RT_POOL_BLOCK");
    for (
      let b = mem.u32(head + mem.off("RT_POOL_BLOCK.Next"));
      b !== head && b !== 0;
      b = mem.u32(b + mem.off("RT_POOL_BLOCK.Next"))
    ) {
      const flags = mem.u32(b + mem.off("RT_POOL_BLOCK.Flags"));
      const tag = poolTagName(mem.u32(b + mem.off("RT_POOL_BLOCK.Tag")));
      const size = mem.u32(b + mem.off("RT_POOL_BLOCK.Size"));
      const site = `${mem.cstr(mem.u32(b + mem.off("RT_POOL_BLOCK.Function")))} (${
        mem.cstr(mem.u32(b + mem.off("RT_POOL_BLOCK.Site")))
      })`;
      if ((flags & 2) === 0) {
        leaks.push({
          kind: "pool",
          description: `pool block '${tag}' ${size} bytes at 0x${(b + header).toString(16)}`,
          site,
          tag,
          size,
        });
      } else if (tag === "wMdl") {
        leaks.push({
          kind: "mdl",
          description: `MDL at 0x${(b + header).toString(16)}`,
          site,
          size,
        });
      }
    }
    for (const irp of this.irps.live()) {
      leaks.push({
        kind: "irp",
        description: `IRP at 0x${irp.address.toString(16)}`,
        site: `${irp.function} (${irp.site})`,
      });
    }
    for (const address of this.objects.sockets.keys()) {
      leaks.push({
        kind: "socket",
        description: `WSK socket at 0x${address.toString(16)} not closed`,
      });
    }
    for (const [registration, count] of this.wsk.captures) {
      leaks.push({
        kind: "npi",
        description: `${count} provider NPI capture(s) of WSK_REGISTRATION 0x${
          registration.toString(16)
        } not released`,
      });
    }
    for (const registration of this.wsk.registrations.keys()) {
      leaks.push({
        kind: "other",
        description: `WSK_REGISTRATION 0x${registration.toString(16)} not deregistered`,
      });
    }
    for (const head of this.wsk.addressInfo.keys()) {
      leaks.push({
        kind: "addrinfo",
        description: `ADDRINFOEXW list at 0x${head.toString(16)} not freed with WskFreeAddressInfo`,
      });
    }
    for (const thread of this.kernel.threads.values()) {
      if (!thread.ended) {
        leaks.push({ kind: "thread", description: `system thread ${thread.name} still running` });
      }
    }
    if (this.devices.pending()) {
      leaks.push({
        kind: "irp",
        description: `${this.devices.pending()} request(s) to the driver's devices never completed`,
      });
    }
    for (const file of this.devices.foreign.held()) {
      leaks.push({
        kind: "other",
        description: `file object at 0x${file.toString(16)} from IoGetDeviceObjectPointer ` +
          "not dereferenced (ObDereferenceObject)",
      });
    }
    for (const address of this.devices.devices.keys()) {
      leaks.push({
        kind: "other",
        description: `device object at 0x${address.toString(16)} not deleted (IoDeleteDevice)`,
      });
    }
    for (const timer of this.kernel.timers.keys()) {
      leaks.push({
        kind: "other",
        description: `timer at 0x${timer.toString(16)} still set (KeCancelTimer)`,
      });
    }
    for (const item of this.kernel.workItems) {
      leaks.push({
        kind: "other",
        description: `work item at 0x${item.toString(16)} not freed (IoFreeWorkItem)`,
      });
    }
    if (this.objects.retained.size) {
      leaks.push({
        kind: "other",
        description:
          `${this.objects.retained.size} data indication(s) retained and never released (WskRelease)`,
      });
    }
    return leaks;
  }
}
