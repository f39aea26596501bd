// Copyright 2026 the wskemu authors. MIT license.
/**
 * The driver host: runs a WSK driver the way Windows loads one, under Driver
 * Verifier, and says what it did. A driver is a module that exports
 * `DriverEntry(DriverObject, RegistryPath)` (or a C driver built to wasm32).
 * The host gives it a DRIVER_OBJECT and its service key with the run's
 * parameters, keeps it running, runs DriverUnload, and reports the IRPs,
 * MDLs, pool, sockets, NPIs and address lists it still holds. The
 * application side (CreateFile, DeviceIoControl, CloseHandle) drives a
 * driver's device as its user-mode program would. On the command line:
 * `deno task driver run DRIVER [--param NAME=VALUE]... [--verifier FLAGS]
 * [--seed N] [--trace FILE] [--trace-svg FILE] [--json] [--for SECONDS]`.
 *
 * ```ts
 * import { DriverHost } from "@wskemu/wsk/host";
 * import {
 *   REG_NONE, RTL_QUERY_REGISTRY_DIRECT, RTL_REGISTRY_ABSOLUTE, RtlQueryRegistryValues,
 *   STATUS_SUCCESS, type RTL_QUERY_REGISTRY_TABLE,
 * } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * let port = 0;
 * const host = new DriverHost({
 *   DriverEntry(DriverObject, RegistryPath) {
 *     const Port = { value: 0 };
 *     const QueryTable: RTL_QUERY_REGISTRY_TABLE[] = [
 *       { QueryRoutine: null, Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "Port", EntryContext: Port, DefaultType: REG_NONE, DefaultData: null, DefaultLength: 0 },
 *     ];
 *     const Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath.Buffer + "\\Parameters", QueryTable, null, null);
 *     port = Port.value;
 *     DriverObject.DriverUnload = () => {};
 *     return Status;
 *   },
 * }, { name: "demo", parameters: { Port: "40007" } });
 * assert.equal(await host.start(), STATUS_SUCCESS);
 * assert.equal(port, 40007);
 * assert.equal((await host.stop()).clean, true);
 * ```
 *
 * @module
 */
export type { DriverModule, LeakEntry } from "./driver_module.ts";
export { DriverHost, type DriverHostOptions, SERVICES_KEY } from "./driver_host.ts";
export { DriverLoadError, loadDriver, type LoadOptions } from "./load.ts";
export { formatUnloadReport, type UnloadReport } from "./report.ts";
export { analyzeBugCheck, driverFrame } from "./analyze.ts";
export {
  parseVerifierFlags,
  VERIFIER_OFF,
  VERIFIER_STANDARD,
  VerifierFlagError,
} from "./verifier_flags.ts";
export { type TraceEvent, TraceRecorder } from "./trace.ts";
export {
  CloseHandle,
  CreateFile,
  DeviceIoControl,
  type DeviceIoControlResult,
  GENERIC_READ,
  GENERIC_WRITE,
  INVALID_HANDLE_VALUE,
  RtlGetLastNtStatus,
  type USER_HANDLE,
} from "./user_mode.ts";
export { renderTraceSvg } from "./trace_svg.ts";
