// Copyright 2026 the wskemu authors. MIT license.
// Internal: the few places where the driver host's verifier and trace look in.
// Each hook is null unless a host installed it, so with everything off a hot
// path pays one comparison with null.
import type { IRP } from "./irp.ts";

/** The hooks; the driver host sets them for the length of a run. */
export const hooks: {
  /**
   * A provider dispatch routine was called (its name and arguments; the IRP
   * is the last one). The hook may replace arguments (the trace wraps the
   * client's dispatch tables to see event callbacks).
   */
  call: ((name: string, args: unknown[]) => void) | null;
  /** IoCompleteRequest was entered for `Irp`, with its final IoStatus set. */
  complete: ((Irp: IRP) => void) | null;
  /** The completion queue has work: call `drain` when it should run (default: a microtask). */
  scheduleDrain: ((drain: () => void) => void) | null;
  /** A system thread's routine started (`running` true) or ended, with its exit status. */
  thread:
    | ((thread: { StartRoutineName: string; ExitStatus: number }, running: boolean) => void)
    | null;
} = { call: null, complete: null, scheduleDrain: null, thread: null };
