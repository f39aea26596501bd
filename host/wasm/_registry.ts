// Copyright 2026 the wskemu authors. MIT license.
// Internal: the registry as a C driver reads it — RtlQueryRegistryValues and
// ZwOpenKey / ZwQueryValueKey / ZwClose — over a key store. The store holds
// the driver's `RegistryPath\Parameters` values (the `--param` values of
// `deno task driver run`): an integer is a REG_DWORD, anything else a REG_SZ.
import {
  type NTSTATUS,
  STATUS_BUFFER_OVERFLOW,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import type { CMemory } from "./_memory.ts";
import {
  REG_DWORD,
  REG_SZ,
  registryCreateKey,
  registryKeyExists,
  registryQueryValue,
  registrySetValue,
} from "../../irp/registry.ts";
import {
  RTL_QUERY_REGISTRY_DIRECT,
  RTL_QUERY_REGISTRY_REQUIRED,
  RTL_QUERY_REGISTRY_SUBKEY,
  RTL_REGISTRY_HANDLE,
  RTL_REGISTRY_OPTIONAL,
  RTL_REGISTRY_SERVICES,
} from "../../irp/registry_query.ts";

const SERVICES = "\\Registry\\Machine\\System\\CurrentControlSet\\Services";

/** One registry value: a REG_DWORD number or a REG_SZ string. */
export type RegistryValue = number | string;

/**
 * What the C registry routines read: keys by full path (`\\Registry\\Machine\\...`,
 * case-insensitive) and their values. The host's registry can stand behind it.
 */
export interface RegistrySource {
  /** Whether `key` exists. */
  has(key: string): boolean;
  /** The value `name` under `key`, if any. */
  get(key: string, name: string): RegistryValue | undefined;
  /** Creates `key` when missing (DriverEntry's `Parameters` key always exists). */
  createKey(key: string): void;
  /** Sets a value (a driver's `parameters` option). */
  set(key: string, name: string, value: RegistryValue): void;
}

/**
 * The host's registry (irp/registry.ts): what `deno task driver run --param`
 * writes and TS drivers read. REG_DWORD values are numbers, REG_SZ strings.
 */
export const hostRegistry: RegistrySource = {
  has: (key) => registryKeyExists(key),
  get(key, name) {
    const value = registryQueryValue(key, name);
    if (value === null) return undefined;
    const view = new DataView(value.Data.buffer, value.Data.byteOffset, value.Data.byteLength);
    if (value.Type === REG_DWORD && value.Data.byteLength >= 4) return view.getUint32(0, true);
    let text = "";
    for (let i = 0; i + 1 < value.Data.byteLength; i += 2) {
      const c = view.getUint16(i, true);
      if (c === 0) break;
      text += String.fromCharCode(c);
    }
    return text;
  },
  createKey: (key) => registryCreateKey(key),
  set: (key, name, value) =>
    registrySetValue(key, name, typeof value === "number" ? REG_DWORD : REG_SZ, value),
};

/** Keys (case-insensitive full paths) and their values, apart from the host's registry. */
export class RegistryStore implements RegistrySource {
  private readonly keys = new Map<string, Map<string, RegistryValue>>();

  /** Sets `name` under `key`, creating the key (and its parents) as needed. */
  set(key: string, name: string, value: RegistryValue): void {
    const parts = key.split("\\");
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join("\\").toLowerCase();
      if (!this.keys.has(path)) this.keys.set(path, new Map());
    }
    this.keys.get(key.toLowerCase())!.set(name.toLowerCase(), value);
  }

  /** Creates an empty key. */
  createKey(key: string): void {
    if (!this.keys.has(key.toLowerCase())) this.keys.set(key.toLowerCase(), new Map());
  }

  /** Whether `key` exists. */
  has(key: string): boolean {
    return this.keys.has(key.toLowerCase());
  }

  /** The value `name` under `key`, if any. */
  get(key: string, name: string): RegistryValue | undefined {
    return this.keys.get(key.toLowerCase())?.get(name.toLowerCase());
  }

  /** `--param NAME=VALUE` strings: a value that parses as an integer is a REG_DWORD. */
  static parameter(text: string): RegistryValue {
    return /^(0x[0-9a-f]+|\d+)$/i.test(text.trim()) ? Number(text.trim()) >>> 0 : text;
  }
}

