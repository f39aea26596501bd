// Copyright 2026 the wskemu authors. MIT license.
// Internal: Pool Tracking's books. With DriverVerifier.poolTracking on, each
// IRP, MDL and pool block a driver allocates remembers the driver frame that
// allocated it, so the unload report can say where a leak came from. What the
// WSK provider allocates for itself (no driver frame on the stack) is not the
// driver's and is not tracked. Off, the allocators pay one
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
const ROOT = new URL("../", import.meta.url).href;
const LIBRARY = new RegExp(
  `^${
    ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  }(irp|wsk|transport|host)/[^/#]+\\.ts$|^node:|^ext:`,
);

/**
 * The first frame of `stack` in a driver (a file outside this library and
 * outside the runtime), as `function path:line:column` (a `file://` URL
 * shortened to a path), or null when there is none.
 */
export function firstDriverFrame(stack: string | undefined): string | null {
  for (const line of (stack ?? "").split("\n").slice(1)) {
    const match = /^\s*at (?:async )?(?:(\S+) \((.+)\)|(.+))$/.exec(line);
    if (!match) continue;
    const location = match[2] ?? match[3]!;
    const place = /^(file:\/\/\S+|\/\S+):(\d+):(\d+)$/.exec(location);
    if (!place || LIBRARY.test(place[1]!)) continue;
    const fn = match[1]?.replace(/^Object\./, "");
    const path = place[1]!.startsWith("file://")
      ? decodeURIComponent(new URL(place[1]!).pathname)
      : place[1]!;
    return `${fn ? fn + " " : ""}${path}:${place[2]}:${place[3]}`;
  }
  return null;
}

/**
 * Where the current call was made from in the driver, or null when no driver
 * code is on the stack (the WSK provider allocating for itself).
 */
export function allocationSite(): string | null {
  return firstDriverFrame(new Error().stack);
}
