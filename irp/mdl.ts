// Copyright 2026 the wskemu authors. MIT license.
/**
 * Memory descriptor lists (MDLs). An MDL describes part of a `Uint8Array`;
 * chains link through `Next`. WSK_BUF, which points into a chain, is re-exported
 * from here.
 *
 * @module
 */
import {
  BAD_POOL_CALLER,
  KeBugCheckEx,
  objectAddress,
  PAGE_FAULT_IN_NONPAGED_AREA,
} from "./bugcheck.ts";
import type { IRP } from "./irp.ts";
import { DriverVerifier, simulateLowResources } from "./verifier.ts";
import { allocationSite, trackedMdls } from "./_tracking.ts";
import { describedBytes, memoryBytes } from "./_memory.ts";

// WSK_BUF describes bytes of an MDL chain; it lives in its own file.
export * from "./wsk_buf.ts";

/** `MDL_MAPPED_TO_SYSTEM_VA` (0x1): MappedSystemVa is valid. */
export const MDL_MAPPED_TO_SYSTEM_VA: number = 0x1;
/** `MDL_PAGES_LOCKED` (0x2): MmProbeAndLockPages locked the pages. */
export const MDL_PAGES_LOCKED: number = 0x2;
/** `MDL_SOURCE_IS_NONPAGED_POOL` (0x4): set by MmBuildMdlForNonPagedPool. */
export const MDL_SOURCE_IS_NONPAGED_POOL: number = 0x4;
/** `MDL_ALLOCATED_FIXED_SIZE` (0x8): the MDL came from IoAllocateMdl. */
export const MDL_ALLOCATED_FIXED_SIZE: number = 0x8;
/** `MDL_WRITE_OPERATION` (0x80): locked for IoWriteAccess or IoModifyAccess. */
export const MDL_WRITE_OPERATION: number = 0x80;

/** A `LOCK_OPERATION` for MmProbeAndLockPages. */
export type LOCK_OPERATION = number;
/** `IoReadAccess` (0): the pages will be read. */
export const IoReadAccess: LOCK_OPERATION = 0;
/** `IoWriteAccess` (1): the pages will be written. */
export const IoWriteAccess: LOCK_OPERATION = 1;
/** `IoModifyAccess` (2): the pages will be read and written. */
export const IoModifyAccess: LOCK_OPERATION = 2;

/** `LowPagePriority` (0), for MmGetSystemAddressForMdlSafe. */
export const LowPagePriority: number = 0;
/** `NormalPagePriority` (16), for MmGetSystemAddressForMdlSafe. */
export const NormalPagePriority: number = 16;
/** `HighPagePriority` (32), for MmGetSystemAddressForMdlSafe. */
export const HighPagePriority: number = 32;

const PAGE_SIZE = 0x1000;
// x64: sizeof(MDL) is 0x30, followed by one 8-byte PFN per page spanned.
const MDL_HEADER_SIZE = 0x30;

let outstanding = 0;
/**
 * Freed MDLs that are not instances of {@linkcode MDL}. An MDL instance carries
 * its own mark instead: a WeakSet entry per free costs more than the rest of
 * IoFreeMdl (and GC time after), which every datagram indication pays.
 */
const freedMdls = new WeakSet<MDL>();
let markedFreed: (Mdl: MDL) => boolean;
let markFreed: (Mdl: MDL) => void;

/**
 * A memory descriptor list, as `MDL` in wdm.h. `StartVa` is the buffer given to
 * IoAllocateMdl (its VirtualAddress), and the MDL describes its first
 * `ByteCount` bytes. `ByteOffset` is that address's offset within its page.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(100), 10, false, false, null)!;
 * assert.equal(Mdl.ByteCount, 10);
 * IoFreeMdl(Mdl);
 * ```
 */
export class MDL {
  /** The next MDL in the chain, or null. */
  Next: MDL | null = null;
  /** The size of the MDL structure with its page array (x64 layout). */
  Size: number = MDL_HEADER_SIZE;
  /** MDL_* flags. */
  MdlFlags = 0;
  /** The system-space view once mapped (MmBuildMdlForNonPagedPool, MmGetSystemAddressForMdlSafe). */
  MappedSystemVa: Uint8Array | null = null;
  #freed = false;

  static {
    markedFreed = (Mdl) => Mdl.#freed;
    markFreed = (Mdl) => Mdl.#freed = true;
  }
  /** The described buffer: the VirtualAddress given to IoAllocateMdl. */
  StartVa: Uint8Array;
  /** The number of bytes described. */
  ByteCount: number;
  /** The offset of the buffer within its page. */
  ByteOffset: number;

