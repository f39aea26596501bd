// Copyright 2026 the wskemu authors. MIT license.
// Internal: RtlQueryRegistryValues' walk over a query table — the key Path
// names, SUBKEY / TOPKEY, defaults, REQUIRED, NOVALUE, DELETE, TYPECHECK and
// the QueryRoutine calls — shared by the TS routine (registry_query.ts) and
// the C drivers' (host/wasm), which differ only in where DIRECT stores a value.
import {
  type NTSTATUS,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_OBJECT_TYPE_MISMATCH,
  STATUS_SUCCESS,
} from "./ntstatus.ts";
import {
  canonical,
  enumerateValues,
  handlePath,
  keys,
  type RegistryValue,
  regSzData,
} from "./_registry_store.ts";
import { REG_BINARY, REG_EXPAND_SZ, REG_MULTI_SZ, REG_NONE, REG_SZ } from "./registry.ts";
import { requirePassiveLevel } from "./verifier.ts";

/** `RTL_REGISTRY_ABSOLUTE` (0): Path is a full key path. */
export const RTL_REGISTRY_ABSOLUTE: number = 0;
/** `RTL_REGISTRY_SERVICES` (1): Path is relative to `\Registry\Machine\System\CurrentControlSet\Services`. */
export const RTL_REGISTRY_SERVICES: number = 1;
/** `RTL_REGISTRY_CONTROL` (2): relative to `...\CurrentControlSet\Control`. */
export const RTL_REGISTRY_CONTROL: number = 2;
/** `RTL_REGISTRY_WINDOWS_NT` (3): relative to `\Registry\Machine\Software\Microsoft\Windows NT\CurrentVersion`. */
export const RTL_REGISTRY_WINDOWS_NT: number = 3;
/** `RTL_REGISTRY_DEVICEMAP` (4): relative to `\Registry\Machine\Hardware\DeviceMap`. */
export const RTL_REGISTRY_DEVICEMAP: number = 4;
/** `RTL_REGISTRY_USER` (5): relative to the current user's key (`\Registry\User\.Default` here). */
export const RTL_REGISTRY_USER: number = 5;
/** `RTL_REGISTRY_HANDLE` (0x40000000): Path is a key HANDLE from ZwOpenKey. */
export const RTL_REGISTRY_HANDLE: number = 0x40000000;
/** `RTL_REGISTRY_OPTIONAL` (0x80000000): a missing key is not an error. */
export const RTL_REGISTRY_OPTIONAL: number = 0x80000000;

/** `RTL_QUERY_REGISTRY_SUBKEY` (0x1): Name is a subkey; later entries read it. */
export const RTL_QUERY_REGISTRY_SUBKEY: number = 0x1;
/** `RTL_QUERY_REGISTRY_TOPKEY` (0x2): later entries read the key of Path again. */
export const RTL_QUERY_REGISTRY_TOPKEY: number = 0x2;
/** `RTL_QUERY_REGISTRY_REQUIRED` (0x4): a missing value fails with STATUS_OBJECT_NAME_NOT_FOUND. */
export const RTL_QUERY_REGISTRY_REQUIRED: number = 0x4;
/** `RTL_QUERY_REGISTRY_NOVALUE` (0x8): call the QueryRoutine without a value. */
export const RTL_QUERY_REGISTRY_NOVALUE: number = 0x8;
/** `RTL_QUERY_REGISTRY_NOEXPAND` (0x10): no %VAR% expansion and no REG_MULTI_SZ splitting. */
export const RTL_QUERY_REGISTRY_NOEXPAND: number = 0x10;
/** `RTL_QUERY_REGISTRY_DIRECT` (0x20): store the value in EntryContext; no QueryRoutine. */
export const RTL_QUERY_REGISTRY_DIRECT: number = 0x20;
/** `RTL_QUERY_REGISTRY_DELETE` (0x40): delete the value once read. */
export const RTL_QUERY_REGISTRY_DELETE: number = 0x40;
/** `RTL_QUERY_REGISTRY_TYPECHECK` (0x100): with DIRECT, the top byte of DefaultType is the type the value must have. */
export const RTL_QUERY_REGISTRY_TYPECHECK: number = 0x100;
/** `RTL_QUERY_REGISTRY_TYPECHECK_SHIFT` (24). */
export const RTL_QUERY_REGISTRY_TYPECHECK_SHIFT: number = 24;

