// Copyright 2026 the wskemu authors. MIT license.
// Internal: zeroing stack locations without allocating when there is nothing to clear.
import type { IO_STACK_LOCATION } from "./stack_location.ts";

/** Empties `Parameters`, allocating a fresh object only when the old one holds something. */
export function clearParameters(IrpSp: IO_STACK_LOCATION): void {
  for (const _ in IrpSp.Parameters) {
    IrpSp.Parameters = {};
    return;
  }
}

/** ZeroIrpStackLocation: what the I/O manager clears in a location it pops. */
export function clearLocation(IrpSp: IO_STACK_LOCATION): void {
  IrpSp.MinorFunction = 0;
  IrpSp.Flags = 0;
  IrpSp.Control = 0;
  clearParameters(IrpSp);
  IrpSp.FileObject = null;
  IrpSp.CompletionRoutine = null;
  IrpSp.Context = null;
}

/** A stack location as IoInitializeIrp leaves it: all zero. */
export function resetLocation(IrpSp: IO_STACK_LOCATION): void {
  clearLocation(IrpSp);
  IrpSp.MajorFunction = 0;
  IrpSp.DeviceObject = null;
}
