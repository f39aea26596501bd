// Copyright 2026 the wskemu authors. MIT license.
/**
 * Pool memory. An allocation is a zeroed `Uint8Array`; every live allocation is
 * counted under its tag, as poolmon shows, so tests can check for leaks. Bad
 * frees bug check BAD_POOL_CALLER, as they do on Windows.
 *
 * @module
 */
import {
  BAD_POOL_CALLER,
  DRIVER_VERIFIER_DETECTED_VIOLATION,
  KeBugCheckEx,
  objectAddress,
} from "./bugcheck.ts";
import { APC_LEVEL, KeGetCurrentIrql } from "./irql.ts";
import { DriverVerifier, simulateLowResources } from "./verifier.ts";
import { allocationSite, trackedPool } from "./_tracking.ts";
import { freeSpecialPoolBlock, specialPoolBlock } from "./_special_pool.ts";

/** `POOL_FLAG_USE_QUOTA` (0x1): charge the allocation to the current process. */
export const POOL_FLAG_USE_QUOTA: number = 0x1;
/** `POOL_FLAG_UNINITIALIZED` (0x2): do not zero the allocation (here it is zeroed anyway). */
export const POOL_FLAG_UNINITIALIZED: number = 0x2;
/** `POOL_FLAG_CACHE_ALIGNED` (0x8): align to a cache line. */
export const POOL_FLAG_CACHE_ALIGNED: number = 0x8;
/** `POOL_FLAG_NON_PAGED` (0x40): non-paged, non-executable pool. */
export const POOL_FLAG_NON_PAGED: number = 0x40;
/** `POOL_FLAG_NON_PAGED_EXECUTE` (0x80): non-paged, executable pool. */
export const POOL_FLAG_NON_PAGED_EXECUTE: number = 0x80;
/** `POOL_FLAG_PAGED` (0x100): paged pool. */
export const POOL_FLAG_PAGED: number = 0x100;

/** A `POOL_TYPE` value, for ExAllocatePoolWithTag. */
export type POOL_TYPE = number;
/** `NonPagedPool` (0). */
export const NonPagedPool: POOL_TYPE = 0;
/** `PagedPool` (1). */
export const PagedPool: POOL_TYPE = 1;
/** `NonPagedPoolNx` (512). */
export const NonPagedPoolNx: POOL_TYPE = 512;

/** What is known about one allocation. */
interface Allocation {
  Tag: number;
  bytes: number;
  freed: boolean;
}

const allocations = new WeakMap<Uint8Array, Allocation>();
const usage = new Map<string, { allocations: number; bytes: number }>();

/**
 * A pool tag from its text, with the value the C compiler gives the
 * multi-character literal: `poolTag("tpcs")` is `'tpcs'`, 0x74706373.
 *
 * @example Usage
 * ```ts
 * import { poolTag } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(poolTag("tpcs"), 0x74706373);
 * ```
 */
export function poolTag(text: string): number {
  if (text.length < 1 || text.length > 4) {
    throw new RangeError(`poolTag: a tag has 1 to 4 characters, not ${JSON.stringify(text)}`);
  }
  let value = 0;
  for (let i = 0; i < text.length; i++) value = (value * 256 + (text.charCodeAt(i) & 0xFF)) >>> 0;
  return value;
}

/**
 * A tag as poolmon and `!pool` print it: its bytes in memory (little-endian)
 * order. That is why drivers write tags backwards: `'kseW'` shows as `"Wesk"`.
 *
 * @example Usage
 * ```ts
 * import { poolTag, poolTagName } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(poolTagName(poolTag("kseW")), "Wesk");
 * ```
 */
export function poolTagName(Tag: number): string {
  let name = "";
  for (let shift = 0; shift < 32; shift += 8) {
    const byte = (Tag >>> shift) & 0xFF;
    if (byte !== 0) name += String.fromCharCode(byte);
  }
  return name;
}

function account(Tag: number, bytes: number, sign: 1 | -1): void {
  const name = poolTagName(Tag);
  const entry = usage.get(name) ?? { allocations: 0, bytes: 0 };
  entry.allocations += sign;
  entry.bytes += sign * bytes;
  if (entry.allocations === 0) usage.delete(name);
  else usage.set(name, entry);
}