/** `RTL_QUERY_REGISTRY_ROUTINE`: called for each value an entry finds. */
export type RTL_QUERY_REGISTRY_ROUTINE = (
  ValueName: string,
  ValueType: number,
  ValueData: Uint8Array | null,
  ValueLength: number,
  Context: unknown,
  EntryContext: unknown,
) => NTSTATUS;

/**
 * One `RTL_QUERY_REGISTRY_TABLE` entry. The table ends at an entry with no
 * QueryRoutine and neither SUBKEY nor DIRECT (as the zeroed C entry does), or
 * at the end of the array.
 *
 * With RTL_QUERY_REGISTRY_DIRECT, `EntryContext` receives the value:
 * - a box `{ value: number }` (a ULONG variable in C) gets a REG_DWORD as a number;
 * - a `UNICODE_STRING` gets a REG_SZ / REG_EXPAND_SZ: a null `Buffer` is
 *   allocated, otherwise `MaximumLength` must hold the text and its NUL
 *   (else STATUS_BUFFER_TOO_SMALL);
 * - a `Uint8Array` (the memory at EntryContext in C) gets data of up to 4
 *   bytes as is; larger data follows the C rule: the buffer starts with a
 *   LONG whose magnitude is its size; negative, the data alone is stored;
 *   positive, its length and type come first, then the data.
 */
export interface RTL_QUERY_REGISTRY_TABLE {
  /** Called with the value, unless DIRECT. */
  QueryRoutine: RTL_QUERY_REGISTRY_ROUTINE | null;
  /** RTL_QUERY_REGISTRY_* flags. */
  Flags: number;
  /** The value's name (or the subkey's, with SUBKEY); null enumerates every value. */
  Name: string | null;
  /** Passed to the QueryRoutine, or where DIRECT stores the value. */
  EntryContext: unknown;
  /** The type of DefaultData; REG_NONE for no default. With TYPECHECK, the top byte is the expected type. */
  DefaultType: number;
  /** Used when the value is missing: a number (REG_DWORD), a string (REG_SZ) or bytes. */
  DefaultData: unknown;
  /** Bytes of DefaultData; 0 for a string means its length with the NUL. */
  DefaultLength: number;
}

const ROOTS: ReadonlyMap<number, string> = new Map([
  [RTL_REGISTRY_ABSOLUTE, ""],
  [RTL_REGISTRY_SERVICES, "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\"],
  [RTL_REGISTRY_CONTROL, "\\Registry\\Machine\\System\\CurrentControlSet\\Control\\"],
  [
    RTL_REGISTRY_WINDOWS_NT,
    "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion\\",
  ],
  [RTL_REGISTRY_DEVICEMAP, "\\Registry\\Machine\\Hardware\\DeviceMap\\"],
  [RTL_REGISTRY_USER, "\\Registry\\User\\.Default\\"],
]);

/** Whether `Type` holds text: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ. */
export function isString(Type: number): boolean {
  return Type === REG_SZ || Type === REG_EXPAND_SZ || Type === REG_MULTI_SZ;
}

/** The stored image of a default: a number is a REG_DWORD, a string a REG_SZ. */
function defaultValue(entry: RTL_QUERY_REGISTRY_TABLE): RegistryValue | null {
  const type = entry.Flags & RTL_QUERY_REGISTRY_TYPECHECK
    ? entry.DefaultType & 0xFF_FFFF
    : entry.DefaultType;
  if (type === REG_NONE) return null;
  const Data = entry.DefaultData;
  let bytes: Uint8Array;
  if (typeof Data === "number") {
    bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, Data >>> 0, true);
  } else if (typeof Data === "string") bytes = regSzData(Data);
  else if (Data instanceof Uint8Array) {
    bytes = Data.slice(0, entry.DefaultLength > 0 ? entry.DefaultLength : Data.length);
  } else return null;
  return { Name: entry.Name ?? "", Type: type, Data: bytes };
}

