// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for I/O Verification: it reuses an IRP the provider still
// holds.
import {
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoReuseIrp,
  IoSetCompletionRoutine,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
} from "../../mod.ts";
import { attach, queryTransports } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();

function QueryComplete(): NTSTATUS {
  return STATUS_MORE_PROCESSING_REQUIRED;
}

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, QueryComplete, Registration, true, true, true);
  queryTransports(ProviderNpi, Irp);
  // The bug: the provider has not completed it yet.
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
