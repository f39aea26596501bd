// Copyright 2026 the wskemu authors. MIT license.
// Internal: the registry routines C drivers import — ZwOpenKey,
// ZwQueryValueKey, RtlQueryRegistryValues — as marshalling over the TS
// drivers' (irp/registry.ts, irp/registry_query.ts): one registry, one set of
// statuses, key handles in the one kernel handle table (so a leaked one is in
// the unload report) and the same IRQL checks. ZwClose is the kernel's
// (_kernel.ts), since thread handles share the table.
import {
  type HANDLE,
  type OBJECT_ATTRIBUTES,
  REG_DWORD,
  REG_MULTI_SZ,
  type RegistryName,
  type RegistryValue,
  ZwOpenKey,
  ZwQueryValueKey,
} from "../../irp/registry.ts";
import {
  isString,
  queryRegistryValues,
  type RTL_QUERY_REGISTRY_ROUTINE,
  type RTL_QUERY_REGISTRY_TABLE,
  RTL_REGISTRY_HANDLE,
  RTL_REGISTRY_OPTIONAL,
  storeSized,
  stringOf,
} from "../../irp/_registry_walk.ts";
import {
  type NTSTATUS,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import type { CMemory } from "./_memory.ts";

/** What the registry imports need of the host. */
export interface RegistryDeps {
  mem: CMemory;
  /** Host memory for a call (query-routine arguments), freed after it. */
  allocate(size: number): number;
  free(address: number): void;
  /** Pool the driver owns and frees (a DIRECT string's buffer): a leak if it does not. */
  allocateForDriver(size: number): number;
  /** Calls a C function pointer synchronously. */
  call(routine: number, ...args: number[]): number;
}

/** The C front end of the registry routines. */
export class CRegistry {
  constructor(private readonly d: RegistryDeps) {}

  /** ZwOpenKey(KeyHandle, DesiredAccess, ObjectAttributes). */
  ZwOpenKey(KeyHandle: number, DesiredAccess: number, ObjectAttributes: number): NTSTATUS {
    const { mem } = this.d;
    if (KeyHandle === 0) return STATUS_INVALID_PARAMETER;
    const field = (name: string) =>
      ObjectAttributes === 0 ? 0 : mem.u32(ObjectAttributes + mem.off(`OBJECT_ATTRIBUTES.${name}`));
    const root = field("RootDirectory");
    const Attributes: OBJECT_ATTRIBUTES = {
      Length: mem.off("OBJECT_ATTRIBUTES"),
      RootDirectory: root === 0 ? null : root,
      ObjectName: mem.unicodeStringObject(field("ObjectName")),
      Attributes: 0,
      SecurityDescriptor: null,
      SecurityQualityOfService: null,
    };
    const Key = { value: null as HANDLE | null };
    const status = ZwOpenKey(Key, DesiredAccess, Attributes);
    if (Key.value !== null) mem.setU32(KeyHandle, Key.value);
    return status;
  }

  /** ZwQueryValueKey: the TS routine writes the KEY_VALUE_*_INFORMATION record (all ULONG and WCHAR, the same on wasm32) straight into C memory. */
  ZwQueryValueKey(
    KeyHandle: number,
    ValueName: number,
    KeyValueInformationClass: number,
    KeyValueInformation: number,
    Length: number,
    ResultLength: number,
  ): NTSTATUS {
    const { mem } = this.d;
    const Result = { value: -1 };
    const status = ZwQueryValueKey(
      KeyHandle,
      // A NULL ValueName reaches the TS routine's own check (STATUS_INVALID_PARAMETER).
      mem.unicodeStringObject(ValueName) as RegistryName,
      KeyValueInformationClass,
      KeyValueInformation === 0 ? null : mem.view(KeyValueInformation, Length),
      Length,
      Result,
    );
    if (Result.value >= 0 && ResultLength !== 0) mem.setU32(ResultLength, Result.value);
    return status;
  }

  /** RtlQueryRegistryValues: the C table as the TS one, over the shared walk. */
  RtlQueryRegistryValues(
    RelativeTo: number,
    Path: number,
    QueryTable: number,
    Context: number,
    _Environment: number,
  ): NTSTATUS {
    const { mem } = this.d;
    const byHandle = ((RelativeTo & ~RTL_REGISTRY_OPTIONAL) >>> 0) === RTL_REGISTRY_HANDLE;
    return queryRegistryValues(
      RelativeTo,
      byHandle ? Path : mem.wstr(Path),
      this.table(QueryTable),
      Context,
      (entry, value) => this.storeDirect(entry.EntryContext as number, value),
    );
  }

  /** The entries of a C query table, up to the one with neither QueryRoutine nor Name. */
  private table(address: number): RTL_QUERY_REGISTRY_TABLE[] {
    const { mem } = this.d;
    const entries: RTL_QUERY_REGISTRY_TABLE[] = [];
    const size = mem.off("RTL_QUERY_REGISTRY_TABLE");
    for (let entry = address;; entry += size) {
      const field = (name: string) => mem.u32(entry + mem.off(`RTL_QUERY_REGISTRY_TABLE.${name}`));
      const routine = field("QueryRoutine");
      const name = field("Name");
      if (routine === 0 && name === 0) return entries;
      const DefaultType = field("DefaultType");
      const DefaultData = field("DefaultData");
      const DefaultLength = this.defaultLength(DefaultType, DefaultData, field("DefaultLength"));
      entries.push({
        QueryRoutine: routine === 0 ? null : this.routine(routine),
        Flags: field("Flags"),
        Name: name === 0 ? null : mem.wstr(name),
        EntryContext: field("EntryContext"),
        DefaultType,
        DefaultData: DefaultData === 0
          ? null
          : mem.u8.slice(DefaultData, DefaultData + DefaultLength),
        DefaultLength,
      });
    }
  }

  /**
   * Bytes of a C default: DefaultLength, or for 0 the string's with its NUL
   * (a REG_MULTI_SZ's up to its empty string), a REG_DWORD's 4, as a TS
   * driver's number default.
   */
  private defaultLength(DefaultType: number, DefaultData: number, DefaultLength: number): number {
    const { mem } = this.d;
    if (DefaultLength !== 0 || DefaultData === 0) return DefaultLength;
    const type = DefaultType & 0xFF_FFFF;
    if (type === REG_DWORD) return 4;
    if (!isString(type)) return 0;
    let at = DefaultData;
    for (;;) {
      const text = mem.wstr(at);
      at += (text.length + 1) * 2;
      if (type !== REG_MULTI_SZ || text === "") return at - DefaultData;
    }
  }

  /** A C QueryRoutine as a TS one: its name and data copied into C memory for the call. */
  private routine(routine: number): RTL_QUERY_REGISTRY_ROUTINE {
    const { mem } = this.d;
    return (ValueName, ValueType, ValueData, ValueLength, Context, EntryContext) => {
      const nameBytes = (ValueName.length + 1) * 2;
      const block = this.d.allocate(nameBytes + (ValueData?.length ?? 0));
      mem.writeWide(block, ValueName, ValueName.length + 1);
      if (ValueData) mem.u8.set(ValueData, block + nameBytes);
      try {
        const status = this.d.call(
          routine,
          block,
          ValueType,
          ValueData ? block + nameBytes : 0,
          ValueLength,
          Context as number,
          EntryContext as number,
        );
        return status >>> 0;
      } finally {
        this.d.free(block);
      }
    };
  }

  /**
   * RTL_QUERY_REGISTRY_DIRECT into C memory at `target`: text into the
   * UNICODE_STRING there (its buffer allocated for the driver when NULL),
   * anything else by the C size rule.
   */
  private storeDirect(target: number, value: RegistryValue): NTSTATUS {
    const { mem } = this.d;
    if (target === 0) return STATUS_INVALID_PARAMETER;
    if (!isString(value.Type)) return storeSized(mem.u8.subarray(target), value);
    const text = stringOf(value.Data);
    const needed = text.length * 2 + 2;
    const Buffer = target + mem.off("UNICODE_STRING.Buffer");
    const MaximumLength = target + mem.off("UNICODE_STRING.MaximumLength");
    if (mem.u32(Buffer) === 0) {
      mem.setU32(Buffer, this.d.allocateForDriver(needed));
      mem.setU16(MaximumLength, needed);
    } else if (mem.u16(MaximumLength) < needed) return STATUS_BUFFER_TOO_SMALL;
    mem.writeWide(mem.u32(Buffer), text, needed >> 1);
    mem.setU16(target + mem.off("UNICODE_STRING.Length"), text.length * 2);
    return STATUS_SUCCESS;
  }

  /** The imports this file provides. */
  imports(): Record<string, CallableFunction> {
    return {
      ZwOpenKey: this.ZwOpenKey.bind(this),
      ZwQueryValueKey: this.ZwQueryValueKey.bind(this),
      RtlQueryRegistryValues: this.RtlQueryRegistryValues.bind(this),
    };
  }
}
