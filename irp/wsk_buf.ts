// Copyright 2026 the wskemu authors. MIT license.
/**
 * WSK_BUF, the buffer argument of WSK calls, and
 * {@linkcode wskBufSegments}, which turns one into zero-copy views over its MDL
 * chain, the way a WSK provider reads and fills a client's buffers.
 *
 * @module
 */
import {
  DPC_WATCHDOG_VIOLATION,
  DRIVER_IRQL_NOT_LESS_OR_EQUAL,
  formatAddress,
  KeBugCheckEx,
  objectAddress,
} from "./bugcheck.ts";
import { DISPATCH_LEVEL } from "./irql.ts";
import type { MDL } from "./mdl.ts";
import { describedBytes } from "./_memory.ts";

/**
 * A buffer for a WSK call, as `WSK_BUF`: `Length` bytes starting `Offset`
 * bytes into the first MDL of the chain at `Mdl`.
 */
export interface WSK_BUF {
  /** The first MDL of the chain (null only when `Length` is 0). */
  Mdl: MDL | null;
  /** Where the data starts, in bytes, within the first MDL. */
  Offset: number;
  /** How many bytes, possibly spanning several MDLs of the chain. */
  Length: number;
}

/**
 * The number of bytes the MDL chain holds from `Buffer.Offset` on: the most a
 * WSK_BUF over it can describe. A provider compares `Buffer.Length` with it to
 * reject a bad WSK_BUF before touching it. A chain that comes back to an MDL
 * is counted up to there. An MDL that claims more bytes than its memory holds
 * bug checks PAGE_FAULT_IN_NONPAGED_AREA (0x50), as in {@linkcode wskBufSegments}.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, wskBufByteCount } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(10), 10, false, false, null)!;
 * assert.equal(wskBufByteCount({ Mdl, Offset: 4, Length: 0 }), 6);
 * IoFreeMdl(Mdl);
 * ```
 */
export function wskBufByteCount(Buffer: WSK_BUF): number {
  let total = -Buffer.Offset;
  const seen = new Set<MDL>();
  for (let Mdl = Buffer.Mdl; Mdl != null && !seen.has(Mdl); Mdl = Mdl.Next) {
    seen.add(Mdl);
    total += describedBytes(Mdl).length;
  }
  return Math.max(0, total);
}

function pastTheChain(rule: string): never {
  // On Windows the provider walks Mdl->Next into NULL at DISPATCH_LEVEL.
  return KeBugCheckEx(DRIVER_IRQL_NOT_LESS_OR_EQUAL, 0, DISPATCH_LEVEL, 0, 0, rule);
}

/**
 * Zero-copy views of the bytes a WSK_BUF describes, in order, one per MDL
 * touched (empty MDLs are skipped). This is the one check every WSK_BUF goes
 * through before a provider moves a byte, so a bad one bug checks at the call:
 *
 * - a `Length` that runs past the end of the MDL chain, a null `Mdl` with a
 *   non-zero `Length`, or an `Offset` outside the first MDL: DRIVER_IRQL_NOT_LESS_OR_EQUAL
 *   (0xD1) with P1 = 0, as Windows dereferences the NULL `Next` and crashes;
 * - an MDL that claims more bytes than its memory holds (`ByteCount` raised
 *   after IoAllocateMdl, or missing): PAGE_FAULT_IN_NONPAGED_AREA (0x50);
 * - a chain that comes back to an MDL before `Length` bytes are covered:
 *   DPC_WATCHDOG_VIOLATION (0x133), as the provider would walk it without end.
 *
 * Memory is bytes whatever its view: an MDL over a Uint16Array describes its
 * bytes. Check with {@linkcode wskBufByteCount} first to fail the call
 * gracefully instead.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, wskBufSegments } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const First = IoAllocateMdl(new Uint8Array([1, 2, 3]), 3, false, false, null)!;
 * First.Next = IoAllocateMdl(new Uint8Array([4, 5, 6]), 3, false, false, null)!;
 * const segments = wskBufSegments({ Mdl: First, Offset: 1, Length: 4 });
 * assert.deepEqual(segments.map((s) => [...s]), [[2, 3], [4, 5]]);
 * IoFreeMdl(First.Next);
 * IoFreeMdl(First);
 * ```
 */
export function wskBufSegments(Buffer: WSK_BUF): Uint8Array[] {
  // A NULL PWSK_BUF (or garbage in its fields) is dereferenced by the provider at once.
  if (!Buffer || typeof Buffer !== "object") pastTheChain("the WSK_BUF pointer is NULL");
  const { Offset, Length } = Buffer;
  if (!Number.isSafeInteger(Length) || Length < 0 || !Number.isSafeInteger(Offset)) {
    pastTheChain(`WSK_BUF.Offset ${Offset} / Length ${Length} are not sizes`);
  }
  if (Length === 0) return [];
  if (Buffer.Mdl == null) pastTheChain(`WSK_BUF.Mdl is NULL but WSK_BUF.Length is ${Length}`);
  const first = describedBytes(Buffer.Mdl);
  if (Offset < 0 || Offset >= first.length) {
    pastTheChain(
      `WSK_BUF.Offset ${Offset} is not inside the first MDL (ByteCount ${first.length})`,
    );
  }
  if (first.length - Offset >= Length) {
    // The common buffer, inside its first MDL: an array of exactly one (one
    // grown by push has room for 17, allocated per call).
    return [
      Offset === 0 && Length === first.length ? first : first.subarray(Offset, Offset + Length),
    ];
  }
  const segments: Uint8Array[] = [];
  // The MDLs walked so far, made only for a chain of more than one (a loop
  // needs at least two steps): the common single-MDL buffer allocates nothing.
  let seen: Set<MDL> | null = null;
  let left = Length;
  let skip = Offset;
  let bytes = first;
  let step = 0;
  for (let Mdl: MDL | null = Buffer.Mdl; left > 0; Mdl = Mdl.Next) {
    if (Mdl == null) {
      pastTheChain(
        `WSK_BUF.Length ${Length} (from Offset ${Offset}) runs past the MDL chain, ` +
          `which holds ${wskBufByteCount(Buffer)} bytes from that offset`,
      );
    }
    if (step++ > 0) {
      seen ??= new Set([Buffer.Mdl]);
      if (seen.has(Mdl)) endlessChain(Mdl, Length - left, Length);
      seen.add(Mdl);
      bytes = describedBytes(Mdl);
    }
    const take = Math.min(bytes.length - skip, left);
    // A whole described buffer is its own view: no subarray (the common send).
    if (take > 0) segments.push(take === bytes.length ? bytes : bytes.subarray(skip, skip + take));
    left -= take;
    skip = 0;
  }
  return segments;
}

function endlessChain(Mdl: MDL, covered: number, Length: number): never {
  return KeBugCheckEx(
    DPC_WATCHDOG_VIOLATION,
    0,
    0,
    0,
    0,
    `the MDL chain comes back to the MDL at ${formatAddress(objectAddress(Mdl))} after ` +
      `${covered} of WSK_BUF.Length ${Length} bytes: a chain that never ends`,
  );
}
