// Copyright 2026 the wskemu authors. MIT license.
/**
 * The registry, as much of it as a driver reads: an in-memory store of keys
 * and values that the driver host fills (a driver's `--param NAME=VALUE`
 * values land under `<RegistryPath>\Parameters`), and the kernel routines
 * that open a key, read a value and close the handle: ZwOpenKey,
 * ZwQueryValueKey (with the byte-exact KEY_VALUE_*_INFORMATION layouts) and
 * ZwClose. RtlQueryRegistryValues is in `registry_query.ts`. Key and value
 * names are case-insensitive, as on Windows; data is stored as the bytes
 * Windows stores (REG_DWORD little-endian, REG_SZ UTF-16LE with its NUL).
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_BUFFER_OVERFLOW,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
} from "./ntstatus.ts";
import {
  canonical,
  countedText,
  handlePath,
  keyOf,
  keys,
  nameBytes,
  openKeyHandle,
  type RegistryName,
  type RegistryValue,
  regSzData,
} from "./_registry_store.ts";
import { requirePassiveLevel } from "./verifier.ts";
import { kernelHandles } from "./_handles.ts";

// The DDI compliance rule for registry Zw* routines (PASSIVE_LEVEL only).
const IRQL_ZW_PASSIVE = 0x2001F;

export type { RegistryName, RegistryValue } from "./_registry_store.ts";

/** `REG_NONE` (0): no type. */
export const REG_NONE: number = 0;
/** `REG_SZ` (1): a NUL-terminated UTF-16 string. */
export const REG_SZ: number = 1;
/** `REG_EXPAND_SZ` (2): a string with %VARIABLES% (not expanded here). */
export const REG_EXPAND_SZ: number = 2;
/** `REG_BINARY` (3): raw bytes. */
export const REG_BINARY: number = 3;
/** `REG_DWORD` (4): a 32-bit little-endian number. */
export const REG_DWORD: number = 4;
/** `REG_MULTI_SZ` (7): NUL-separated strings ending in two NULs. */
export const REG_MULTI_SZ: number = 7;
/** `REG_QWORD` (11): a 64-bit little-endian number. */
export const REG_QWORD: number = 11;

/** `KEY_QUERY_VALUE` (0x0001). */
export const KEY_QUERY_VALUE: number = 0x0001;
/** `KEY_READ` (0x20019). */
export const KEY_READ: number = 0x20019;
/** `KEY_ALL_ACCESS` (0xF003F). */
export const KEY_ALL_ACCESS: number = 0xF003F;

/** `OBJ_CASE_INSENSITIVE` (0x40). */
export const OBJ_CASE_INSENSITIVE: number = 0x40;
/** `OBJ_KERNEL_HANDLE` (0x200). */
export const OBJ_KERNEL_HANDLE: number = 0x200;

/** `KeyValueBasicInformation` (0): KEY_VALUE_BASIC_INFORMATION. */
export const KeyValueBasicInformation: number = 0;
/** `KeyValueFullInformation` (1): KEY_VALUE_FULL_INFORMATION. */
export const KeyValueFullInformation: number = 1;
/** `KeyValuePartialInformation` (2): KEY_VALUE_PARTIAL_INFORMATION. */
export const KeyValuePartialInformation: number = 2;

/**
 * A kernel handle, as `HANDLE`: an opaque number (kernel handles have the top
 * bit of a 32-bit value set, so a C driver on wasm32 holds the same number).
 */
export type HANDLE = number;

/** `OBJECT_ATTRIBUTES`: what ZwOpenKey opens. Fill it with InitializeObjectAttributes. */
export interface OBJECT_ATTRIBUTES {
  /** sizeof(OBJECT_ATTRIBUTES): 48 on x64. */
  Length: number;
  /** A key handle `ObjectName` is relative to, or null for an absolute name. */
  RootDirectory: HANDLE | null;
  /** The key's name, e.g. `\Registry\Machine\System\CurrentControlSet\Services\echo`. */
  ObjectName: RegistryName | null;
  /** OBJ_* flags. */
  Attributes: number;
  /** Not used by the emulation. */
  SecurityDescriptor: unknown;
  /** Not used by the emulation. */
  SecurityQualityOfService: unknown;
}

