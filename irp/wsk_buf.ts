// Copyright 2026 the wskemu authors. MIT license.
/**
 * WSK_BUF, the buffer argument of WSK calls, and
 * {@linkcode wskBufSegments}, which turns one into zero-copy views over its MDL
 * chain, the way a WSK provider reads and fills a client's buffers.
 *
 * @module
 */
import { DRIVER_IRQL_NOT_LESS_OR_EQUAL, KeBugCheckEx } from "./bugcheck.ts";
import { DISPATCH_LEVEL } from "./irql.ts";
import type { MDL } from "./mdl.ts";

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
 * reject a bad WSK_BUF before touching it.
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
  for (let Mdl = Buffer.Mdl; Mdl !== null; Mdl = Mdl.Next) total += Mdl.ByteCount;
  return Math.max(0, total);
}

function pastTheChain(rule: string): never {
  // On Windows the provider walks Mdl->Next into NULL at DISPATCH_LEVEL.
  return KeBugCheckEx(DRIVER_IRQL_NOT_LESS_OR_EQUAL, 0, DISPATCH_LEVEL, 0, 0, rule);
}

/**
 * Zero-copy views of the bytes a WSK_BUF describes, in order, one per MDL
 * touched (empty MDLs are skipped). `Offset` must lie in the first MDL. A
 * `Length` that runs past the end of the MDL chain (or a null `Mdl` with a
 * non-zero `Length`, or an `Offset` outside the first MDL) bug checks
 * DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1) with P1 = 0: Windows dereferences the
 * NULL `Next` and crashes. Check with {@linkcode wskBufByteCount} first to fail
 * the call gracefully instead.
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
  if (!Number.isInteger(Length) || Length < 0 || !Number.isInteger(Offset)) {
    pastTheChain(`WSK_BUF.Offset ${Offset} / Length ${Length} are not sizes`);
  }
  if (Length === 0) return [];
  if (Buffer.Mdl === null) {
    pastTheChain(`WSK_BUF.Mdl is NULL but WSK_BUF.Length is ${Length}`);
  }
  if (Offset < 0 || Offset >= Buffer.Mdl.ByteCount) {
    pastTheChain(
      `WSK_BUF.Offset ${Offset} is not inside the first MDL (ByteCount ${Buffer.Mdl.ByteCount})`,
    );
  }
  const segments: Uint8Array[] = [];
  let left = Length;
  let skip = Offset;
  for (let Mdl: MDL | null = Buffer.Mdl; left > 0; Mdl = Mdl.Next) {
    if (Mdl === null) {
      pastTheChain(
        `WSK_BUF.Length ${Length} (from Offset ${Offset}) runs past the MDL chain, ` +
          `which holds ${wskBufByteCount(Buffer)} bytes from that offset`,
      );
    }
    const take = Math.min(Mdl.ByteCount - skip, left);
    if (take > 0) {
      // A whole mapped buffer is its own view: no subarray (the common send).
      const whole = skip === 0 && take === Mdl.StartVa.length;
      segments.push(whole ? Mdl.StartVa : Mdl.StartVa.subarray(skip, skip + take));
    }
    left -= take;
    skip = 0;
  }
  return segments;
}
