// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for Special Pool: it frees its context, then reads it.
import {
  type DRIVER_OBJECT,
  ExAllocatePool2,
  ExFreePoolWithTag,
  type NTSTATUS,
  POOL_FLAG_NON_PAGED,
  poolTag,
  STATUS_SUCCESS,
} from "../../mod.ts";

const TAG = poolTag("ftxC");

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  const Context = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, TAG)!;
  Context[0] = 1;
  ExFreePoolWithTag(Context, TAG);
  DriverObject.DriverUnload = () => {};
  // The bug: the context is used after it was freed.
  return Context[0] === 1 ? STATUS_SUCCESS : STATUS_SUCCESS;
}
