// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver that assumes a completion arrives before its next step: it
// gives the provider an IRP, yields once, and if the completion routine has
// not run by then it forgets the IRP. Completions normally run first, so it
// passes; under randomised completion timing (forcepending) the IRP is lost
// and Pool Tracking reports it at unload.
import {
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  type IRP,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WskDeregister,
  WskReleaseProviderNPI,
} from "../../mod.ts";
import { attach, queryTransports } from "./_wsk.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();
let QueryIrp: IRP | null = null;
let Done = false;

function QueryComplete(): NTSTATUS {
  Done = true;
  return STATUS_MORE_PROCESSING_REQUIRED;
}

export async function DriverEntry(DriverObject: DRIVER_OBJECT): Promise<NTSTATUS> {
  attach(Registration, ProviderNpi);
  QueryIrp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(QueryIrp, QueryComplete, null, true, true, true);
  queryTransports(ProviderNpi, QueryIrp);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // The bug: "it must have completed by now"; if not, the IRP is dropped.
  if (!Done) QueryIrp = null;
  DriverObject.DriverUnload = async () => {
    if (QueryIrp) IoFreeIrp(QueryIrp);
    WskReleaseProviderNPI(Registration);
    await WskDeregister(Registration);
  };
  return STATUS_SUCCESS;
}
