// Copyright 2026 the wskemu authors. MIT license.
// Internal: Pool Tracking's books. With DriverVerifier.poolTracking on, each
// IRP, MDL and pool block remembers the driver frame that allocated it, so the
// unload report can say where a leak came from. Off, the allocators pay one
// branch (the flag) and a map lookup on free only while entries exist.
import type { IRP } from "./irp.ts";
import type { MDL } from "./mdl.ts";

/** A tracked pool block. */
export interface TrackedPool {
  /** The tag as poolmon prints it. */
  tag: string;
  /** Its size in bytes. */
  size: number;
  /** The allocating frame. */
  site: string;
}

/** Live IRPs → the frame that allocated them. */
export const trackedIrps: Map<IRP, string> = new Map();
/** Live MDLs → the frame that allocated them. */
export const trackedMdls: Map<MDL, string> = new Map();
/** Live pool blocks. */
export const trackedPool: Map<Uint8Array, TrackedPool> = new Map();

// Frames inside wskemu itself are not where a driver allocated: skip them.
const LIBRARY = /\/(irp|wsk|transport|host)\/[^/]+\.ts|^node:|^ext:/;

/**
 * The first stack frame outside this library, as `file:line:column` (a
 * `file://` URL shortened to a path), or `(unknown)`.
 */
export function allocationSite(): string {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const match = /\(?((?:file|https?):\/\/[^\s()]+|\/[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!match) continue;
    const where = match[1]!;
    if (LIBRARY.test(where)) continue;
    const fn = /^\s*at (?:async )?([^\s(]+) \(/.exec(line)?.[1];
    const path = where.startsWith("file://") ? decodeURIComponent(new URL(where).pathname) : where;
    return `${fn ? fn.replace(/^Object\./, "") + " " : ""}${path}:${match[2]}:${match[3]}`;
  }
  return "(unknown)";
}
