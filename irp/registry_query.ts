// Copyright 2026 the wskemu authors. MIT license.
/**
 * RtlQueryRegistryValues: the table-driven way a driver reads its parameters,
 * with RTL_QUERY_REGISTRY_TABLE entries that either call a QueryRoutine or
 * (RTL_QUERY_REGISTRY_DIRECT) store the value straight into EntryContext.
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from "./ntstatus.ts";
import type { RegistryValue } from "./_registry_store.ts";
import { REG_DWORD } from "./registry.ts";
import {
  isString,
  queryRegistryValues,
  type RTL_QUERY_REGISTRY_TABLE,
  storeSized,
  stringOf,
} from "./_registry_walk.ts";

export {
  RTL_QUERY_REGISTRY_DELETE,
  RTL_QUERY_REGISTRY_DIRECT,
  RTL_QUERY_REGISTRY_NOEXPAND,
  RTL_QUERY_REGISTRY_NOVALUE,
  RTL_QUERY_REGISTRY_REQUIRED,
  type RTL_QUERY_REGISTRY_ROUTINE,
  RTL_QUERY_REGISTRY_SUBKEY,
  type RTL_QUERY_REGISTRY_TABLE,
  RTL_QUERY_REGISTRY_TOPKEY,
  RTL_QUERY_REGISTRY_TYPECHECK,
  RTL_QUERY_REGISTRY_TYPECHECK_SHIFT,
  RTL_REGISTRY_ABSOLUTE,
  RTL_REGISTRY_CONTROL,
  RTL_REGISTRY_DEVICEMAP,
  RTL_REGISTRY_HANDLE,
  RTL_REGISTRY_OPTIONAL,
  RTL_REGISTRY_SERVICES,
  RTL_REGISTRY_USER,
  RTL_REGISTRY_WINDOWS_NT,
} from "./_registry_walk.ts";

/** RTL_QUERY_REGISTRY_DIRECT into the TS shapes of EntryContext (see RTL_QUERY_REGISTRY_TABLE). */
function storeDirect(entry: RTL_QUERY_REGISTRY_TABLE, value: RegistryValue): NTSTATUS {
  const target = entry.EntryContext;
  if (isString(value.Type) && typeof target === "object" && target !== null && "Buffer" in target) {
    const text = stringOf(value.Data);
    const out = target as { Length: number; MaximumLength: number; Buffer: string | null };
    const needed = text.length * 2 + 2;
    if (out.Buffer === null || out.Buffer === undefined) out.MaximumLength = needed;
    else if (out.MaximumLength < needed) return STATUS_BUFFER_TOO_SMALL;
    out.Buffer = text;
    out.Length = text.length * 2;
    return STATUS_SUCCESS;
  }
  if (target instanceof Uint8Array) return storeSized(target, value);
  if (typeof target === "object" && target !== null && "value" in target) {
    const box = target as { value: unknown };
    if (value.Type === REG_DWORD && value.Data.length === 4) {
      box.value = new DataView(value.Data.buffer, value.Data.byteOffset, 4).getUint32(0, true);
    } else box.value = isString(value.Type) ? stringOf(value.Data) : value.Data.slice();
    return STATUS_SUCCESS;
  }
  // EntryContext is a NULL pointer (or something C could not write through).
  return STATUS_INVALID_PARAMETER;
}

/**
 * `RtlQueryRegistryValues`: reads the values a query table names from the key
 * `Path` (relative to `RelativeTo`'s root; with RTL_REGISTRY_HANDLE, Path is a
 * key handle). Entries run in order; the first failure is returned.
 * STATUS_OBJECT_NAME_NOT_FOUND for a missing key (STATUS_SUCCESS with
 * RTL_REGISTRY_OPTIONAL), or a missing value marked REQUIRED; a value that is
 * missing otherwise takes its default, or is skipped when DefaultType is
 * REG_NONE. `Environment` is not used (no %VAR% expansion).
 *
 * @example A driver reads its Port, with a default
 * ```ts
 * import {
 *   REG_DWORD, REG_NONE, registryDeleteKey, registrySetValue, RTL_QUERY_REGISTRY_DIRECT,
 *   RTL_QUERY_REGISTRY_REQUIRED, RTL_REGISTRY_ABSOLUTE, RtlQueryRegistryValues, STATUS_SUCCESS,
 *   type RTL_QUERY_REGISTRY_TABLE,
 * } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Key = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\ex\\Parameters";
 * registrySetValue(Key, "Port", REG_DWORD, 40007);
 * const Port = { value: 0 };
 * const Backlog = { value: 0 };
 * const QueryTable: RTL_QUERY_REGISTRY_TABLE[] = [
 *   { QueryRoutine: null, Flags: RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED, Name: "Port", EntryContext: Port, DefaultType: REG_NONE, DefaultData: null, DefaultLength: 0 },
 *   { QueryRoutine: null, Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "Backlog", EntryContext: Backlog, DefaultType: REG_DWORD, DefaultData: 128, DefaultLength: 4 },
 * ];
 * assert.equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, Key, QueryTable, null, null), STATUS_SUCCESS);
 * assert.equal(Port.value, 40007);
 * assert.equal(Backlog.value, 128);
 * registryDeleteKey("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\ex");
 * ```
 */
export function RtlQueryRegistryValues(
  RelativeTo: number,
  Path: string | number,
  QueryTable: readonly RTL_QUERY_REGISTRY_TABLE[],
  Context: unknown,
  Environment: unknown,
): NTSTATUS {
  void Environment;
  return queryRegistryValues(RelativeTo, Path, QueryTable, Context, storeDirect);
}
