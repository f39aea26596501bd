// Copyright 2026 the wskemu authors. MIT license.
/**
 * The reports people read: the bug-check report ("blue screen"), laid out as
 * WinDbg's `!analyze -v` (the code by name, its parameters and what they
 * mean, the rule broken, the driver frame, the last trace events, and the
 * `!irp` dump of an IRP it involves), and the driver frame finder both
 * reports use.
 *
 * @module
 */
import {
  BAD_POOL_CALLER,
  type BugCheckError,
  bugCheckName,
  CANCEL_STATE_IN_COMPLETED_IRP,
  DRIVER_IRQL_NOT_LESS_OR_EQUAL,
  DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS,
  DRIVER_VERIFIER_DETECTED_VIOLATION,
  DRIVER_VERIFIER_IOMANAGER_VIOLATION,
  IRQL_NOT_LESS_OR_EQUAL,
  KMODE_EXCEPTION_NOT_HANDLED,
  MULTIPLE_IRP_COMPLETE_REQUESTS,
  NO_MORE_IRP_STACK_LOCATIONS,
  PAGE_FAULT_IN_FREED_SPECIAL_POOL,
  PAGE_FAULT_IN_NONPAGED_AREA,
  SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION,
} from "../irp/bugcheck.ts";
import { firstDriverFrame } from "../irp/_tracking.ts";
import { relativeSite } from "./report.ts";
import type { TraceEvent } from "./trace.ts";

// The parameters of a bad memory reference (0x50, 0xCC, 0xCE share them).
const FAULT_ARGS = [
  "memory referenced",
  "0: read, 1: write",
  "address that referenced it",
  "reserved",
];
// The parameters of a code whose P1 names the check and the rest depend on it.
const SUB_CODE_ARGS = ["sub-code", "depends on P1", "depends on P1", "depends on P1"];

// What each parameter means, for the codes a WSK client meets.
const PARAMETERS: ReadonlyMap<number, { meaning: string; args: string[] }> = new Map([
  [IRQL_NOT_LESS_OR_EQUAL, {
    meaning: "A wait or a pageable access at DISPATCH_LEVEL or above.",
    args: ["memory referenced / the promise", "IRQL", "0: read, 1: write", "address / routine"],
  }],
  [KMODE_EXCEPTION_NOT_HANDLED, {
    meaning: "An exception in kernel mode that nobody handled.",
    args: ["exception code", "address of the exception", "parameter 0", "parameter 1"],
  }],
  [NO_MORE_IRP_STACK_LOCATIONS, {
    meaning: "An IRP was passed down with no stack location left.",
    args: ["the IRP", "reserved", "reserved", "reserved"],
  }],
  [MULTIPLE_IRP_COMPLETE_REQUESTS, {
    meaning: "IoCompleteRequest on an IRP that was already completed.",
    args: ["the IRP", "reserved", "reserved", "reserved"],
  }],
  [CANCEL_STATE_IN_COMPLETED_IRP, {
    meaning: "IoCancelIrp on an IRP that was already completed.",
    args: ["the IRP", "the cancel routine", "reserved", "reserved"],
  }],
  [PAGE_FAULT_IN_NONPAGED_AREA, {
    meaning: "A reference to memory that does not exist.",
    args: FAULT_ARGS,
  }],
  [SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, {
    meaning: "Special pool found a write outside a block (P4 0x24: past its end).",
    args: ["block freed", "address corrupted", "reserved", "sub-code"],
  }],
  [BAD_POOL_CALLER, {
    meaning: "A bad pool request (P1 says which: 0x07 double free, 0x0A wrong tag, ...).",
    args: SUB_CODE_ARGS,
  }],
  [DRIVER_VERIFIER_DETECTED_VIOLATION, {
    meaning: "A Driver Verifier check failed (P1 is the check; 0x62 pool leaked at unload; " +
      "0x2xxxx a DDI compliance rule).",
    args: SUB_CODE_ARGS,
  }],
  [DRIVER_VERIFIER_IOMANAGER_VIOLATION, {
    meaning: "An I/O Verification check failed (P1 is the check).",
    args: ["sub-code", "depends on P1 (often the device or IRQL)", "the IRP or routine", "depends"],
  }],
  [PAGE_FAULT_IN_FREED_SPECIAL_POOL, {
    meaning: "Special pool was used after it was freed.",
    args: FAULT_ARGS,
  }],
  [DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS, {
    meaning: "The driver unloaded with operations still pending: something will call into " +
      "its code after it is gone.",
    args: FAULT_ARGS,
  }],
  [DRIVER_IRQL_NOT_LESS_OR_EQUAL, {
    meaning: "A driver touched an invalid address (often NULL) at DISPATCH_LEVEL.",
    args: ["memory referenced", "IRQL", "0: read, 1: write", "address that referenced it"],
  }],
]);