  /**
   * An MDL describing the first `Length` bytes of `VirtualAddress`. Drivers
   * call IoAllocateMdl, which also counts and may fail.
   *
   * @param VirtualAddress The buffer described.
   * @param Length How many of its bytes.
   */
  constructor(VirtualAddress: Uint8Array, Length: number) {
    this.StartVa = VirtualAddress;
    this.ByteCount = Length;
    this.ByteOffset = (memoryBytes(VirtualAddress)?.byteOffset ?? 0) % PAGE_SIZE;
    const pages = Math.ceil((this.ByteOffset + Length) / PAGE_SIZE);
    this.Size = MDL_HEADER_SIZE + 8 * pages;
  }
}

/**
 * Allocates an MDL describing the first `Length` bytes of `VirtualAddress` (a
 * `subarray` is a VirtualAddress with an offset). With an `Irp`, a primary
 * buffer (`SecondaryBuffer` false) becomes `Irp.MdlAddress` and a secondary
 * one is appended to that chain. Returns null when memory runs out. A `Length`
 * larger than the buffer (counted in bytes, whatever the typed array) bug
 * checks PAGE_FAULT_IN_NONPAGED_AREA (0x50): the bytes past its end do not
 * exist.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateIrp, IoAllocateMdl, IoFreeIrp } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * const First = IoAllocateMdl(new Uint8Array(4), 4, false, false, Irp)!;
 * const Second = IoAllocateMdl(new Uint8Array(4), 4, true, false, Irp)!;
 * assert.equal(Irp.MdlAddress, First);
 * assert.equal(First.Next, Second);
 * IoFreeIrp(Irp); // frees both MDLs too
 * ```
 */
export function IoAllocateMdl(
  VirtualAddress: Uint8Array,
  Length: number,
  SecondaryBuffer: boolean,
  ChargeQuota: boolean,
  Irp: IRP | null,
): MDL | null {
  void ChargeQuota; // quotas are not modelled
  if (!Number.isInteger(Length) || Length < 0) return null;
  const size = memoryBytes(VirtualAddress)?.byteLength ?? 0;
  if (Length > size) {
    KeBugCheckEx(
      PAGE_FAULT_IN_NONPAGED_AREA,
      (typeof VirtualAddress === "object" ? objectAddress(VirtualAddress) : 0) + size,
      0,
      0,
      0,
      `IoAllocateMdl: Length ${Length} runs past the end of the ${size}-byte VirtualAddress buffer`,
    );
  }
  if (simulateLowResources("IoAllocateMdl")) return null;
  const Mdl = new MDL(VirtualAddress, Length);
  Mdl.MdlFlags = MDL_ALLOCATED_FIXED_SIZE;
  outstanding++;
  if (DriverVerifier.poolTracking) {
    const site = allocationSite();
    if (site !== null) trackedMdls.set(Mdl, site);
  }
  if (Irp) {
    if (!SecondaryBuffer || Irp.MdlAddress === null) {
      Irp.MdlAddress = Mdl;
    } else {
      let last = Irp.MdlAddress;
      while (last.Next !== null) last = last.Next;
      last.Next = Mdl;
    }
  }
  return Mdl;
}

/**
 * Frees one MDL (not the rest of its chain). Freeing it twice bug checks
 * BAD_POOL_CALLER (0xC2) with P1 = 0x07.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, outstandingMdls } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const before = outstandingMdls();
 * IoFreeMdl(IoAllocateMdl(new Uint8Array(1), 1, false, false, null)!);
 * assert.equal(outstandingMdls(), before);
 * ```
 */
export function IoFreeMdl(Mdl: MDL): void {
  const instance = Mdl instanceof MDL;
  if (instance ? markedFreed(Mdl) : freedMdls.has(Mdl)) {
    KeBugCheckEx(
      BAD_POOL_CALLER,
      0x07,
      0,
      0,
      objectAddress(Mdl),
      "IoFreeMdl on an MDL that was already freed",
    );
  }
  if (instance) markFreed(Mdl);
  else freedMdls.add(Mdl);
  if ((Mdl.MdlFlags & MDL_ALLOCATED_FIXED_SIZE) !== 0) outstanding--;
  if (trackedMdls.size !== 0) trackedMdls.delete(Mdl);
  Mdl.MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED);
  Mdl.MappedSystemVa = null;
}

/**
 * The number of MDLs from IoAllocateMdl not yet freed (directly or by IoFreeIrp).
 *
 * @example Usage
 * ```ts
 * import { outstandingMdls } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(typeof outstandingMdls(), "number");
 * ```
 */
export function outstandingMdls(): number {
  return outstanding;
}

