// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver that waits at DISPATCH_LEVEL: its completion routine is
// async and awaits an event (bug check 0x0A on Windows and here).
import {
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  type IRP,
  KeInitializeEvent,
  KEVENT,
  KeWaitForSingleObject,
  NotificationEvent,
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
const Ready = new KEVENT();

async function QueryComplete(_DeviceObject: unknown, Irp: IRP): Promise<NTSTATUS> {
  // The bug: a wait inside a completion routine.
  await KeWaitForSingleObject(Ready, 0, 0, false, null);
  IoFreeIrp(Irp);
  return STATUS_MORE_PROCESSING_REQUIRED;
}

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  KeInitializeEvent(Ready, NotificationEvent, false);
  attach(Registration, ProviderNpi);
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(Irp, QueryComplete as never, null, true, true, true);
  queryTransports(ProviderNpi, Irp);
  DriverObject.DriverUnload = async () => {
    WskReleaseProviderNPI(Registration);
    await WskDeregister(Registration);
  };
  return STATUS_SUCCESS;
}