/**
 * `InitializeObjectAttributes`: fills `InitializedAttributes` in place, as the
 * wdm.h macro does.
 *
 * @example Usage
 * ```ts
 * import { InitializeObjectAttributes, OBJ_CASE_INSENSITIVE, type OBJECT_ATTRIBUTES } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Name = { Length: 18, MaximumLength: 20, Buffer: "\\Registry" };
 * const Attributes = {} as OBJECT_ATTRIBUTES;
 * InitializeObjectAttributes(Attributes, Name, OBJ_CASE_INSENSITIVE, null, null);
 * assert.equal(Attributes.ObjectName, Name);
 * assert.equal(Attributes.Length, 48);
 * ```
 */
export function InitializeObjectAttributes(
  InitializedAttributes: OBJECT_ATTRIBUTES,
  ObjectName: RegistryName | null,
  Attributes: number,
  RootDirectory: HANDLE | null,
  SecurityDescriptor: unknown,
): void {
  InitializedAttributes.Length = 48;
  InitializedAttributes.RootDirectory = RootDirectory;
  InitializedAttributes.Attributes = Attributes;
  InitializedAttributes.ObjectName = ObjectName;
  InitializedAttributes.SecurityDescriptor = SecurityDescriptor;
  InitializedAttributes.SecurityQualityOfService = null;
}

/**
 * Creates a key (and, implicitly, its parents) if it does not exist. The
 * driver host calls it for a driver's service key; tests call it to set up
 * what a driver reads.
 *
 * @example Usage
 * ```ts
 * import { registryCreateKey, registryDeleteKey, registryKeyExists } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * registryCreateKey("\\Registry\\Machine\\Software\\Example");
 * assert.equal(registryKeyExists("\\REGISTRY\\MACHINE\\SOFTWARE\\EXAMPLE"), true);
 * registryDeleteKey("\\Registry\\Machine\\Software\\Example");
 * ```
 */
export function registryCreateKey(KeyPath: string): void {
  const parts = KeyPath.split("\\").filter((part) => part !== "");
  for (let i = 1; i <= parts.length; i++) {
    const path = parts.slice(0, i).join("\\");
    const id = path.toLowerCase();
    if (!keys.has(id)) keys.set(id, { path: "\\" + path, values: new Map() });
  }
}

/**
 * True when the key exists.
 *
 * @example Usage
 * ```ts
 * import { registryKeyExists } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(registryKeyExists("\\Registry\\Machine\\NoSuchKey"), false);
 * ```
 */
export function registryKeyExists(KeyPath: string): boolean {
  return keys.has(canonical(KeyPath));
}

/**
 * Deletes a key, its values and every key below it. Open handles to them
 * stay valid but find nothing, as a deleted key's handles do.
 *
 * @example Usage
 * ```ts
 * import { registryCreateKey, registryDeleteKey, registryKeyExists } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * registryCreateKey("\\Registry\\Machine\\Software\\Gone\\Child");
 * registryDeleteKey("\\Registry\\Machine\\Software\\Gone");
 * assert.equal(registryKeyExists("\\Registry\\Machine\\Software\\Gone\\Child"), false);
 * ```
 */
export function registryDeleteKey(KeyPath: string): void {
  const id = canonical(KeyPath);
  for (const [other, key] of keys) {
    if (other === id || other.startsWith(id + "\\")) {
      key.values.clear();
      keys.delete(other);
    }
  }
}