/**
 * Fills in an MDL for a buffer in non-paged pool and maps it: the buffer's
 * pages need no locking.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MDL_SOURCE_IS_NONPAGED_POOL } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(8), 8, false, false, null)!;
 * MmBuildMdlForNonPagedPool(Mdl);
 * assert.ok(Mdl.MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmBuildMdlForNonPagedPool(MemoryDescriptorList: MDL): void {
  MemoryDescriptorList.MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
  MemoryDescriptorList.MappedSystemVa = describedBytes(MemoryDescriptorList);
}

/**
 * Locks the described pages for the access `Operation` will make. Memory here
 * never pages out, so this only records the lock for MmUnlockPages.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, IoWriteAccess, KernelMode, MmProbeAndLockPages, MmUnlockPages, MDL_PAGES_LOCKED } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(8), 8, false, false, null)!;
 * MmProbeAndLockPages(Mdl, KernelMode, IoWriteAccess);
 * assert.ok(Mdl.MdlFlags & MDL_PAGES_LOCKED);
 * MmUnlockPages(Mdl);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmProbeAndLockPages(
  MemoryDescriptorList: MDL,
  AccessMode: number,
  Operation: LOCK_OPERATION,
): void {
  void AccessMode; // every buffer is kernel memory here
  MemoryDescriptorList.MdlFlags |= MDL_PAGES_LOCKED;
  if (Operation !== IoReadAccess) MemoryDescriptorList.MdlFlags |= MDL_WRITE_OPERATION;
}

/**
 * Unlocks pages locked by MmProbeAndLockPages, unmapping any system view.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, IoReadAccess, KernelMode, MmProbeAndLockPages, MmUnlockPages } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(8), 8, false, false, null)!;
 * MmProbeAndLockPages(Mdl, KernelMode, IoReadAccess);
 * MmUnlockPages(Mdl);
 * assert.equal(Mdl.MappedSystemVa, null);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmUnlockPages(MemoryDescriptorList: MDL): void {
  MemoryDescriptorList.MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION |
    MDL_MAPPED_TO_SYSTEM_VA);
  MemoryDescriptorList.MappedSystemVa = null;
}

/**
 * A system-space view of exactly the described bytes (`ByteCount` of them),
 * mapping them on first use; null when mapping fails (low resources). Writes
 * through the view reach the original buffer. An MDL that claims more bytes
 * than its memory holds bug checks PAGE_FAULT_IN_NONPAGED_AREA (0x50).
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, MmGetSystemAddressForMdlSafe, NormalPagePriority } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Buffer = new Uint8Array(8);
 * const Mdl = IoAllocateMdl(Buffer.subarray(2), 3, false, false, null)!;
 * const Va = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority)!;
 * Va.fill(7);
 * assert.deepEqual([...Buffer], [0, 0, 7, 7, 7, 0, 0, 0]);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmGetSystemAddressForMdlSafe(Mdl: MDL, Priority: number): Uint8Array | null {
  void Priority; // mapping never competes for system PTEs here
  if ((Mdl.MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) === 0) {
    if (simulateLowResources("MmGetSystemAddressForMdlSafe")) return null;
    Mdl.MappedSystemVa = describedBytes(Mdl);
    Mdl.MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
  }
  return Mdl.MappedSystemVa ?? describedBytes(Mdl);
}

/**
 * The number of bytes the MDL describes.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, MmGetMdlByteCount } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(8), 5, false, false, null)!;
 * assert.equal(MmGetMdlByteCount(Mdl), 5);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmGetMdlByteCount(Mdl: MDL): number {
  return Mdl.ByteCount;
}

/**
 * The buffer the MDL describes (the VirtualAddress given to IoAllocateMdl).
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, MmGetMdlVirtualAddress } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Buffer = new Uint8Array(8);
 * const Mdl = IoAllocateMdl(Buffer, 8, false, false, null)!;
 * assert.equal(MmGetMdlVirtualAddress(Mdl), Buffer);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmGetMdlVirtualAddress(Mdl: MDL): Uint8Array {
  return Mdl.StartVa;
}

/**
 * The offset of the described buffer within its first page.
 *
 * @example Usage
 * ```ts
 * import { IoAllocateMdl, IoFreeMdl, MmGetMdlByteOffset } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Mdl = IoAllocateMdl(new Uint8Array(8).subarray(3), 5, false, false, null)!;
 * assert.equal(MmGetMdlByteOffset(Mdl), 3);
 * IoFreeMdl(Mdl);
 * ```
 */
export function MmGetMdlByteOffset(Mdl: MDL): number {
  return Mdl.ByteOffset;
}
