// Copyright 2026 the wskemu authors. MIT license.
/**
 * The shape every driver the host loads has, whether it is a TypeScript module
 * or a C driver compiled to wasm32: DriverEntry, as on Windows, plus the leaks
 * a driver's own runtime tracks (C pool in wasm memory, C threads), which the
 * host adds to its unload report.
 *
 * @example A TypeScript driver
 * ```ts
 * import type { DriverModule } from "./driver_module.ts";
 * import { STATUS_SUCCESS } from "../irp/ntstatus.ts";
 *
 * const driver: DriverModule = {
 *   DriverEntry(DriverObject, _RegistryPath) {
 *     DriverObject.DriverUnload = () => {};
 *     return STATUS_SUCCESS;
 *   },
 * };
 * ```
 *
 * @module
 */
import type { DRIVER_OBJECT } from "../irp/device.ts";
import type { NTSTATUS } from "../irp/ntstatus.ts";
import type { UNICODE_STRING } from "../wsk/structures.ts";

/** What a driver still holds at unload: one line of the unload report. */
export interface LeakEntry {
  /** The kind of object leaked. */
  kind: "irp" | "mdl" | "pool" | "socket" | "npi" | "addrinfo" | "thread" | "other";
  /** What it is, for a human: `pool block 'Wske' 64 bytes`. */
  description: string;
  /** Where it was allocated: a TS stack frame or a C function, `file:line` when known. */
  site?: string;
  /** The pool tag, for pool blocks. */
  tag?: string;
  /** The size in bytes, for pool blocks and MDLs. */
  size?: number;
}

/** A loaded driver: a `.ts` module's exports, or a `.wasm` driver adapted by the host. */
export interface DriverModule {
  /**
   * DriverEntry(DriverObject, RegistryPath): sets DriverObject.DriverUnload and
   * returns an NTSTATUS. A C driver's entry runs on its own stack and may
   * block, so it may return a promise.
   */
  DriverEntry(
    DriverObject: DRIVER_OBJECT,
    RegistryPath: UNICODE_STRING,
  ): NTSTATUS | Promise<NTSTATUS>;
  /** Leaks the driver's own runtime tracks, listed after DriverUnload returns. */
  leaks?(): LeakEntry[];
}
