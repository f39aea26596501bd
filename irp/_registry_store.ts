// Copyright 2026 the wskemu authors. MIT license.
// Internal: the registry's storage, shared by the Zw* routines and
// RtlQueryRegistryValues. Paths are canonical (no empty parts, lower case).
import { kernelHandles, openHandle } from "./_handles.ts";

/** A counted string as the registry routines read it (structurally a `UNICODE_STRING`). */
export interface RegistryName {
  /** Length in bytes, without a NUL. */
  Length: number;
  /** Capacity in bytes. */
  MaximumLength: number;
  /** The text. */
  Buffer: string;
}

/** One stored value: its name as created, its type and its bytes. */
export interface RegistryValue {
  /** The name as it was created (lookups ignore case). */
  Name: string;
  /** REG_* type. */
  Type: number;
  /** The data, as Windows stores it. */
  Data: Uint8Array;
}

/** One key: its path as created and its values by lower-case name. */
export interface RegistryKey {
  path: string;
  values: Map<string, RegistryValue>;
}

export const keys = new Map<string, RegistryKey>();
const keyObjects = new WeakSet<RegistryKey>();

/** A handle's key, or undefined for a handle that is not an open registry key. */
export function keyOf(KeyHandle: number | null): RegistryKey | undefined {
  const object = KeyHandle === null ? undefined : kernelHandles.get(KeyHandle);
  return object && keyObjects.has(object as RegistryKey) ? object as RegistryKey : undefined;
}

/** Opens a handle on `key`. */
export function openKeyHandle(key: RegistryKey): number {
  keyObjects.add(key);
  return openHandle(key);
}

/** A key path in canonical form: backslashes, no doubled or trailing ones, lower case. */
export function canonical(path: string): string {
  return path.split("\\").filter((part) => part !== "").join("\\").toLowerCase();
}

/** The data of a REG_SZ: UTF-16LE with the terminating NUL. */
export function regSzData(text: string): Uint8Array {
  const Data = new Uint8Array((text.length + 1) * 2);
  const view = new DataView(Data.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
  return Data;
}

/** The values of a key in creation order (for RtlQueryRegistryValues' enumeration). */
export function enumerateValues(KeyPath: string): RegistryValue[] {
  return [...(keys.get(canonical(KeyPath))?.values.values() ?? [])];
}

/** The path a handle was opened on, or null for a handle that is not an open key. */
export function handlePath(KeyHandle: number | null): string | null {
  return keyOf(KeyHandle)?.path ?? null;
}

/** The text a counted string holds: `Length` bytes of `Buffer`, as the kernel reads it. */
export function countedText(s: RegistryName): string {
  return s.Buffer.slice(0, Math.max(0, Math.floor((s.Length ?? s.Buffer.length * 2) / 2)));
}

/** The bytes of a UTF-16 name, without a NUL. */
export function nameBytes(text: string): Uint8Array {
  return regSzData(text).subarray(0, text.length * 2);
}
