// Copyright 2026 the wskemu authors. MIT license.
/**
 * `!irp`: what WinDbg's extension shows about an IRP, as text: its stack
 * locations (major function, control flags, device, file, completion routine
 * and context, the current one marked `>`), Cancel and CancelRoutine,
 * IoStatus, whether it is pending, who owns it, and its MDL with the byte
 * count. The driver host prints it with every bug check that involves an IRP.
 *
 * @module
 */
import { formatAddress, objectAddress } from "./bugcheck.ts";
import { type IRP, SL_INVOKE_ON_CANCEL, SL_INVOKE_ON_ERROR, SL_INVOKE_ON_SUCCESS } from "./irp.ts";
import { SL_PENDING_RETURNED } from "./stack_location.ts";
import { formatNtStatus } from "./ntstatus.ts";
import { irpState } from "./_irp_state.ts";

const MAJOR: readonly string[] = [
  "IRP_MJ_CREATE",
  "IRP_MJ_CREATE_NAMED_PIPE",
  "IRP_MJ_CLOSE",
  "IRP_MJ_READ",
  "IRP_MJ_WRITE",
  "IRP_MJ_QUERY_INFORMATION",
  "IRP_MJ_SET_INFORMATION",
  "IRP_MJ_QUERY_EA",
  "IRP_MJ_SET_EA",
  "IRP_MJ_FLUSH_BUFFERS",
  "IRP_MJ_QUERY_VOLUME_INFORMATION",
  "IRP_MJ_SET_VOLUME_INFORMATION",
  "IRP_MJ_DIRECTORY_CONTROL",
  "IRP_MJ_FILE_SYSTEM_CONTROL",
  "IRP_MJ_DEVICE_CONTROL",
  "IRP_MJ_INTERNAL_DEVICE_CONTROL",
  "IRP_MJ_SHUTDOWN",
  "IRP_MJ_LOCK_CONTROL",
  "IRP_MJ_CLEANUP",
  "IRP_MJ_CREATE_MAILSLOT",
  "IRP_MJ_QUERY_SECURITY",
  "IRP_MJ_SET_SECURITY",
  "IRP_MJ_POWER",
  "IRP_MJ_SYSTEM_CONTROL",
  "IRP_MJ_DEVICE_CHANGE",
  "IRP_MJ_QUERY_QUOTA",
  "IRP_MJ_SET_QUOTA",
  "IRP_MJ_PNP",
];

/**
 * The name of an IRP_MJ_* code, such as `"IRP_MJ_DEVICE_CONTROL"`.
 *
 * @example Usage
 * ```ts
 * import { IRP_MJ_DEVICE_CONTROL, majorFunctionName } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(majorFunctionName(IRP_MJ_DEVICE_CONTROL), "IRP_MJ_DEVICE_CONTROL");
 * ```
 */
export function majorFunctionName(MajorFunction: number): string {
  return MAJOR[MajorFunction] ?? `IRP_MJ_${hex2(MajorFunction)}`;
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, "0");
}

function address(obj: object | null | undefined): string {
  return obj === null || obj === undefined ? "00000000" : formatAddress(objectAddress(obj));
}

function context(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "object" || typeof value === "function") return address(value);
  return String(value);
}

/**
 * The `!irp`-style dump of an IRP, one item a line. `owner` says who holds it
 * when the caller knows (the driver host passes the socket and the call).
 *
 * @example Usage
 * ```ts
 * import { dumpIrp, IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine, STATUS_MORE_PROCESSING_REQUIRED } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetCompletionRoutine(Irp, function ReceiveComplete() {
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, null, true, true, true);
 * const text = dumpIrp(Irp, "socket 0x1000 (WskReceive)");
 * assert.match(text, /ReceiveComplete/);
 * assert.match(text, /Success Error Cancel/);
 * assert.match(text, /Owner: socket 0x1000/);
 * IoFreeIrp(Irp);
 * ```
 */
export function dumpIrp(Irp: IRP, owner?: string): string {
  const state = irpState(Irp);
  const where = formatAddress(objectAddress(Irp));
  const lines: string[] = [];
  const status = state.freed
    ? "freed"
    : Irp.CurrentLocation <= Irp.StackCount
    ? "active"
    : "not owned by any driver";
  lines.push(
    `Irp ${where} is ${status} with ${Irp.StackCount} stacks ${Irp.CurrentLocation} is current`,
  );
  let bytes = 0;
  for (let Mdl = Irp.MdlAddress; Mdl !== null; Mdl = Mdl.Next) bytes += Mdl.ByteCount;
  lines.push(
    ` Mdl=${address(Irp.MdlAddress)}${Irp.MdlAddress ? ` (${bytes} bytes)` : ""}: ` +
      `System buffer=${address(Irp.AssociatedIrp.SystemBuffer)}: ` +
      `Thread ${address(Irp.Tail.Overlay.Thread)}: Irp stack trace.`,
  );
  lines.push("     cmd  flg cl Device   File     Completion-Context");
  for (let i = 0; i < Irp.StackCount; i++) {
    const IrpSp = Irp.Stack[i]!;
    const current = i + 1 === Irp.CurrentLocation ? ">" : " ";
    const major = majorFunctionName(IrpSp.MajorFunction);
    lines.push(
      `${current}[${major}(${hex2(IrpSp.MajorFunction)}), N/A(${IrpSp.MinorFunction})]`,
    );
    const routine = IrpSp.CompletionRoutine;
    lines.push(
      `            ${hex2(IrpSp.Flags)} ${hex2(IrpSp.Control)} ${address(IrpSp.DeviceObject)} ` +
        `${address(IrpSp.FileObject as object | null)} ` +
        `${
          routine
            ? `${routine.name || "(anonymous)"}-${context(IrpSp.Context)}`
            : "00000000-00000000"
        }`,
    );
    const when = [
      IrpSp.Control & SL_INVOKE_ON_SUCCESS ? "Success" : "",
      IrpSp.Control & SL_INVOKE_ON_ERROR ? "Error" : "",
      IrpSp.Control & SL_INVOKE_ON_CANCEL ? "Cancel" : "",
      IrpSp.Control & SL_PENDING_RETURNED ? "pending" : "",
    ].filter(Boolean).join(" ");
    if (when) lines.push(`\t\t\t${when}`);
  }
  lines.push(
    `Cancel: ${Irp.Cancel}  CancelRoutine: ${
      Irp.CancelRoutine ? Irp.CancelRoutine.name || "(anonymous)" : "NULL"
    }`,
  );
  const information = typeof Irp.IoStatus.Information === "number"
    ? String(Irp.IoStatus.Information)
    : address(Irp.IoStatus.Information);
  lines.push(
    `IoStatus: ${formatNtStatus(Irp.IoStatus.Status)}  Information: ${information}`,
  );
  const pending = Irp.CurrentLocation <= Irp.StackCount &&
    (Irp.Stack[Irp.CurrentLocation - 1]!.Control & SL_PENDING_RETURNED) !== 0;
  lines.push(`Pending: ${pending ? "yes" : "no"}  PendingReturned: ${Irp.PendingReturned}`);
  lines.push(`Owner: ${owner ?? (Irp.Tail.Overlay.Thread ? "its thread" : "unknown")}`);
  return lines.join("\n");
}