/**
 * Sets a value, creating its key if needed. `Data` is a number for REG_DWORD
 * (and REG_QWORD), a string for REG_SZ / REG_EXPAND_SZ, or the raw bytes.
 *
 * @example Usage
 * ```ts
 * import { registryDeleteKey, registryQueryValue, registrySetValue, REG_DWORD } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * registrySetValue("\\Registry\\Machine\\Software\\Ex", "Port", REG_DWORD, 40007);
 * assert.deepEqual(registryQueryValue("\\Registry\\Machine\\Software\\Ex", "PORT")!.Data, new Uint8Array([0x47, 0x9C, 0, 0]));
 * registryDeleteKey("\\Registry\\Machine\\Software\\Ex");
 * ```
 */
export function registrySetValue(
  KeyPath: string,
  ValueName: string,
  Type: number,
  Data: number | string | Uint8Array,
): void {
  registryCreateKey(KeyPath);
  let bytes: Uint8Array;
  if (typeof Data === "string") bytes = regSzData(Data);
  else if (typeof Data === "number") {
    bytes = new Uint8Array(Type === REG_QWORD ? 8 : 4);
    const view = new DataView(bytes.buffer);
    if (Type === REG_QWORD) view.setBigUint64(0, BigInt(Data), true);
    else view.setUint32(0, Data >>> 0, true);
  } else bytes = Data.slice();
  keys.get(canonical(KeyPath))!.values.set(ValueName.toLowerCase(), {
    Name: ValueName,
    Type,
    Data: bytes,
  });
}

/**
 * A value of a key, or null when the key or the value does not exist. An
 * empty name is the key's default value.
 *
 * @example Usage
 * ```ts
 * import { registryQueryValue } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(registryQueryValue("\\Registry\\Machine\\NoSuchKey", "x"), null);
 * ```
 */
export function registryQueryValue(KeyPath: string, ValueName: string): RegistryValue | null {
  return keys.get(canonical(KeyPath))?.values.get(ValueName.toLowerCase()) ?? null;
}

/**
 * Registry key handles opened with ZwOpenKey and not yet closed with ZwClose:
 * what the unload report lists.
 *
 * @example Usage
 * ```ts
 * import { openRegistryHandles } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.ok(Array.isArray(openRegistryHandles()));
 * ```
 */
export function openRegistryHandles(): { Handle: HANDLE; path: string }[] {
  return [...kernelHandles.keys()].flatMap((Handle) => {
    const key = keyOf(Handle);
    return key ? [{ Handle, path: key.path }] : [];
  });
}

/**
 * `ZwOpenKey`: opens the key named by `ObjectAttributes` (absolute, or relative
 * to `RootDirectory`) and stores its handle in `KeyHandle.value`. Returns
 * STATUS_OBJECT_NAME_NOT_FOUND for a key that does not exist,
 * STATUS_INVALID_HANDLE for a bad `RootDirectory`, and STATUS_INVALID_PARAMETER
 * without a name. Access rights are not checked.
 *
 * @example Usage
 * ```ts
 * import {
 *   InitializeObjectAttributes, KEY_READ, OBJ_CASE_INSENSITIVE, OBJ_KERNEL_HANDLE, registryCreateKey,
 *   registryDeleteKey, STATUS_SUCCESS, ZwClose, ZwOpenKey, type HANDLE, type OBJECT_ATTRIBUTES,
 * } from "@wskemu/wsk/irp";
 * import { RtlInitUnicodeString, type UNICODE_STRING } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * registryCreateKey("\\Registry\\Machine\\Software\\Open");
 * const Attributes = {} as OBJECT_ATTRIBUTES;
 * const Name = {} as UNICODE_STRING;
 * RtlInitUnicodeString(Name, "\\Registry\\Machine\\Software\\Open");
 * InitializeObjectAttributes(Attributes, Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, null, null);
 * const KeyHandle = { value: null as HANDLE | null };
 * assert.equal(ZwOpenKey(KeyHandle, KEY_READ, Attributes), STATUS_SUCCESS);
 * assert.equal(ZwClose(KeyHandle.value!), STATUS_SUCCESS);
 * registryDeleteKey("\\Registry\\Machine\\Software\\Open");
 * ```
 */
