// Copyright 2026 the wskemu authors. MIT license.
// The registry a driver reads its parameters from: the byte layouts and the
// statuses Windows returns.
import assert from "node:assert/strict";
import {
  type HANDLE,
  InitializeObjectAttributes,
  KEY_READ,
  KeyValueFullInformation,
  KeyValuePartialInformation,
  OBJ_CASE_INSENSITIVE,
  type OBJECT_ATTRIBUTES,
  REG_DWORD,
  REG_NONE,
  REG_SZ,
  registryDeleteKey,
  registrySetValue,
  RTL_QUERY_REGISTRY_DIRECT,
  RTL_QUERY_REGISTRY_NOVALUE,
  RTL_QUERY_REGISTRY_REQUIRED,
  RTL_QUERY_REGISTRY_SUBKEY,
  type RTL_QUERY_REGISTRY_TABLE,
  RTL_REGISTRY_ABSOLUTE,
  RTL_REGISTRY_OPTIONAL,
  RTL_REGISTRY_SERVICES,
  RtlQueryRegistryValues,
  STATUS_BUFFER_OVERFLOW,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_INVALID_HANDLE,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
  ZwClose,
  ZwOpenKey,
  ZwQueryValueKey,
} from "../../irp/mod.ts";
import { RtlInitUnicodeString, type UNICODE_STRING } from "../../wsk/mod.ts";

const SERVICE = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\regtest";
const PARAMETERS = `${SERVICE}\\Parameters`;

function unicode(text: string): UNICODE_STRING {
  const s = {} as UNICODE_STRING;
  RtlInitUnicodeString(s, text);
  return s;
}

function open(path: string): HANDLE {
  const Attributes = {} as OBJECT_ATTRIBUTES;
  InitializeObjectAttributes(Attributes, unicode(path), OBJ_CASE_INSENSITIVE, null, null);
  const Key = { value: null as HANDLE | null };
  assert.equal(ZwOpenKey(Key, KEY_READ, Attributes), STATUS_SUCCESS);
  return Key.value!;
}

function entry(fields: Partial<RTL_QUERY_REGISTRY_TABLE>): RTL_QUERY_REGISTRY_TABLE {
  return {
    QueryRoutine: null,
    Flags: 0,
    Name: null,
    EntryContext: null,
    DefaultType: REG_NONE,
    DefaultData: null,
    DefaultLength: 0,
    ...fields,
  };
}

Deno.test("ZwQueryValueKey writes KEY_VALUE_PARTIAL_INFORMATION byte for byte, REG_SZ with its NUL", () => {
  registrySetValue(PARAMETERS, "Name", REG_SZ, "ab");
  try {
    const Key = open(PARAMETERS);
    const ResultLength = { value: 0 };
    const Info = new Uint8Array(32).fill(0xEE);
    const Status = ZwQueryValueKey(
      Key,
      unicode("NAME"),
      KeyValuePartialInformation,
      Info,
      Info.length,
      ResultLength,
    );
    assert.equal(Status, STATUS_SUCCESS);
    assert.equal(ResultLength.value, 12 + 6);
    assert.deepEqual(
      [...Info.subarray(0, 19)],
      [0, 0, 0, 0, REG_SZ, 0, 0, 0, 6, 0, 0, 0, 0x61, 0, 0x62, 0, 0, 0, 0xEE],
    );
    assert.equal(ZwClose(Key), STATUS_SUCCESS);
    assert.equal(ZwClose(Key), STATUS_INVALID_HANDLE);
  } finally {
    registryDeleteKey(SERVICE);
  }
});

Deno.test("a buffer short of the fixed part is STATUS_BUFFER_TOO_SMALL; short of the data, STATUS_BUFFER_OVERFLOW", () => {
  registrySetValue(PARAMETERS, "Port", REG_DWORD, 0x01020304);
  try {
    const Key = open(PARAMETERS);
    const ResultLength = { value: 0 };
    const Tiny = new Uint8Array(11);
    assert.equal(
      ZwQueryValueKey(Key, unicode("Port"), KeyValuePartialInformation, Tiny, 11, ResultLength),
      STATUS_BUFFER_TOO_SMALL,
    );
    assert.equal(ResultLength.value, 16);
    assert.deepEqual(Tiny, new Uint8Array(11));
    const Fixed = new Uint8Array(14);
    assert.equal(
      ZwQueryValueKey(Key, unicode("Port"), KeyValuePartialInformation, Fixed, 14, ResultLength),
      STATUS_BUFFER_OVERFLOW,
    );
    assert.deepEqual([...Fixed], [0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0]);
    const Full = new Uint8Array(64);
    assert.equal(
      ZwQueryValueKey(Key, unicode("Port"), KeyValueFullInformation, Full, 64, ResultLength),
      STATUS_SUCCESS,
    );
    const view = new DataView(Full.buffer);
    assert.equal(view.getUint32(16, true), 8, "NameLength");
    assert.equal(view.getUint32(view.getUint32(8, true), true), 0x01020304, "data at DataOffset");
    assert.equal(
      ZwQueryValueKey(Key, unicode("Nope"), KeyValuePartialInformation, Full, 64, ResultLength),
      STATUS_OBJECT_NAME_NOT_FOUND,
    );
    ZwClose(Key);
  } finally {
    registryDeleteKey(SERVICE);
  }
});

