// Copyright 2026 the wskemu authors. MIT license.
/**
 * Name resolution: WskGetAddressInfo, WskFreeAddressInfo and WskGetNameInfo.
 *
 * @module
 */
import { STATUS_INVALID_PARAMETER, STATUS_NOT_IMPLEMENTED } from "../irp/ntstatus.ts";
import { failIrp } from "./_irp.ts";
import type {
  PFN_WSK_FREE_ADDRESS_INFO,
  PFN_WSK_GET_ADDRESS_INFO,
  PFN_WSK_GET_NAME_INFO,
} from "./dispatch_types.ts";

/** `WskGetAddressInfo` (not yet implemented: completes with STATUS_NOT_IMPLEMENTED). */
export const WskGetAddressInfo: PFN_WSK_GET_ADDRESS_INFO = (...args) => {
  const Irp = args[9];
  return Irp ? failIrp(Irp, STATUS_NOT_IMPLEMENTED) : STATUS_INVALID_PARAMETER;
};

/** `WskFreeAddressInfo`. */
export const WskFreeAddressInfo: PFN_WSK_FREE_ADDRESS_INFO = () => {};

/** `WskGetNameInfo` (not yet implemented: completes with STATUS_NOT_IMPLEMENTED). */
export const WskGetNameInfo: PFN_WSK_GET_NAME_INFO = (...args) => {
  const Irp = args[8];
  return Irp ? failIrp(Irp, STATUS_NOT_IMPLEMENTED) : STATUS_INVALID_PARAMETER;
};