export function ZwOpenKey(
  KeyHandle: { value: HANDLE | null },
  DesiredAccess: number,
  ObjectAttributes: OBJECT_ATTRIBUTES,
): NTSTATUS {
  requirePassiveLevel("ZwOpenKey", IRQL_ZW_PASSIVE, "IrqlZwPassive");
  void DesiredAccess; // every key is readable here
  KeyHandle.value = null;
  const ObjectName = ObjectAttributes?.ObjectName;
  if (typeof ObjectName?.Buffer !== "string") return STATUS_INVALID_PARAMETER;
  const name = countedText(ObjectName);
  let path = name;
  if (ObjectAttributes.RootDirectory !== null && ObjectAttributes.RootDirectory !== undefined) {
    const root = handlePath(ObjectAttributes.RootDirectory);
    if (root === null) return STATUS_INVALID_HANDLE;
    path = name === "" ? root : `${root}\\${name}`;
  }
  const key = keys.get(canonical(path));
  if (!key) return STATUS_OBJECT_NAME_NOT_FOUND;
  const Handle = openKeyHandle(key);
  KeyHandle.value = Handle;
  return STATUS_SUCCESS;
}

/**
 * `ZwClose`: closes a kernel handle (from ZwOpenKey or PsCreateSystemThread).
 * STATUS_INVALID_HANDLE for one that is not open (Windows bug checks 0x93 INVALID_KERNEL_HANDLE for a bad
 * kernel handle only under Driver Verifier; here the status is returned).
 *
 * @example Usage
 * ```ts
 * import { STATUS_INVALID_HANDLE, ZwClose } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(ZwClose(0x1234), STATUS_INVALID_HANDLE);
 * ```
 */
