// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver whose worker thread waits for a stop signal that its unload
// never sends.
import {
  type DRIVER_OBJECT,
  KeInitializeEvent,
  KEVENT,
  KeWaitForSingleObject,
  NotificationEvent,
  type NTSTATUS,
  PsCreateSystemThread,
  STATUS_SUCCESS,
  ZwClose,
} from "../../mod.ts";

const Stop = new KEVENT();

async function Worker(): Promise<void> {
  await KeWaitForSingleObject(Stop, 0, 0, false, null);
}

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  KeInitializeEvent(Stop, NotificationEvent, false);
  const Thread = { value: null as number | null };
  const Status = PsCreateSystemThread(Thread, 0, null, null, null, Worker, null);
  if (Status !== STATUS_SUCCESS) return Status;
  ZwClose(Thread.value!);
  // The bug: unload neither signals Stop nor waits for the thread.
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
