// Copyright 2026 the wskemu authors. MIT license.
// Internal: what the I/O manager knows about an IRP beyond its C fields. A real
// kernel reads most of this from pool headers and the thread's IRP list; here it
// lives in a WeakMap so IRP keeps exactly the fields drivers see.
import type { IRP } from "./irp.ts";
import { allocationSite, trackedIrps } from "./_tracking.ts";
import { DriverVerifier } from "./verifier.ts";

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

// A symbol-keyed property: as cheap to reach as a field (the completion path
// reads it several times per IRP), yet not one of the C fields a driver sees.
const STATE = Symbol("wskemu.irpState");
let outstanding = 0;

type WithState = { [STATE]?: IrpState };

/** Gives a new IRP its state (the IRP constructor calls this, so every IRP has one shape). */
export function attachIrpState(Irp: IRP): void {
  // A symbol key stays out of Object.keys, for...in and JSON; a plain store keeps it cheap.
  (Irp as unknown as WithState)[STATE] = {
    allocated: false,
    freed: false,
    completed: false,
    threadQueued: false,
  };
}

export function irpState(Irp: IRP): IrpState {
  const state = (Irp as unknown as WithState)[STATE];
  if (state) return state;
  // Something that did not come from the IRP constructor: it gets a state now.
  attachIrpState(Irp);
  return (Irp as unknown as WithState)[STATE]!;
}

export function countAllocated(Irp: IRP): void {
  irpState(Irp).allocated = true;
  outstanding++;
  if (DriverVerifier.poolTracking) {
    const site = allocationSite();
    if (site !== null) trackedIrps.set(Irp, site);
  }
}

export function countFreed(Irp: IRP): void {
  const state = irpState(Irp);
  state.freed = true;
  if (state.allocated) outstanding--;
  if (trackedIrps.size !== 0) trackedIrps.delete(Irp);
}

export function outstandingCount(): number {
  return outstanding;
}

/**
 * The I/O manager takes a thread IRP it built but could not finish setting up
 * (an MDL it could not allocate) back off its thread, so that IoFreeIrp may
 * release it: the request never reached a driver.
 */
export function dequeueThreadIrp(Irp: IRP): void {
  irpState(Irp).threadQueued = false;
}