/** The text of REG_SZ data, up to its first NUL. */
export function stringOf(Data: Uint8Array): string {
  const view = new DataView(Data.buffer, Data.byteOffset, Data.byteLength);
  let text = "";
  for (let i = 0; i + 1 < Data.length; i += 2) {
    const unit = view.getUint16(i, true);
    if (unit === 0) break;
    text += String.fromCharCode(unit);
  }
  return text;
}

/**
 * Where a front end's RTL_QUERY_REGISTRY_DIRECT puts `value` (its type already
 * checked): into what `entry.EntryContext` stands for.
 */
export type DirectStore = (entry: RTL_QUERY_REGISTRY_TABLE, value: RegistryValue) => NTSTATUS;

/**
 * RTL_QUERY_REGISTRY_DIRECT of non-string data into the memory at EntryContext
 * (`target`), as C lays it out: up to 4 bytes as they are; more (or REG_BINARY)
 * by the buffer's leading LONG, whose magnitude is the buffer's size: negative,
 * the data alone is stored; positive, its length and type come first.
 */
export function storeSized(target: Uint8Array, value: RegistryValue): NTSTATUS {
  if (value.Data.length <= 4 && value.Type !== REG_BINARY) {
    if (target.length < value.Data.length) return STATUS_BUFFER_TOO_SMALL;
    target.set(value.Data);
    return STATUS_SUCCESS;
  }
  if (target.length < 4) return STATUS_BUFFER_TOO_SMALL;
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const declared = view.getInt32(0, true);
  const size = Math.min(Math.abs(declared), target.length);
  if (declared < 0) {
    if (size < value.Data.length) return STATUS_BUFFER_TOO_SMALL;
    target.set(value.Data);
    return STATUS_SUCCESS;
  }
  if (size < 8 + value.Data.length) return STATUS_BUFFER_TOO_SMALL;
  view.setUint32(0, value.Data.length, true);
  view.setUint32(4, value.Type, true);
  target.set(value.Data, 8);
  return STATUS_SUCCESS;
}

/** RTL_QUERY_REGISTRY_DIRECT: TYPECHECK, then the front end's store. */
function storeDirect(
  entry: RTL_QUERY_REGISTRY_TABLE,
  value: RegistryValue,
  store: DirectStore,
): NTSTATUS {
  const expected = entry.DefaultType >>> RTL_QUERY_REGISTRY_TYPECHECK_SHIFT;
  if ((entry.Flags & RTL_QUERY_REGISTRY_TYPECHECK) !== 0 && expected !== value.Type) {
    return STATUS_OBJECT_TYPE_MISMATCH;
  }
  return store(entry, value);
}

/** Calls the QueryRoutine for one value (each string of a REG_MULTI_SZ unless NOEXPAND). */
function callRoutine(
  entry: RTL_QUERY_REGISTRY_TABLE,
  value: RegistryValue,
  Context: unknown,
): NTSTATUS {
  const routine = entry.QueryRoutine!;
  if (value.Type === REG_MULTI_SZ && (entry.Flags & RTL_QUERY_REGISTRY_NOEXPAND) === 0) {
    for (const text of splitMulti(value.Data)) {
      const Data = regSzData(text);
      const Status = routine(value.Name, REG_SZ, Data, Data.length, Context, entry.EntryContext);
      if (Status !== STATUS_SUCCESS) return Status;
    }
    return STATUS_SUCCESS;
  }
  return routine(
    value.Name,
    value.Type,
    value.Data,
    value.Data.length,
    Context,
    entry.EntryContext,
  );
}

/** The strings of a REG_MULTI_SZ. */
function splitMulti(Data: Uint8Array): string[] {
  const out: string[] = [];
  let at = 0;
  while (at + 1 < Data.length) {
    const text = stringOf(Data.subarray(at));
    if (text === "") break;
    out.push(text);
    at += (text.length + 1) * 2;
  }
  return out;
}