Deno.test("RtlQueryRegistryValues: DIRECT into a box, a UNICODE_STRING and C memory; SUBKEY; REQUIRED", () => {
  registrySetValue(PARAMETERS, "Port", REG_DWORD, 9000);
  registrySetValue(PARAMETERS, "Host", REG_SZ, "localhost");
  try {
    const Port = { value: 0 };
    const Host = { Length: 0, MaximumLength: 0, Buffer: null as string | null };
    const Raw = new Uint8Array(4);
    assert.equal(
      RtlQueryRegistryValues(
        RTL_REGISTRY_SERVICES,
        "regtest",
        [
          entry({ Flags: RTL_QUERY_REGISTRY_SUBKEY, Name: "Parameters" }),
          entry({ Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "Port", EntryContext: Port }),
          entry({ Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "Host", EntryContext: Host }),
          entry({ Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "Port", EntryContext: Raw }),
        ],
        null,
        null,
      ),
      STATUS_SUCCESS,
    );
    assert.equal(Port.value, 9000);
    assert.deepEqual(Host, { Length: 18, MaximumLength: 20, Buffer: "localhost" });
    assert.deepEqual([...Raw], [0x28, 0x23, 0, 0]);
    const Small = { Length: 0, MaximumLength: 4, Buffer: "" };
    assert.equal(
      RtlQueryRegistryValues(
        RTL_REGISTRY_ABSOLUTE,
        PARAMETERS,
        [
          entry({ Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "Host", EntryContext: Small }),
        ],
        null,
        null,
      ),
      STATUS_BUFFER_TOO_SMALL,
    );
    assert.equal(
      RtlQueryRegistryValues(
        RTL_REGISTRY_ABSOLUTE,
        PARAMETERS,
        [
          entry({
            Flags: RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED,
            Name: "Missing",
            EntryContext: Port,
          }),
        ],
        null,
        null,
      ),
      STATUS_OBJECT_NAME_NOT_FOUND,
    );
  } finally {
    registryDeleteKey(SERVICE);
  }
});

Deno.test("RtlQueryRegistryValues calls the QueryRoutine per value, and a missing key is an error unless optional", () => {
  registrySetValue(PARAMETERS, "A", REG_DWORD, 1);
  registrySetValue(PARAMETERS, "B", REG_SZ, "x");
  try {
    const seen: string[] = [];
    const Status = RtlQueryRegistryValues(
      RTL_REGISTRY_ABSOLUTE,
      PARAMETERS,
      [
        entry({
          QueryRoutine: (ValueName, ValueType, _Data, ValueLength, Context) => {
            seen.push(`${Context}:${ValueName}:${ValueType}:${ValueLength}`);
            return STATUS_SUCCESS;
          },
        }),
      ],
      "ctx",
      null,
    );
    assert.equal(Status, STATUS_SUCCESS);
    assert.deepEqual(seen, ["ctx:A:4:4", "ctx:B:1:4"]);
    const none = [entry({ Flags: RTL_QUERY_REGISTRY_DIRECT, Name: "A", EntryContext: {} })];
    assert.equal(
      RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, `${SERVICE}\\Nope`, none, null, null),
      STATUS_OBJECT_NAME_NOT_FOUND,
    );
    assert.equal(
      RtlQueryRegistryValues(
        RTL_REGISTRY_ABSOLUTE | RTL_REGISTRY_OPTIONAL,
        `${SERVICE}\\Nope`,
        none,
        null,
        null,
      ),
      STATUS_SUCCESS,
    );
  } finally {
    registryDeleteKey(SERVICE);
  }
});

Deno.test("RtlQueryRegistryValues: NOVALUE on a DIRECT entry has no routine to call, so the value is read as DIRECT", () => {
  registrySetValue(PARAMETERS, "A", REG_DWORD, 5);
  try {
    const Port = { value: 0 };
    const Status = RtlQueryRegistryValues(
      RTL_REGISTRY_ABSOLUTE,
      PARAMETERS,
      [entry({
        Flags: RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_NOVALUE,
        Name: "A",
        EntryContext: Port,
      })],
      null,
      null,
    );
    assert.equal(Status, STATUS_SUCCESS);
    assert.equal(Port.value, 5);
  } finally {
    registryDeleteKey(SERVICE);
  }
});
