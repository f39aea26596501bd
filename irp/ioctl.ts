// Copyright 2026 the wskemu authors. MIT license.
/**
 * I/O control codes, as devioctl.h builds them: CTL_CODE and its transfer
 * methods and access bits, and the macros that take a code apart. A driver's
 * IRP_MJ_DEVICE_CONTROL routine reads the code from
 * `IrpSp.Parameters.DeviceIoControl.IoControlCode`.
 *
 * @module
 */

/** `METHOD_BUFFERED` (0): input and output go through `Irp.AssociatedIrp.SystemBuffer`. */
export const METHOD_BUFFERED: number = 0;
/** `METHOD_IN_DIRECT` (1): input in SystemBuffer; the second buffer is an MDL at `Irp.MdlAddress`, read by the driver. */
export const METHOD_IN_DIRECT: number = 1;
/** `METHOD_OUT_DIRECT` (2): input in SystemBuffer; the output buffer is an MDL at `Irp.MdlAddress`. */
export const METHOD_OUT_DIRECT: number = 2;
/** `METHOD_NEITHER` (3): the caller's buffers as they are (`Type3InputBuffer`, `Irp.UserBuffer`). */
export const METHOD_NEITHER: number = 3;

/** `FILE_ANY_ACCESS` (0). */
export const FILE_ANY_ACCESS: number = 0;
/** `FILE_READ_ACCESS` (1): the handle must have been opened for reading. */
export const FILE_READ_ACCESS: number = 1;
/** `FILE_WRITE_ACCESS` (2): the handle must have been opened for writing. */
export const FILE_WRITE_ACCESS: number = 2;

/**
 * `CTL_CODE(DeviceType, Function, Method, Access)`: an I/O control code, as
 * the unsigned 32-bit number C computes.
 *
 * @example Usage
 * ```ts
 * import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), 0x222000);
 * ```
 */
export function CTL_CODE(
  DeviceType: number,
  Function: number,
  Method: number,
  Access: number,
): number {
  return ((DeviceType << 16) | (Access << 14) | (Function << 2) | Method) >>> 0;
}

/**
 * `METHOD_FROM_CTL_CODE(ctrlCode)`: the transfer method of a control code.
 *
 * @example Usage
 * ```ts
 * import { CTL_CODE, METHOD_FROM_CTL_CODE, METHOD_OUT_DIRECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(METHOD_FROM_CTL_CODE(CTL_CODE(0x22, 0x801, METHOD_OUT_DIRECT, 0)), METHOD_OUT_DIRECT);
 * ```
 */
export function METHOD_FROM_CTL_CODE(ctrlCode: number): number {
  return ctrlCode & 3;
}

/**
 * `DEVICE_TYPE_FROM_CTL_CODE(ctrlCode)`: the FILE_DEVICE_* type of a control code.
 *
 * @example Usage
 * ```ts
 * import { DEVICE_TYPE_FROM_CTL_CODE } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(DEVICE_TYPE_FROM_CTL_CODE(0x222000), 0x22);
 * ```
 */
export function DEVICE_TYPE_FROM_CTL_CODE(ctrlCode: number): number {
  return (ctrlCode >>> 16) & 0xFFFF;
}

/** `IO_TYPE_FILE` (5): the `Type` of a file object. */
export const IO_TYPE_FILE: number = 5;

/**
 * A file object, as `FILE_OBJECT`: one open handle to a device. The I/O
 * manager creates it for IRP_MJ_CREATE and puts it in every stack location
 * of that handle's requests (`IrpSp.FileObject`); `FsContext` and
 * `FsContext2` are the driver's per-handle storage.
 *
 * @example Usage
 * ```ts
 * import { FILE_OBJECT } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * const FileObject = new FILE_OBJECT(null, "");
 * assert.equal(FileObject.Type, 5);
 * ```
 */
export class FILE_OBJECT {
  /** IO_TYPE_FILE (5). */
  Type: number = IO_TYPE_FILE;
  /** The device the handle was opened on. */
  DeviceObject: unknown;
  /** What followed the device name in the path (empty for `\\.\NAME`). */
  FileName: { Length: number; MaximumLength: number; Buffer: string };
  /** The driver's per-handle context. */
  FsContext: unknown = null;
  /** The driver's second per-handle context. */
  FsContext2: unknown = null;

  /**
   * A file object on `DeviceObject`.
   *
   * @param DeviceObject The device opened.
   * @param FileName The rest of the path.
   */
  constructor(DeviceObject: unknown, FileName: string) {
    this.DeviceObject = DeviceObject;
    this.FileName = {
      Length: FileName.length * 2,
      MaximumLength: FileName.length * 2,
      Buffer: FileName,
    };
  }
}
