// Copyright 2026 the wskemu authors. MIT license.
// A buggy driver for Special Pool: it writes one byte past its buffer, which
// Windows finds when the buffer is freed.
import {
  type DRIVER_OBJECT,
  ExAllocatePool2,
  ExFreePoolWithTag,
  type NTSTATUS,
  POOL_FLAG_NON_PAGED,
  poolTag,
  STATUS_SUCCESS,
} from "../../mod.ts";

const TAG = poolTag("fubN");

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  const Name = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, TAG)!;
  for (let i = 0; i <= 8; i++) Name[i] = 0x41; // <= : one too many
  ExFreePoolWithTag(Name, TAG);
  DriverObject.DriverUnload = () => {};
  return STATUS_SUCCESS;
}
