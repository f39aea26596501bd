// Copyright 2026 the wskemu authors. MIT license.
// Internal: what the host's bridges (kernel, WSK, devices, events) share.
import type { IrpTwins } from "./_irp.ts";
import type { Machine } from "./_machine.ts";
import type { CMemory } from "./_memory.ts";
import type { FunctionTable } from "./_table.ts";

/** One driver's memory, stacks, function table, IRP twins and host-side pool. */
export interface HostParts {
  mem: CMemory;
  machine: Machine;
  table: FunctionTable;
  irps: IrpTwins;
  /** Pool for the host's own C structures (a bug check when the driver's memory is exhausted). */
  allocate(size: number, tag: number): number;
  free(address: number): void;
}