/** One table entry that names a value (or enumerates them) on `keyPath`. */
function queryEntry(
  entry: RTL_QUERY_REGISTRY_TABLE,
  keyPath: string | null,
  Context: unknown,
  store: DirectStore,
): NTSTATUS {
  const direct = (entry.Flags & RTL_QUERY_REGISTRY_DIRECT) !== 0;
  if (!direct && entry.QueryRoutine === null) return STATUS_SUCCESS;
  // NOVALUE asks for a call to the QueryRoutine; a DIRECT entry has none to call.
  if ((entry.Flags & RTL_QUERY_REGISTRY_NOVALUE) !== 0 && !direct) {
    return entry.QueryRoutine!(entry.Name ?? "", REG_NONE, null, 0, Context, entry.EntryContext);
  }
  if (entry.Name === null) {
    if (direct) return STATUS_INVALID_PARAMETER;
    for (const value of keyPath === null ? [] : enumerateValues(keyPath)) {
      const Status = callRoutine(entry, value, Context);
      if (Status !== STATUS_SUCCESS) return Status;
    }
    return STATUS_SUCCESS;
  }
  const key = keyPath === null ? undefined : keys.get(canonical(keyPath));
  const found = key?.values.get(entry.Name.toLowerCase()) ?? null;
  const value = found ?? defaultValue(entry);
  if (found === null && (entry.Flags & RTL_QUERY_REGISTRY_REQUIRED) !== 0) {
    return STATUS_OBJECT_NAME_NOT_FOUND;
  }
  if (value === null) return STATUS_SUCCESS;
  const Status = direct ? storeDirect(entry, value, store) : callRoutine(entry, value, Context);
  if (found !== null && Status === STATUS_SUCCESS && entry.Flags & RTL_QUERY_REGISTRY_DELETE) {
    key!.values.delete(entry.Name.toLowerCase());
  }
  return Status;
}

/**
 * RtlQueryRegistryValues for either front end: reads the values `QueryTable`
 * names from the key `Path` (relative to `RelativeTo`'s root; with
 * RTL_REGISTRY_HANDLE, a key handle), DIRECT values through `store`.
 */
export function queryRegistryValues(
  RelativeTo: number,
  Path: string | number,
  QueryTable: readonly RTL_QUERY_REGISTRY_TABLE[],
  Context: unknown,
  store: DirectStore,
): NTSTATUS {
  // It opens the key with ZwOpenKey, so the same rule applies.
  requirePassiveLevel("RtlQueryRegistryValues", 0x2001F, "IrqlZwPassive");
  const optional = (RelativeTo & RTL_REGISTRY_OPTIONAL) !== 0;
  const relative = (RelativeTo & ~RTL_REGISTRY_OPTIONAL) >>> 0;
  let top: string | null;
  if (relative === RTL_REGISTRY_HANDLE) {
    top = handlePath(typeof Path === "number" ? Path : null);
    if (top === null) return STATUS_INVALID_HANDLE;
  } else {
    const root = ROOTS.get(relative);
    if (root === undefined || typeof Path !== "string") return STATUS_INVALID_PARAMETER;
    top = root + Path;
  }
  if (!keys.has(canonical(top))) return optional ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
  let current: string | null = top;
  for (const entry of QueryTable) {
    const subkey = (entry.Flags & RTL_QUERY_REGISTRY_SUBKEY) !== 0;
    const direct = (entry.Flags & RTL_QUERY_REGISTRY_DIRECT) !== 0;
    if (entry.QueryRoutine === null && !subkey && !direct) break;
    if (entry.Flags & RTL_QUERY_REGISTRY_TOPKEY) current = top;
    if (subkey) {
      const path = `${top}\\${entry.Name ?? ""}`;
      if (keys.has(canonical(path))) current = path;
      else if (entry.Flags & RTL_QUERY_REGISTRY_REQUIRED) return STATUS_OBJECT_NAME_NOT_FOUND;
      else current = null;
      // A SUBKEY entry's own routine enumerates the subkey's values.
      const Status = entry.QueryRoutine === null ? STATUS_SUCCESS : queryEntry(
        { ...entry, Name: null, Flags: entry.Flags & ~RTL_QUERY_REGISTRY_DIRECT },
        current,
        Context,
        store,
      );
      if (Status !== STATUS_SUCCESS) return Status;
      continue;
    }
    const Status = queryEntry(entry, current, Context, store);
    if (Status !== STATUS_SUCCESS) return Status;
  }
  return STATUS_SUCCESS;
}
