// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for IRQL checking: its completion routine (DISPATCH_LEVEL)
// opens a registry key, which only PASSIVE_LEVEL code may do.
import {
  type DRIVER_OBJECT,
  type HANDLE,
  InitializeObjectAttributes,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  type IRP,
  KEY_READ,
  type NTSTATUS,
  type OBJECT_ATTRIBUTES,
  RtlInitUnicodeString,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  type UNICODE_STRING,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WskDeregister,
  WskReleaseProviderNPI,
  ZwClose,
  ZwOpenKey,
} from "../../mod.ts";
import { attach, queryTransports } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();
let KeyPath = "";

function QueryComplete(_DeviceObject: unknown, Irp: IRP): NTSTATUS {
  const Name = {} as UNICODE_STRING;
  RtlInitUnicodeString(Name, KeyPath);
  const Attributes = {} as OBJECT_ATTRIBUTES;
  InitializeObjectAttributes(Attributes, Name, 0x240, null, null);
  const Key = { value: null as HANDLE | null };
  // The bug: ZwOpenKey at DISPATCH_LEVEL.
  if (ZwOpenKey(Key, KEY_READ, Attributes) === STATUS_SUCCESS) ZwClose(Key.value!);
  IoFreeIrp(Irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

export function DriverEntry(DriverObject: DRIVER_OBJECT, RegistryPath: UNICODE_STRING): NTSTATUS {
  KeyPath = RegistryPath.Buffer;
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, QueryComplete, null, true, true, true);
  queryTransports(ProviderNpi, Irp);
  DriverObject.DriverUnload = async () => {
    WskReleaseProviderNPI(Registration);
    await WskDeregister(Registration);
  };
  return STATUS_SUCCESS;
}
