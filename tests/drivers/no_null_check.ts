// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for Low Resources Simulation: it never checks whether
// ExAllocatePool2 returned NULL.
import {
  type DRIVER_OBJECT,
  ExAllocatePool2,
  ExFreePoolWithTag,
  type NTSTATUS,
  POOL_FLAG_NON_PAGED,
  poolTag,
  STATUS_SUCCESS,
} from "../../mod.ts";

const TAG = poolTag("lluN");

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  for (let i = 0; i < 32; i++) {
    const Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, TAG);
    // The bug: Buffer may be null.
    Buffer![0] = i;
    ExFreePoolWithTag(Buffer!, TAG);
  }
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