/** The C side of the registry over one store, with open key handles. */
export class RegistryBridge {
  private readonly handles = new Map<number, string>();
  private nextHandle = 0x80100000;

  constructor(
    private readonly mem: CMemory,
    private readonly store: RegistrySource,
    private readonly allocate: (size: number) => number,
    private readonly free: (address: number) => void,
    private readonly allocateForDriver: (size: number) => number,
    private readonly callQueryRoutine: (routine: number, ...args: number[]) => number,
  ) {}

  /** A key handle's path, for ZwClose; undefined when it is not one. */
  close(handle: number): boolean {
    return this.handles.delete(handle);
  }

  openKeys(): number {
    return this.handles.size;
  }

  /** ZwOpenKey(KeyHandle, DesiredAccess, ObjectAttributes). */
  ZwOpenKey(KeyHandle: number, _DesiredAccess: number, ObjectAttributes: number): NTSTATUS {
    const { mem } = this;
    if (KeyHandle === 0 || ObjectAttributes === 0) return STATUS_INVALID_PARAMETER;
    const root = mem.u32(ObjectAttributes + mem.off("OBJECT_ATTRIBUTES.RootDirectory"));
    let path = mem.unicodeString(
      mem.u32(ObjectAttributes + mem.off("OBJECT_ATTRIBUTES.ObjectName")),
    );
    if (root !== 0) {
      const parent = this.handles.get(root);
      if (parent === undefined) return STATUS_INVALID_PARAMETER;
      path = path ? `${parent}\\${path}` : parent;
    }
    if (!this.store.has(path)) return STATUS_OBJECT_NAME_NOT_FOUND;
    const handle = this.nextHandle += 4;
    this.handles.set(handle, path);
    mem.setU32(KeyHandle, handle);
    return STATUS_SUCCESS;
  }