/**
 * The first frame of `stack` that is in the driver (outside wskemu), as
 * `function path:line:column`, or null.
 *
 * @example Usage
 * ```ts
 * import { driverFrame } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * const library = import.meta.resolve("@wskemu/wsk/irp"); // a frame in wskemu is skipped
 * const stack = `Error\n    at IoFreeIrp (${library}:1:1)\n    at Unload (file:///d/drv.ts:7:3)`;
 * assert.equal(driverFrame(stack), "Unload /d/drv.ts:7:3");
 * ```
 */
export function driverFrame(stack: string | undefined): string | null {
  return firstDriverFrame(stack);
}

/**
 * Where a routine named in a bug check's rule (`the completion routine
 * QueryComplete`) is defined in `source`, as `name path:line`, or null. A
 * bug check raised after a routine returned has no driver frame on the stack;
 * this finds the routine's definition instead.
 */
export function routineSite(rule: string, source: DriverSource): string | null {
  const name = /\b(?:routine|callback|work item) ([A-Za-z_$][\w$]*)/.exec(rule)?.[1];
  if (!name) return null;
  const definition = new RegExp(
    `(function\\*?\\s+${name}\\b|\\b${name}\\s*[=:]\\s*(async\\s*)?(\\(|function|[A-Za-z_$][\\w$]*\\s*=>))`,
  );
  const lines = source.text.split("\n");
  const at = lines.findIndex((line) => definition.test(line));
  return at < 0 ? null : `${name} ${source.path}:${at + 1}`;
}

/** A driver's source file, read once for {@linkcode bugCheckFrame}; undefined when unreadable. */
export interface DriverSource {
  path: string;
  text: string;
}

/** Reads `path` as a driver's source, or undefined (no path, or unreadable). */
export function readDriverSource(path: string | undefined): DriverSource | undefined {
  if (!path) return undefined;
  try {
    return { path, text: Deno.readTextFileSync(path) };
  } catch {
    return undefined;
  }
}

/**
 * Where in the driver a bug check happened: its first driver frame, or, for
 * one raised after a routine returned, that routine's definition in `source`;
 * null when neither is known. The report and `--json` both use it.
 */
export function bugCheckFrame(error: BugCheckError, source?: DriverSource): string | null {
  return driverFrame(error.stack) ?? (source ? routineSite(error.rule, source) : null);
}

/** One event of the trace, for humans. */
export function formatEvent(event: TraceEvent): string {
  const at = `${(event.ts / 1000).toFixed(3).padStart(10)} ms`;
  const span = event.ph === "X" ? ` (${((event.dur ?? 0) / 1000).toFixed(3)} ms)` : "";
  return `${at}  [${event.cat}] ${event.name}${span}`;
}

function hex64(value: number): string {
  return value.toString(16).toUpperCase().padStart(16, "0");
}

/**
 * The `!analyze -v`-style report of a bug check. `trace` is the run's last
 * events (20 are shown) and `irpDump` the `!irp` of an IRP it involves.
 *
 * @example Usage
 * ```ts
 * import { analyzeBugCheck } from "@wskemu/wsk/host";
 * import { BugCheckError } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const text = analyzeBugCheck(new BugCheckError(0x44, [0x1000, 0, 0, 0], "completed twice"), []);
 * assert.match(text, /MULTIPLE_IRP_COMPLETE_REQUESTS \(44\)/);
 * assert.match(text, /Arg1: 0000000000001000, the IRP/);
 * assert.match(text, /RULE BROKEN: completed twice/);
 * ```
 */
export function analyzeBugCheck(
  error: BugCheckError,
  trace: readonly TraceEvent[],
  irpDump?: string,
  source?: { path: string; text: string },
): string {
  const code = error.BugCheckCode;
  const info = PARAMETERS.get(code);
  const lines = [
    "*".repeat(79),
    "*" + "Bugcheck Analysis".padStart(47).padEnd(77) + "*",
    "*".repeat(79),
    "",
    `${bugCheckName(code)} (${code.toString(16).toUpperCase()})`,
    info?.meaning ?? "",
    "Arguments:",
    ...error.BugCheckParameters.map((p, i) =>
      `Arg${i + 1}: ${hex64(p)}, ${info?.args[i] ?? "see the bug check's documentation"}`
    ),
    "",
    `RULE BROKEN: ${error.rule || error.message}`,
    `DRIVER FRAME: ${relativeSite(bugCheckFrame(error, source) ?? "(not in the driver's code)")}`,
    `BUGCHECK_STR: 0x${code.toString(16).toUpperCase()}_${
      error.BugCheckParameters[0].toString(16).toUpperCase()
    }`,
  ];
  if (irpDump) lines.push("", "!irp", irpDump);
  lines.push("", `LAST ${Math.min(trace.length, 20)} EVENTS:`);
  for (const event of trace.slice(-20)) lines.push(formatEvent(event));
  if (trace.length === 0) lines.push("  (none recorded: run with the verifier or --trace)");
  return lines.join("\n");
}
