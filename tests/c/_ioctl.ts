// Copyright 2026 the wskemu authors. MIT license.
// A DeviceIoControl request built the way a TS driver builds one, for tests
// that send IRPs to a C driver's device through wskemu's IoCallDriver.
import {
  type DEVICE_OBJECT,
  IoAllocateIrp,
  IoAllocateMdl,
  IoCallDriver,
  IoFreeIrp,
  IoGetNextIrpStackLocation,
  IoSetCompletionRoutine,
  type IRP,
  IRP_MJ_DEVICE_CONTROL,
  STATUS_MORE_PROCESSING_REQUIRED,
} from "../../irp/mod.ts";

/** What IoCallDriver returned, and (once it completed) the IRP's final status and count. */
export interface IoctlResult {
  returned: number;
  completed: Promise<{ Status: number; Information: number }>;
}

/**
 * Sends one IRP_MJ_DEVICE_CONTROL: `input` as the SystemBuffer, each of `outputs` (when given)
 * described by one MDL of a chain, as for METHOD_IN/OUT_DIRECT. The IRP is freed when it completes.
 */
export function deviceControl(
  Device: DEVICE_OBJECT,
  code: number,
  input: Uint8Array,
  ...outputs: Uint8Array[]
): IoctlResult {
  const Irp = IoAllocateIrp(Device.StackSize, false)!;
  for (const output of outputs) {
    IoAllocateMdl(output, output.length, Irp.MdlAddress !== null, false, Irp);
  }
  const IrpSp = IoGetNextIrpStackLocation(Irp);
  IrpSp.MajorFunction = IRP_MJ_DEVICE_CONTROL;
  const outputLength = outputs.reduce((n, o) => n + o.length, 0);
  IrpSp.Parameters = {
    DeviceIoControl: {
      OutputBufferLength: outputs.length ? outputLength : input.length,
      InputBufferLength: input.length,
      IoControlCode: code,
    },
  };
  Irp.AssociatedIrp.SystemBuffer = input;
  const completed = Promise.withResolvers<{ Status: number; Information: number }>();
  IoSetCompletionRoutine(
    Irp,
    (_Device, Done: IRP) => {
      completed.resolve({
        Status: Done.IoStatus.Status,
        Information: Done.IoStatus.Information as number,
      });
      IoFreeIrp(Done);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  return { returned: IoCallDriver(Device, Irp), completed: completed.promise };
}
