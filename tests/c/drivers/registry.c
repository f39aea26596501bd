/* Copyright 2026 the wskemu authors. MIT license.
 * Reads its Parameters key every way a driver can: ZwQueryValueKey in each
 * KEY_VALUE_*_INFORMATION class, ZwOpenKey relative to an open key, and
 * RtlQueryRegistryValues with SUBKEY, TOPKEY, NOVALUE, DIRECT (ULONG,
 * UNICODE_STRING, sized buffers), TYPECHECK, DELETE, defaults and
 * RTL_REGISTRY_HANDLE. It prints what it got; the test checks the lines. */
#include <ntddk.h>

static WCHAR ParametersPath[256];
static UNICODE_STRING Parameters = {0, sizeof(ParametersPath) - sizeof(WCHAR), ParametersPath};

static NTSTATUS OpenKey(HANDLE Root, PUNICODE_STRING Name, PHANDLE Key) {
  OBJECT_ATTRIBUTES Attributes;
  InitializeObjectAttributes(&Attributes, Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, Root, NULL);
  return ZwOpenKey(Key, KEY_READ, &Attributes);
}

/* A name from a KEY_VALUE_*_INFORMATION record (counted, no NUL) as a C string. */
static PCWSTR NameOf(PCWCH Name, ULONG NameLength) {
  static WCHAR Text[64];
  ULONG Chars = min(NameLength / sizeof(WCHAR), ARRAYSIZE(Text) - 1);
  RtlCopyMemory(Text, Name, Chars * sizeof(WCHAR));
  Text[Chars] = 0;
  return Text;
}

static VOID QueryClasses(HANDLE Key) {
  UNICODE_STRING Port = RTL_CONSTANT_STRING(L"Port");
  ULONG Record[16];
  ULONG Length = 0;
  NTSTATUS Status;
  PKEY_VALUE_BASIC_INFORMATION Basic = (PKEY_VALUE_BASIC_INFORMATION)Record;
  PKEY_VALUE_FULL_INFORMATION Full = (PKEY_VALUE_FULL_INFORMATION)Record;

  Status = ZwQueryValueKey(Key, &Port, KeyValueBasicInformation, Record, sizeof(Record), &Length);
  DbgPrint("basic: %08X type %u name %ws result %u\n", Status, Basic->Type,
           NameOf(Basic->Name, Basic->NameLength), Length);
  Status = ZwQueryValueKey(Key, &Port, KeyValueFullInformation, Record, sizeof(Record), &Length);
  DbgPrint("full: %08X type %u offset %u data %u name %ws value %u result %u\n", Status, Full->Type,
           Full->DataOffset, Full->DataLength, NameOf(Full->Name, Full->NameLength),
           *(PULONG)((PUCHAR)Full + Full->DataOffset), Length);
  RtlFillMemory(Record, sizeof(Record), 0xEE);
  Status = ZwQueryValueKey(Key, &Port, KeyValueFullInformation, Record, 8, &Length);
  DbgPrint("full in 8 bytes: %08X result %u untouched %X\n", Status, Length, Record[0]);
  Status = ZwQueryValueKey(Key, &Port, KeyValueFullInformation, Record, 20, &Length);
  DbgPrint("full in 20 bytes: %08X name length %u result %u\n", Status, Full->NameLength, Length);
}

static VOID OpenRelative(HANDLE Key) {
  UNICODE_STRING Sub = RTL_CONSTANT_STRING(L"Sub");
  UNICODE_STRING Inner = RTL_CONSTANT_STRING(L"Inner");
  UCHAR Buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
  PKEY_VALUE_PARTIAL_INFORMATION Value = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
  ULONG Length;
  HANDLE SubKey;
  NTSTATUS Status = OpenKey(Key, &Sub, &SubKey);
  if (!NT_SUCCESS(Status)) {
    DbgPrint("relative: %08X\n", Status);
    return;
  }
  Status = ZwQueryValueKey(SubKey, &Inner, KeyValuePartialInformation, Value, sizeof(Buffer), &Length);
  DbgPrint("relative: %08X Inner %u\n", Status, *(PULONG)Value->Data);
  ZwClose(SubKey);
}

static NTSTATUS Show(PWSTR ValueName, ULONG ValueType, PVOID ValueData, ULONG ValueLength, PVOID Context,
                     PVOID EntryContext) {
  UNREFERENCED_PARAMETER(Context);
  UNREFERENCED_PARAMETER(EntryContext);
  if (ValueData == NULL)
    DbgPrint("routine: %ws type %u no data, length %u\n", ValueName, ValueType, ValueLength);
  else if (ValueType == REG_SZ)
    DbgPrint("routine: %ws type %u \"%ws\" length %u\n", ValueName, ValueType, (PWSTR)ValueData, ValueLength);
  else
    DbgPrint("routine: %ws type %u %u length %u\n", ValueName, ValueType, *(PULONG)ValueData, ValueLength);
  return STATUS_SUCCESS;
}

