// Copyright 2026 the wskemu authors. MIT license.
// Internal: the bytes behind an MDL. Memory is bytes whatever view a driver
// holds it through (a Uint16Array describes its bytes, as a PVOID would), and
// an MDL that claims more bytes than its memory holds is memory corruption:
// every access through it bug checks here, before any byte moves, so no caller
// can ever be handed a view shorter than the MDL says.
import {
  formatAddress,
  KeBugCheckEx,
  objectAddress,
  PAGE_FAULT_IN_NONPAGED_AREA,
} from "./bugcheck.ts";
import type { MDL } from "./mdl.ts";
import { specialPoolMemory } from "./_special_pool.ts";

/** `memory` as a byte view, or null when it is not memory (a typed array, DataView or ArrayBuffer). */
export function memoryBytes(memory: unknown): Uint8Array | null {
  if (ArrayBuffer.isView(memory)) {
    return memory instanceof Uint8Array
      ? memory
      : new Uint8Array(memory.buffer, memory.byteOffset, memory.byteLength);
  }
  if (memory instanceof ArrayBuffer) return new Uint8Array(memory);
  // A special pool block is a Proxy, not a view: what an MDL describes, and
  // what the provider reads and writes, is the memory under it.
  return specialPoolMemory(memory);
}

/**
 * The `ByteCount` bytes `Mdl` describes, as one view. A pointer that is not an
 * MDL, an MDL over something that is not memory, or a ByteCount that is not a
 * size or exceeds the memory bug checks PAGE_FAULT_IN_NONPAGED_AREA (0x50),
 * P1 = the first address past the memory that exists, P2 = 0 (a read): on
 * Windows the provider's first access through such an MDL runs off the
 * described pages (into Driver Verifier's guard page, or an unmapped one).
 */
export function describedBytes(Mdl: MDL): Uint8Array {
  if (typeof Mdl !== "object" || Mdl === null) {
    return pageFault(0, `the MDL pointer ${String(Mdl)} is not an MDL`);
  }
  const bytes = memoryBytes(Mdl.StartVa);
  const { ByteCount } = Mdl;
  if (bytes === null) {
    return pageFault(
      objectAddress(Mdl),
      `the MDL at ${formatAddress(objectAddress(Mdl))} describes no memory (StartVa is ${
        typeName(Mdl.StartVa)
      })`,
    );
  }
  if (!Number.isSafeInteger(ByteCount) || ByteCount < 0 || ByteCount > bytes.length) {
    return pageFault(
      objectAddress(Mdl.StartVa) + bytes.length,
      `the MDL at ${
        formatAddress(objectAddress(Mdl))
      } claims ByteCount ${ByteCount}, but its memory ` +
        `holds ${bytes.length} bytes`,
    );
  }
  // The whole memory needs no view of its own (the common case, on every send and receive).
  return ByteCount === bytes.length ? bytes : bytes.subarray(0, ByteCount);
}

function pageFault(address: number, rule: string): never {
  return KeBugCheckEx(PAGE_FAULT_IN_NONPAGED_AREA, address, 0, 0, 0, rule);
}

function typeName(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  return value.constructor?.name ?? "an object";
}