export function ZwClose(Handle: HANDLE): NTSTATUS {
  requirePassiveLevel("ZwClose", IRQL_ZW_PASSIVE, "IrqlZwPassive");
  return kernelHandles.delete(Handle) ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

/** A KEY_VALUE_*_INFORMATION image: its fixed part's size and the whole record. */
function valueInformation(
  value: RegistryValue,
  KeyValueInformationClass: number,
): { fixed: number; record: Uint8Array } | null {
  const name = nameBytes(value.Name);
  let fixed: number, record: Uint8Array;
  if (KeyValueInformationClass === KeyValuePartialInformation) {
    // TitleIndex, Type, DataLength, Data[]
    fixed = 12;
    record = new Uint8Array(fixed + value.Data.length);
    const view = new DataView(record.buffer);
    view.setUint32(4, value.Type, true);
    view.setUint32(8, value.Data.length, true);
    record.set(value.Data, 12);
  } else if (KeyValueInformationClass === KeyValueBasicInformation) {
    // TitleIndex, Type, NameLength, Name[]
    fixed = 12;
    record = new Uint8Array(fixed + name.length);
    const view = new DataView(record.buffer);
    view.setUint32(4, value.Type, true);
    view.setUint32(8, name.length, true);
    record.set(name, 12);
  } else if (KeyValueInformationClass === KeyValueFullInformation) {
    // TitleIndex, Type, DataOffset, DataLength, NameLength, Name[], (aligned) Data[]
    fixed = 20;
    const DataOffset = (fixed + name.length + 7) & ~7;
    record = new Uint8Array(DataOffset + value.Data.length);
    const view = new DataView(record.buffer);
    view.setUint32(4, value.Type, true);
    view.setUint32(8, DataOffset, true);
    view.setUint32(12, value.Data.length, true);
    view.setUint32(16, name.length, true);
    record.set(name, 20);
    record.set(value.Data, DataOffset);
  } else return null;
  return { fixed, record };
}

/**
 * `ZwQueryValueKey`: writes a value of an open key into `KeyValueInformation`
 * as KEY_VALUE_PARTIAL_INFORMATION (TitleIndex, Type, DataLength at offsets 0,
 * 4, 8, the data from offset 12), KEY_VALUE_BASIC_INFORMATION or
 * KEY_VALUE_FULL_INFORMATION, little-endian as on x64. `ResultLength.value`
 * is always the size the whole record needs. As on Windows, a buffer smaller
 * than the fixed part returns STATUS_BUFFER_TOO_SMALL and writes nothing; one
 * that holds the fixed part but not the rest returns STATUS_BUFFER_OVERFLOW
 * with the fixed part written. STATUS_OBJECT_NAME_NOT_FOUND for a missing
 * value, STATUS_INVALID_HANDLE for a handle that is not open,
 * STATUS_INVALID_PARAMETER for an unknown class.
 *
 * @example Read a REG_DWORD
 * ```ts
 * import {
 *   InitializeObjectAttributes, KEY_READ, KeyValuePartialInformation, REG_DWORD, registryDeleteKey,
 *   registrySetValue, STATUS_BUFFER_OVERFLOW, STATUS_SUCCESS, ZwClose, ZwOpenKey, ZwQueryValueKey,
 *   type HANDLE, type OBJECT_ATTRIBUTES,
 * } from "@wskemu/wsk/irp";
 * import { RtlInitUnicodeString, type UNICODE_STRING } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * registrySetValue("\\Registry\\Machine\\Software\\Q\\Parameters", "Port", REG_DWORD, 7);
 * const Attributes = {} as OBJECT_ATTRIBUTES;
 * const Name = {} as UNICODE_STRING;
 * RtlInitUnicodeString(Name, "\\Registry\\Machine\\Software\\Q\\Parameters");
 * InitializeObjectAttributes(Attributes, Name, 0x240, null, null);
 * const Key = { value: null as HANDLE | null };
 * ZwOpenKey(Key, KEY_READ, Attributes);
 * const ValueName = { Length: 8, MaximumLength: 10, Buffer: "Port" };
 * const ResultLength = { value: 0 };
 * const Small = new Uint8Array(12);
 * assert.equal(ZwQueryValueKey(Key.value!, ValueName, KeyValuePartialInformation, Small, 12, ResultLength), STATUS_BUFFER_OVERFLOW);
 * assert.equal(ResultLength.value, 16);
 * const Info = new Uint8Array(ResultLength.value);
 * assert.equal(ZwQueryValueKey(Key.value!, ValueName, KeyValuePartialInformation, Info, Info.length, ResultLength), STATUS_SUCCESS);
 * const View = new DataView(Info.buffer);
 * assert.equal(View.getUint32(4, true), REG_DWORD);
 * assert.equal(View.getUint32(12, true), 7);
 * ZwClose(Key.value!);
 * registryDeleteKey("\\Registry\\Machine\\Software\\Q");
 * ```
 */
export function ZwQueryValueKey(
  KeyHandle: HANDLE,
  ValueName: RegistryName,
  KeyValueInformationClass: number,
  KeyValueInformation: Uint8Array | null,
  Length: number,
  ResultLength: { value: number },
): NTSTATUS {
  requirePassiveLevel("ZwQueryValueKey", IRQL_ZW_PASSIVE, "IrqlZwPassive");
  const key = keyOf(KeyHandle);
  if (!key) return STATUS_INVALID_HANDLE;
  if (typeof ValueName?.Buffer !== "string") return STATUS_INVALID_PARAMETER;
  const name = countedText(ValueName);
  const value = keys.get(canonical(key.path))?.values.get(name.toLowerCase());
  if (!value) return STATUS_OBJECT_NAME_NOT_FOUND;
  const info = valueInformation(value, KeyValueInformationClass);
  if (!info) return STATUS_INVALID_PARAMETER;
  ResultLength.value = info.record.length;
  const room = Math.min(Length, KeyValueInformation?.length ?? 0);
  if (room < info.fixed) return STATUS_BUFFER_TOO_SMALL;
  if (room < info.record.length) {
    KeyValueInformation!.set(info.record.subarray(0, info.fixed));
    return STATUS_BUFFER_OVERFLOW;
  }
  KeyValueInformation!.set(info.record);
  return STATUS_SUCCESS;
}