  /** Writes a value's bytes (REG_SZ: UTF-16 with its NUL) into a fresh buffer. */
  private bytesOf(value: RegistryValue): Uint8Array {
    if (typeof value === "number") {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, value >>> 0, true);
      return b;
    }
    const b = new Uint8Array(value.length * 2 + 2);
    for (let i = 0; i < value.length; i++) {
      new DataView(b.buffer).setUint16(2 * i, value.charCodeAt(i), true);
    }
    return b;
  }

  /** ZwQueryValueKey with KeyValuePartialInformation (2). */
  ZwQueryValueKey(
    KeyHandle: number,
    ValueName: number,
    KeyValueInformationClass: number,
    KeyValueInformation: number,
    Length: number,
    ResultLength: number,
  ): NTSTATUS {
    const { mem } = this;
    const key = this.handles.get(KeyHandle);
    if (key === undefined) return STATUS_INVALID_HANDLE;
    if (KeyValueInformationClass !== 2) return STATUS_INVALID_PARAMETER;
    const value = this.store.get(key, mem.unicodeString(ValueName));
    if (value === undefined) return STATUS_OBJECT_NAME_NOT_FOUND;
    const data = this.bytesOf(value);
    const header = mem.off("KEY_VALUE_PARTIAL_INFORMATION.Data");
    const needed = header + data.length;
    if (ResultLength !== 0) mem.setU32(ResultLength, needed);
    if (Length < header) return STATUS_BUFFER_TOO_SMALL;
    mem.setU32(KeyValueInformation + mem.off("KEY_VALUE_PARTIAL_INFORMATION.TitleIndex"), 0);
    mem.setU32(
      KeyValueInformation + mem.off("KEY_VALUE_PARTIAL_INFORMATION.Type"),
      typeof value === "number" ? REG_DWORD : REG_SZ,
    );
    mem.setU32(
      KeyValueInformation + mem.off("KEY_VALUE_PARTIAL_INFORMATION.DataLength"),
      data.length,
    );
    if (Length < needed) return STATUS_BUFFER_OVERFLOW;
    mem.u8.set(data, KeyValueInformation + header);
    return STATUS_SUCCESS;
  }

  /** RtlQueryRegistryValues: DIRECT entries (REG_DWORD, REG_SZ), SUBKEY entries and query routines. */
  RtlQueryRegistryValues(
    RelativeTo: number,
    Path: number,
    QueryTable: number,
    Context: number,
    _Environment: number,
  ): NTSTATUS {
    const { mem } = this;
    const relative = RelativeTo & ~RTL_REGISTRY_OPTIONAL;
    let key = relative & RTL_REGISTRY_HANDLE ? this.handles.get(Path) ?? "" : mem.wstr(Path);
    if ((relative & ~RTL_REGISTRY_HANDLE) === RTL_REGISTRY_SERVICES) key = `${SERVICES}\\${key}`;
    if (!this.store.has(key)) return STATUS_OBJECT_NAME_NOT_FOUND;
    const size = mem.off("RTL_QUERY_REGISTRY_TABLE");
    const field = (entry: number, name: string) =>
      mem.u32(entry + mem.off(`RTL_QUERY_REGISTRY_TABLE.${name}`));
    let current = key;
    for (let entry = QueryTable;; entry += size) {
      const routine = field(entry, "QueryRoutine");
      const flags = field(entry, "Flags");
      const namePtr = field(entry, "Name");
      if (routine === 0 && namePtr === 0) break;
      const name = mem.wstr(namePtr);
      if (flags & RTL_QUERY_REGISTRY_SUBKEY) {
        current = `${key}\\${name}`;
        if (!this.store.has(current)) return STATUS_OBJECT_NAME_NOT_FOUND;
        if (routine === 0) continue;
      }
      let value = this.store.get(current, name);
      if (value === undefined) {
        if (flags & RTL_QUERY_REGISTRY_REQUIRED) return STATUS_OBJECT_NAME_NOT_FOUND;
        const type = field(entry, "DefaultType");
        const data = field(entry, "DefaultData");
        if (type === REG_DWORD && data !== 0) value = mem.u32(data);
        else if (type === REG_SZ && data !== 0) value = mem.wstr(data);
        else continue;
      }
      const target = field(entry, "EntryContext");
      if (flags & RTL_QUERY_REGISTRY_DIRECT) {
        this.writeDirect(target, value);
      } else if (routine !== 0) {
        const bytes = this.bytesOf(value);
        const data = this.allocate(bytes.length);
        mem.u8.set(bytes, data);
        const status = this.callQueryRoutine(
          routine,
          namePtr,
          typeof value === "number" ? REG_DWORD : REG_SZ,
          data,
          bytes.length,
          Context,
          target,
        );
        this.free(data);
        if (status < 0) return status >>> 0;
      }
    }
    return STATUS_SUCCESS;
  }

  /** RTL_QUERY_REGISTRY_DIRECT: a ULONG, or a UNICODE_STRING (allocated when its Buffer is NULL). */
  private writeDirect(target: number, value: RegistryValue): void {
    const { mem } = this;
    if (target === 0) return;
    if (typeof value === "number") {
      mem.setU32(target, value);
      return;
    }
    const bytes = value.length * 2;
    let buffer = mem.u32(target + mem.off("UNICODE_STRING.Buffer"));
    let max = mem.u16(target + mem.off("UNICODE_STRING.MaximumLength"));
    if (buffer === 0) {
      max = bytes + 2;
      buffer = this.allocateForDriver(max);
      mem.setU32(target + mem.off("UNICODE_STRING.Buffer"), buffer);
      mem.setU16(target + mem.off("UNICODE_STRING.MaximumLength"), max);
    }
    const written = mem.writeWide(buffer, value, max >> 1);
    mem.setU16(target + mem.off("UNICODE_STRING.Length"), written * 2);
  }
}