static VOID QueryTable(void) {
  RTL_QUERY_REGISTRY_TABLE Table[12];
  ULONG Inner = 0, Port = 0, Backlog = 0, Typed = 0, DefaultBacklog = 128;
  LONG Blob[4] = {-(LONG)sizeof(Blob)};
  LONG Big[5] = {(LONG)sizeof(Big)};
  UNICODE_STRING Host = {0, 0, NULL};
  PUCHAR BlobBytes = (PUCHAR)Blob;
  NTSTATUS Status;

  RtlZeroMemory(Table, sizeof(Table));
  Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
  Table[0].Name = L"Sub";
  Table[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Table[1].Name = L"Inner";
  Table[1].EntryContext = &Inner;
  Table[2].Flags = RTL_QUERY_REGISTRY_TOPKEY | RTL_QUERY_REGISTRY_DIRECT;
  Table[2].Name = L"Port";
  Table[2].EntryContext = &Port;
  Table[3].QueryRoutine = Show;
  Table[3].Flags = RTL_QUERY_REGISTRY_NOVALUE;
  Table[3].Name = L"Marker";
  Table[4].QueryRoutine = Show;
  Table[4].Name = L"Names";
  Table[5].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Table[5].Name = L"Blob";
  Table[5].EntryContext = Blob;
  Table[6].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Table[6].Name = L"Big";
  Table[6].EntryContext = Big;
  Table[7].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Table[7].Name = L"Host";
  Table[7].EntryContext = &Host;
  Table[8].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Table[8].Name = L"Backlog";
  Table[8].EntryContext = &Backlog;
  Table[8].DefaultType = REG_DWORD;
  Table[8].DefaultData = &DefaultBacklog;
  Table[8].DefaultLength = sizeof(ULONG);
  Table[9].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
  Table[9].Name = L"Port";
  Table[9].EntryContext = &Typed;
  Table[9].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_NONE;
  Table[10].QueryRoutine = Show;
  Table[10].Flags = RTL_QUERY_REGISTRY_DELETE;
  Table[10].Name = L"Once";
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, ParametersPath, Table, NULL, NULL);
  DbgPrint("table: %08X Inner %u Port %u Backlog %u Typed %u\n", Status, Inner, Port, Backlog, Typed);
  DbgPrint("blob: %02X %02X %02X %02X %02X %02X\n", BlobBytes[0], BlobBytes[1], BlobBytes[2], BlobBytes[3],
           BlobBytes[4], BlobBytes[5]);
  DbgPrint("big: length %u type %u low %X high %X\n", Big[0], Big[1], Big[2], Big[3]);
  DbgPrint("host: \"%wZ\" length %u maximum %u\n", &Host, Host.Length, Host.MaximumLength);
  RtlFreeUnicodeString(&Host);
}

static VOID QueryFailures(void) {
  RTL_QUERY_REGISTRY_TABLE Table[2];
  ULONG Value = 0;
  WCHAR Small[4];
  UNICODE_STRING Short = {0, sizeof(Small), Small};
  NTSTATUS Status;

  RtlZeroMemory(Table, sizeof(Table));
  Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
  Table[0].Name = L"Host";
  Table[0].EntryContext = &Value;
  Table[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_NONE;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, ParametersPath, Table, NULL, NULL);
  DbgPrint("typecheck REG_SZ as REG_DWORD: %08X\n", Status);

  Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
  Table[0].EntryContext = &Short;
  Table[0].DefaultType = REG_NONE;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, ParametersPath, Table, NULL, NULL);
  DbgPrint("REG_SZ into 4 characters: %08X\n", Status);

  Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
  Table[0].Name = L"Missing";
  Table[0].EntryContext = &Value;
  Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, ParametersPath, Table, NULL, NULL);
  DbgPrint("required and missing: %08X\n", Status);
}

static VOID QueryByHandle(HANDLE Key) {
  RTL_QUERY_REGISTRY_TABLE Table[2];
  NTSTATUS Status;
  RtlZeroMemory(Table, sizeof(Table));
  Table[0].QueryRoutine = Show;
  Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
  Table[0].Name = L"Sub";
  Status = RtlQueryRegistryValues(RTL_REGISTRY_HANDLE, (PCWSTR)Key, Table, NULL, NULL);
  DbgPrint("by handle: %08X\n", Status);
}

DRIVER_UNLOAD RegistryUnload;
VOID RegistryUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  HANDLE Key;
  NTSTATUS Status;
  RtlCopyUnicodeString(&Parameters, RegistryPath);
  RtlAppendUnicodeToString(&Parameters, L"\\Parameters");
  Status = OpenKey(NULL, &Parameters, &Key);
  if (!NT_SUCCESS(Status)) return Status;
  QueryClasses(Key);
  OpenRelative(Key);
  QueryTable();
  QueryFailures();
  QueryByHandle(Key);
  ZwClose(Key);
  DriverObject->DriverUnload = RegistryUnload;
  return STATUS_SUCCESS;
}
