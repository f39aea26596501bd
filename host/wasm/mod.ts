// Copyright 2026 the wskemu authors. MIT license.
/**
 * The C driver host: loads a driver compiled to wasm32 by
 * `deno task driver build` and runs it on wskemu, over real sockets, with
 * wskemu's bug checks and leak accounting.
 *
 * - DriverEntry, DriverUnload, system threads and work items run at
 *   PASSIVE_LEVEL through `WebAssembly.promising`, each on its own C stack, so
 *   KeWaitForSingleObject really blocks; completion routines and callbacks run
 *   at DISPATCH_LEVEL on a DPC stack.
 * - Memory is fixed-size (`memoryPages`), because wskemu holds views of MDL
 *   memory for I/O in flight.
 * - Freed pool is poisoned with 0xDD (`specialPool`, on by default), as Driver
 *   Verifier's special pool does, so a use-after-free shows up.
 * - A wasm trap is a bug check naming the trap, the C stack leaving its region
 *   is 0x7F, a wait at DISPATCH_LEVEL is 0x0A; they reach `onBugCheck` /
 *   `nextBugCheck()` like every wskemu bug check.
 * - The registry is the one TS drivers read (irp/registry.ts), through the
 *   same routines: `parameters` (or `registrySetValue`) sets what the driver
 *   reads, and a key handle it leaves open is in `DriverHost`'s unload report
 *   (`@wskemu/wsk/host`).
 * - `leaks()` lists the pool blocks (tag, size, allocating C function and
 *   file:line), IRPs, MDLs, sockets, NPI captures, address-info lists and
 *   threads the driver still holds.
 *
 * @example Loading and running a driver
 * ```ts ignore
 * import { loadWasmDriver } from "@wskemu/wsk/host/wasm";
 * import { DRIVER_OBJECT } from "@wskemu/wsk/irp";
 *
 * const driver = await loadWasmDriver("echosrv.wasm", { parameters: { Port: 0 } });
 * const DriverObject = new DRIVER_OBJECT("\\Driver\\echosrv");
 * const RegistryPath = { Length: 0, MaximumLength: 0, Buffer: "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\echosrv" };
 * await driver.DriverEntry(DriverObject, RegistryPath);
 * // ... serve clients ...
 * await DriverObject.DriverUnload?.(DriverObject);
 * console.log(driver.leaks?.());
 * ```
 *
 * @module
 */
import "./_jspi.ts";
import type { DRIVER_OBJECT } from "../../irp/device.ts";
import { BugCheckError } from "../../irp/bugcheck.ts";
import { STATUS_SUCCESS, STATUS_UNSUCCESSFUL } from "../../irp/ntstatus.ts";
import type { UNICODE_STRING } from "../../wsk/structures.ts";
import type { DriverModule, LeakEntry } from "../driver_module.ts";
import { DriverLoadError } from "../load.ts";
import { DriverHost, SUSPENDING_IMPORTS } from "./_host.ts";
import { REG_DWORD, REG_SZ, registryCreateKey, registrySetValue } from "../../irp/registry.ts";

export type { DriverModule, LeakEntry } from "../driver_module.ts";
export type { DRIVER_OBJECT } from "../../irp/device.ts";
export type { NTSTATUS } from "../../irp/ntstatus.ts";
export type { UNICODE_STRING } from "../../wsk/structures.ts";

/** Options for {@linkcode loadWasmDriver}. */
export interface WasmDriverOptions {
  /** The driver's fixed memory in 64 KiB pages (default 1024 = 64 MiB). */
  memoryPages?: number;
  /** Bytes of C stack for each PASSIVE_LEVEL entry point, thread and the DPC stack (default 64 KiB). */
  stackSize?: number;
  /** Poison freed pool with 0xDD, as Driver Verifier's special pool (default true). */
  specialPool?: boolean;
  /**
   * Values DriverEntry puts under `RegistryPath\Parameters` in the registry
   * (irp/registry.ts, which C and TS drivers share): a number is a REG_DWORD,
   * a string a REG_SZ.
   */
  parameters?: Record<string, number | string>;
  /** Where DbgPrint / DbgPrintEx / KdPrint / WPP lines go (default console.log). */
  print?: (line: string) => void;
}

/** A C driver: the DriverModule contract plus the host's internals for tests and tools. */
export interface WasmDriver extends DriverModule {
  /** The imports the driver uses that wskemu does not implement (calling one bug checks). */
  readonly missingImports: string[];
}

const DEFAULT_PAGES = 1024;
/** wasm32's limit: 4 GiB. */
const MAX_PAGES = 65536;
const DEFAULT_STACK = 64 * 1024;

/**
 * Loads a `.wasm` driver built by `deno task driver build`. The returned
 * module's DriverEntry runs the C DriverEntry on its own stack and, when the
 * driver set one, sets `DriverObject.DriverUnload` to run the C DriverUnload
 * the same way (it returns a promise: await it).
 *
 * Throws DriverLoadError, with a one-line reason, for a file that is not a
 * wasm module, a module that is not a wskemu driver or exports no
 * DriverEntry, and a driver built against other headers.
 *
 * @example Usage
 * ```ts
 * import { loadWasmDriver } from "@wskemu/wsk/host/wasm";
 * import { DriverLoadError } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".wasm" }); // empty: not a driver
 * await assert.rejects(loadWasmDriver(path, { memoryPages: 16 }), DriverLoadError);
 * await Deno.remove(path);
 * ```
 */
