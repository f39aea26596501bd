// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for Pool Tracking: it unloads still holding a pool block, an
// IRP and an MDL, and a WSK registration with a captured NPI.
import {
  type DRIVER_OBJECT,
  ExAllocatePool2,
  IoAllocateIrp,
  IoAllocateMdl,
  MAKE_WSK_VERSION,
  type NTSTATUS,
  POOL_FLAG_NON_PAGED,
  poolTag,
  STATUS_SUCCESS,
  WSK_INFINITE_WAIT,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WskCaptureProviderNPI,
  WskRegister,
} from "../../mod.ts";

const Registration = new WSK_REGISTRATION();

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  const Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 128, poolTag("kaeL"));
  IoAllocateIrp(2, false);
  IoAllocateMdl(Buffer!, 64, false, false, null);
  WskRegister({
    ClientContext: null,
    Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null },
  }, Registration);
  WskCaptureProviderNPI(Registration, WSK_INFINITE_WAIT, new WSK_PROVIDER_NPI());
  // Unload forgets all of it.
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
