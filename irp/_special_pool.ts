// Copyright 2026 the wskemu authors. MIT license.
// Internal: Driver Verifier's special pool for TypeScript memory. A block is a
// Proxy over its own Uint8Array: once freed, its memory is poisoned (0xDD, so
// MDL views of it read garbage) and the first access through the block bug
// checks PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xCC), as the unmapped page would.
// A write past the end lands in the block's guard bytes and is found when the
// block is freed (SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, 0xC1 / 0x24), as
// Windows finds a corrupted slop pattern.
import {
  KeBugCheckEx,
  objectAddress,
  PAGE_FAULT_IN_FREED_SPECIAL_POOL,
  SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION,
} from "./bugcheck.ts";

const POISON = 0xDD;

interface Block {
  target: Uint8Array;
  freed: boolean;
  /** Index and value of the first write past the end, if any. */
  overrun: number | null;
  describe: string;
}

const blocks = new WeakMap<object, Block>();

function isIndex(property: string | symbol): property is string {
  return typeof property === "string" && /^\d+$/.test(property);
}

function useAfterFree(block: Block, write: boolean, property: string | symbol): never {
  KeBugCheckEx(
    PAGE_FAULT_IN_FREED_SPECIAL_POOL,
    objectAddress(block.target) + (isIndex(property) ? Number(property) : 0),
    write ? 1 : 0,
    0,
    0,
    `${write ? "a write to" : "a read of"} ${block.describe} after it was freed ` +
      `(${isIndex(property) ? `byte ${property}` : `.${String(property)}`})`,
  );
}

/** A special pool block of `size` bytes; `describe` names it in bug checks. */
export function specialPoolBlock(size: number, describe: string): Uint8Array {
  const target = new Uint8Array(size);
  const block: Block = { target, freed: false, overrun: null, describe };
  const proxy = new Proxy(target, {
    get(t, property) {
      if (block.freed) useAfterFree(block, false, property);
      const value = Reflect.get(t, property, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
    set(t, property, value) {
      if (block.freed) useAfterFree(block, true, property);
      if (isIndex(property) && Number(property) >= t.length) {
        block.overrun ??= Number(property);
        return true;
      }
      return Reflect.set(t, property, value, t);
    },
  });
  blocks.set(proxy, block);
  return proxy;
}

/**
 * The memory under a special pool block, or null when `P` is not one. MDLs
 * describe this memory: a provider reading it after the free reads the poison.
 */
export function specialPoolMemory(P: unknown): Uint8Array | null {
  return typeof P === "object" && P !== null ? blocks.get(P)?.target ?? null : null;
}

/** Frees a special pool block: checks its guard bytes, then poisons it. */
export function freeSpecialPoolBlock(P: object): void {
  const block = blocks.get(P);
  if (!block) return;
  if (block.overrun !== null) {
    const at = block.overrun;
    block.overrun = null;
    KeBugCheckEx(
      SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION,
      objectAddress(block.target),
      objectAddress(block.target) + at,
      0,
      0x24,
      `${block.describe} was written past its end (byte ${at} of a ` +
        `${block.target.length}-byte block), found when it was freed`,
    );
  }
  block.target.fill(POISON);
  block.freed = true;
}