export async function loadWasmDriver(
  path: string,
  options: WasmDriverOptions = {},
): Promise<WasmDriver> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(await Deno.readFile(path));
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DriverLoadError(`cannot load ${path}: ${why}`, { cause: error });
  }
  const pages = options.memoryPages ?? DEFAULT_PAGES;
  if (!Number.isInteger(pages) || pages < 1 || pages > MAX_PAGES) {
    throw new DriverLoadError(
      `the driver's memory (memoryPages, --memory-pages) must be a whole number of 64 KiB ` +
        `pages from 1 to ${MAX_PAGES}, not ${pages}`,
    );
  }
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const bound: { host?: DriverHost } = {};
  const imports: Record<string, Record<string, unknown>> = { env: { memory } };
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== "function") continue;
    const target = imports[from] ??= {};
    target[name] = SUSPENDING_IMPORTS.has(name)
      ? new WebAssembly.Suspending((...args: number[]) => bound.host!.callAsync(name, args))
      : (...args: number[]) => bound.host!.call(name, args);
  }
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const needs = /smaller than the declared initial of (\d+)/.exec(why);
    throw new DriverLoadError(
      needs
        ? `cannot load ${path}: its data alone needs ${
          needs[1]
        } pages of memory, more than ${pages}`
        : `cannot load ${path}: ${why} (was it built by deno task driver build?)`,
      { cause: error },
    );
  }
  let h: DriverHost;
  try {
    h = bound.host = new DriverHost(module, instance, memory, {
      stackSize: options.stackSize ?? DEFAULT_STACK,
      specialPool: options.specialPool ?? true,
      print: options.print ?? ((line) => console.log(line)),
    });
  } catch (error) {
    // The host's own stacks and tables did not fit: that is a load failure, not a driver bug.
    if (error instanceof DriverLoadError || !/raise memoryPages/.test(String(error))) throw error;
    throw new DriverLoadError(
      `cannot load ${path}: ${pages} pages (${pages * 64} KiB) of memory are too few for the ` +
        "driver's stacks and pool: raise memoryPages (--memory-pages)",
      { cause: error },
    );
  }
  h.machine.modulePath = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return {
    missingImports: h.missing(module),
    DriverEntry: (DriverObject, RegistryPath) =>
      driverEntry(h, options.parameters ?? {}, DriverObject, RegistryPath),
    leaks: (): LeakEntry[] => h.leaks(),
  };
}

/** A UNICODE_STRING in C memory (the host's allocation). */
function cUnicodeString(h: DriverHost, address: number, text: string): void {
  const { mem } = h;
  const buffer = h.exports.rtAllocateInternal(text.length * 2 + 2, 0x72745355 /* 'UStr' */);
  mem.writeWide(buffer, text, text.length + 1);
  mem.setU16(address + mem.off("UNICODE_STRING.Length"), text.length * 2);
  mem.setU16(address + mem.off("UNICODE_STRING.MaximumLength"), text.length * 2 + 2);
  mem.setU32(address + mem.off("UNICODE_STRING.Buffer"), buffer);
}

async function driverEntry(
  h: DriverHost,
  parameters: Record<string, number | string>,
  DriverObject: DRIVER_OBJECT,
  RegistryPath: UNICODE_STRING,
): Promise<number> {
  const { mem, machine } = h;
  const key = `${RegistryPath.Buffer}\\Parameters`;
  registryCreateKey(key);
  for (const [name, value] of Object.entries(parameters)) {
    registrySetValue(key, name, typeof value === "number" ? REG_DWORD : REG_SZ, value);
  }
  const driver = h.exports.rtAllocateInternal(mem.off("DRIVER_OBJECT"), 0x76697244 /* 'Driv' */);
  const extension = h.exports.rtAllocateInternal(mem.off("DRIVER_EXTENSION"), 0x76697244);
  const registryPath = h.exports.rtAllocateInternal(mem.off("UNICODE_STRING"), 0x72745355);
  mem.setU16(driver + mem.off("DRIVER_OBJECT.Type"), 4);
  mem.setU16(driver + mem.off("DRIVER_OBJECT.Size"), mem.off("DRIVER_OBJECT"));
  mem.setU32(driver + mem.off("DRIVER_OBJECT.DriverExtension"), extension);
  mem.setU32(extension + mem.off("DRIVER_EXTENSION.DriverObject"), driver);
  cUnicodeString(h, driver + mem.off("DRIVER_OBJECT.DriverName"), DriverObject.DriverName.Buffer);
  cUnicodeString(h, registryPath, RegistryPath.Buffer);
  h.devices.attach(DriverObject, driver);
  const entry = machine.newContext("DriverEntry");
  let status: number;
  try {
    status = (await machine.runPassive(entry, h.exports.DriverEntry, [driver, registryPath])) >>> 0;
  } catch (error) {
    if (error instanceof BugCheckError) {
      machine.raise(error);
      return STATUS_UNSUCCESSFUL;
    }
    throw error;
  } finally {
    machine.releaseContext(entry);
  }
  if (status === STATUS_SUCCESS) h.devices.publish();
  const unload = mem.u32(driver + mem.off("DRIVER_OBJECT.DriverUnload"));
  if (status === STATUS_SUCCESS && unload !== 0) {
    DriverObject.DriverUnload = async () => {
      const context = machine.newContext("DriverUnload");
      try {
        await machine.runPassive(context, h.table.get(unload), [driver]);
      } catch (error) {
        if (!(error instanceof BugCheckError)) throw error;
        machine.raise(error);
      } finally {
        machine.releaseContext(context);
      }
    };
  }
  return status;
}
