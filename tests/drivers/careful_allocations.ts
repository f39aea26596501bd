// Copyright 2026 the wskemu authors. MIT license.
// A correct driver that allocates a lot and copes with every failure: under
// Low Resources Simulation, which of its allocations fail depends only on
// the seed, so two runs with one seed have the same trace.
import {
  type DRIVER_OBJECT,
  ExAllocatePool2,
  ExFreePoolWithTag,
  IoAllocateIrp,
  IoFreeIrp,
  type NTSTATUS,
  POOL_FLAG_NON_PAGED,
  poolTag,
  STATUS_SUCCESS,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WskDeregister,
  WskReleaseProviderNPI,
} from "../../mod.ts";
import { syncCall } from "../../examples/_server.ts";
import { attach, queryTransports } from "./_wsk.ts";

const TAG = poolTag("flaC");
const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();

export async function DriverEntry(DriverObject: DRIVER_OBJECT): Promise<NTSTATUS> {
  attach(Registration, ProviderNpi);
  for (let i = 0; i < 24; i++) {
    const Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32 + i, TAG);
    if (Buffer) ExFreePoolWithTag(Buffer, TAG);
    const Irp = IoAllocateIrp(1, false);
    if (!Irp) continue;
    await syncCall(Irp, (Irp) => queryTransports(ProviderNpi, Irp));
    IoFreeIrp(Irp);
  }
  DriverObject.DriverUnload = async () => {
    WskReleaseProviderNPI(Registration);
    await WskDeregister(Registration);
  };
  return STATUS_SUCCESS;
}