function allocate(
  NumberOfBytes: number,
  Tag: number,
  paged: boolean,
  what: string,
): Uint8Array | null {
  if (Tag === 0) {
    KeBugCheckEx(BAD_POOL_CALLER, 0x9B, 0, NumberOfBytes, 0, `${what} with a pool tag of zero`);
  }
  const irql = KeGetCurrentIrql();
  if (paged && irql > APC_LEVEL) {
    KeBugCheckEx(
      BAD_POOL_CALLER,
      0x08,
      irql,
      1,
      NumberOfBytes,
      `${what} of paged pool at IRQL ${irql} (paged pool needs IRQL <= APC_LEVEL)`,
    );
  }
  if (!Number.isSafeInteger(NumberOfBytes) || NumberOfBytes < 0 || NumberOfBytes > 0x7FFF_FFFF) {
    return null;
  }
  // The tag's text is made only for an option that uses it: the plain path stays as it was.
  const verifying = DriverVerifier.lowResourcesProbability > 0 || DriverVerifier.specialPool ||
    DriverVerifier.poolTracking;
  const tag = verifying ? poolTagName(Tag >>> 0) : "";
  if (verifying && simulateLowResources(what, tag)) return null;
  const P = DriverVerifier.specialPool
    ? specialPoolBlock(NumberOfBytes, `pool block '${tag}' (${NumberOfBytes} bytes)`)
    : new Uint8Array(NumberOfBytes);
  if (DriverVerifier.poolTracking) {
    const site = allocationSite();
    if (site !== null) trackedPool.set(P, { tag, size: NumberOfBytes, site });
  }
  allocations.set(P, { Tag: Tag >>> 0, bytes: NumberOfBytes, freed: false });
  account(Tag >>> 0, NumberOfBytes, 1);
  return P;
}

/**
 * Allocates `NumberOfBytes` of zeroed pool memory, or returns `null` when
 * memory runs out (or the verifier simulates it) or `Flags` does not name
 * exactly one pool (POOL_FLAG_NON_PAGED, POOL_FLAG_NON_PAGED_EXECUTE or
 * POOL_FLAG_PAGED). A zero tag bug checks BAD_POOL_CALLER (0xC2/0x9B).
 *
 * @example Usage
 * ```ts
 * import { ExAllocatePool2, ExFreePoolWithTag, POOL_FLAG_NON_PAGED, poolTag } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Tag = poolTag("tpcs");
 * const Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, Tag);
 * assert.ok(Buffer);
 * assert.equal(Buffer.length, 16);
 * ExFreePoolWithTag(Buffer, Tag);
 * ```
 */
export function ExAllocatePool2(
  Flags: number,
  NumberOfBytes: number,
  Tag: number,
): Uint8Array | null {
  const pools = [POOL_FLAG_NON_PAGED, POOL_FLAG_NON_PAGED_EXECUTE, POOL_FLAG_PAGED]
    .filter((flag) => (Flags & flag) !== 0);
  if (pools.length !== 1) return null;
  return allocate(NumberOfBytes, Tag, pools[0] === POOL_FLAG_PAGED, "ExAllocatePool2");
}

/**
 * Allocates pool memory of the given `POOL_TYPE` (the older interface). The
 * memory is zeroed here, although C callers must not count on it.
 *
 * @example Usage
 * ```ts
 * import { ExAllocatePoolWithTag, ExFreePoolWithTag, NonPagedPoolNx, poolTag } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 8, poolTag("tset"));
 * assert.deepEqual(Buffer, new Uint8Array(8));
 * ExFreePoolWithTag(Buffer!, poolTag("tset"));
 * ```
 */
export function ExAllocatePoolWithTag(
  PoolType: POOL_TYPE,
  NumberOfBytes: number,
  Tag: number,
): Uint8Array | null {
  // Bit 0 set means a paged type (PagedPool, PagedPoolCacheAligned, ...).
  return allocate(NumberOfBytes, Tag, (PoolType & 1) === 1, "ExAllocatePoolWithTag");
}

