// Copyright 2026 the wskemu authors. MIT license.
// Internal: what the I/O manager knows about an IRP beyond its C fields. A real
// kernel reads most of this from pool headers and the thread's IRP list; here it
// lives in a WeakMap so IRP keeps exactly the fields drivers see.
import type { IRP } from "./irp.ts";

export interface IrpState {
  /** Came from IoAllocateIrp or IoBuild*Request, so it counts in outstandingIrps(). */
  allocated: boolean;
  /** IoFreeIrp (or the I/O manager) released it: any further use is a bug. */
  freed: boolean;
  /** The last completion ended with no driver owning it (a routine's MPR at the top). */
  completed: boolean;
  /** IoBuildSynchronousFsdRequest IRP: queued to its thread, which frees it at completion. */
  threadQueued: boolean;
}

const states = new WeakMap<IRP, IrpState>();
let outstanding = 0;

export function irpState(Irp: IRP): IrpState {
  let state = states.get(Irp);
  if (!state) {
    state = { allocated: false, freed: false, completed: false, threadQueued: false };
    states.set(Irp, state);
  }
  return state;
}

export function countAllocated(Irp: IRP): void {
  irpState(Irp).allocated = true;
  outstanding++;
}

export function countFreed(Irp: IRP): void {
  const state = irpState(Irp);
  state.freed = true;
  if (state.allocated) outstanding--;
}

export function outstandingCount(): number {
  return outstanding;
}