function free(P: Uint8Array, Tag: number | null, what: string): void {
  const allocation = P instanceof Uint8Array ? allocations.get(P) : undefined;
  if (!allocation) {
    const p = P as unknown;
    if (typeof p === "object" && p !== null && (p as { Type?: unknown }).Type === 6) {
      KeBugCheckEx(
        DRIVER_VERIFIER_DETECTED_VIOLATION,
        0x105,
        objectAddress(p),
        0,
        0,
        `${what} on an IRP: free IRPs with IoFreeIrp`,
      );
    }
    KeBugCheckEx(
      BAD_POOL_CALLER,
      0x43,
      objectAddress(typeof p === "object" ? p : null),
      0,
      0,
      `${what} on memory that was never allocated from pool ` +
        "(only the exact Uint8Array ExAllocatePool* returned can be freed)",
    );
  }
  if (allocation.freed) {
    KeBugCheckEx(
      BAD_POOL_CALLER,
      0x07,
      0,
      allocation.Tag,
      objectAddress(P),
      `${what} on pool that was already freed (tag '${poolTagName(allocation.Tag)}')`,
    );
  }
  if (Tag !== null && Tag >>> 0 !== allocation.Tag) {
    KeBugCheckEx(
      BAD_POOL_CALLER,
      0x0A,
      objectAddress(P),
      allocation.Tag,
      Tag >>> 0,
      `${what} with tag '${poolTagName(Tag)}' on pool allocated with tag ` +
        `'${poolTagName(allocation.Tag)}'`,
    );
  }
  if (DriverVerifier.specialPool) freeSpecialPoolBlock(P);
  allocation.freed = true;
  account(allocation.Tag, allocation.bytes, -1);
  if (trackedPool.size !== 0) trackedPool.delete(P);
}

/**
 * Frees pool memory, checking the tag. Freeing twice bug checks
 * BAD_POOL_CALLER (0xC2) with P1 = 0x07; a tag other than the allocation's,
 * P1 = 0x0A; memory that never came from the pool, P1 = 0x43; an IRP,
 * DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) with P1 = 0x105.
 *
 * @example Usage
 * ```ts
 * import { ExAllocatePool2, ExFreePoolWithTag, POOL_FLAG_NON_PAGED, poolTag, BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4, poolTag("tset"))!;
 * ExFreePoolWithTag(Buffer, poolTag("tset"));
 * assert.throws(
 *   () => ExFreePoolWithTag(Buffer, poolTag("tset")),
 *   (e) => e instanceof BugCheckError && e.BugCheckCode === 0xC2 && e.BugCheckParameters[0] === 0x07,
 * );
 * ```
 */
export function ExFreePoolWithTag(P: Uint8Array, Tag: number): void {
  free(P, Tag, "ExFreePoolWithTag");
}

/**
 * Frees pool memory without checking the tag; otherwise as ExFreePoolWithTag.
 *
 * @example Usage
 * ```ts
 * import { ExAllocatePool2, ExFreePool, POOL_FLAG_PAGED, poolTag } from "@wskemu/wsk/irp";
 *
 * ExFreePool(ExAllocatePool2(POOL_FLAG_PAGED, 4, poolTag("tset"))!);
 * ```
 */
export function ExFreePool(P: Uint8Array): void {
  free(P, null, "ExFreePool");
}

/**
 * Live pool allocations per tag (named as poolmon shows them, see
 * {@linkcode poolTagName}): how many and how many bytes. Tags with nothing
 * outstanding are absent, so an empty map means nothing leaked.
 *
 * @example Usage
 * ```ts
 * import { ExAllocatePool2, ExFreePool, POOL_FLAG_NON_PAGED, poolTag, poolUsage } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 10, poolTag("pmxE"))!;
 * assert.deepEqual(poolUsage().get("Exmp"), { allocations: 1, bytes: 10 });
 * ExFreePool(Buffer);
 * assert.equal(poolUsage().has("Exmp"), false);
 * ```
 */
export function poolUsage(): Map<string, { allocations: number; bytes: number }> {
  return new Map([...usage].map(([tag, entry]) => [tag, { ...entry }]));
}
