// Copyright 2026 the wskemu authors. MIT license.
/**
 * The unload report: what Driver Verifier says when a driver unloads still
 * holding things. Pending IRPs are bug check 0xCE
 * (DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS); anything else
 * left is 0xC4 with P1 = 0x62 (the driver did not free its allocations).
 * As with verifier.exe's default, the host reports it and fails the run
 * rather than stopping the machine.
 *
 * @module
 */
import {
  type BugCheckError,
  bugCheckName,
  DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS,
  DRIVER_VERIFIER_DETECTED_VIOLATION,
} from "../irp/bugcheck.ts";
import { formatNtStatus, NT_SUCCESS, type NTSTATUS } from "../irp/ntstatus.ts";
import type { LeakEntry } from "./driver_module.ts";

/** What a run ended with. */
export interface UnloadReport {
  /** The driver's service name. */
  name: string;
  /** What DriverEntry returned (null when it never returned, threw, or returned no NTSTATUS). */
  entryStatus: NTSTATUS | null;
  /** Why a DriverEntry that returned has no status: `returned "ok", not an NTSTATUS`. */
  entryProblem?: string;
  /**
   * DriverEntry succeeded without setting DriverUnload. Windows allows it (the
   * driver cannot be unloaded); the report says so, and what the driver still
   * holds is reported as for any unload.
   */
  noUnload?: boolean;
  /** Bug checks raised during the run, in order. */
  bugChecks: BugCheckError[];
  /** What the driver still held after DriverUnload (or after a failed DriverEntry). */
  leaks: LeakEntry[];
  /** IRPs pending longer than the hang threshold, each with its `!irp` dump. */
  hangs: string[];
  /** The `!irp` dumps of IRPs still pending at unload. */
  pendingDumps: string[];
  /** How long the host waited for a DriverUnload that never returned (absent when it did). */
  unloadStuckMs?: number;
  /** The verdict's bug check at unload: 0xCE, 0xC4 (P1 0x62) or null when clean. */
  unloadBugCheck: { code: number; p1: number } | null;
  /** True when DriverEntry succeeded and nothing went wrong. */
  clean: boolean;
  /** The verdict in one line. */
  reason: string;
}

/** The unload bug check as `NAME (0xCODE, P1 0xp1)`, the P1 part only when it is set. */
function unloadBugCheckText({ code, p1 }: { code: number; p1: number }): string {
  return `${bugCheckName(code)} (0x${code.toString(16).toUpperCase()}` +
    `${p1 ? `, P1 0x${p1.toString(16)}` : ""})`;
}

/** The one-line verdict and the unload bug check for a run's findings. */
export function verdict(
  report: Omit<UnloadReport, "clean" | "reason" | "unloadBugCheck">,
): Pick<UnloadReport, "clean" | "reason" | "unloadBugCheck"> {
  const unloadBugCheck = report.pendingDumps.length > 0
    ? { code: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS, p1: 0 }
    : report.leaks.length > 0
    ? { code: DRIVER_VERIFIER_DETECTED_VIOLATION, p1: 0x62 }
    : null;
  let reason = "clean: DriverEntry succeeded, no bug check, nothing leaked";
  if (report.entryStatus === null) {
    reason = `FAILED: DriverEntry ${report.entryProblem ?? "did not return"}`;
  } else if (!NT_SUCCESS(report.entryStatus)) {
    reason = `FAILED: DriverEntry returned ${formatNtStatus(report.entryStatus)}`;
  } else if (report.bugChecks.length > 0) {
    reason = `FAILED: bug check ${report.bugChecks[0]!.message}`;
  } else if (report.unloadStuckMs !== undefined) {
    reason = `FAILED: DriverUnload has not returned after ${report.unloadStuckMs} ms ` +
      `(it waits for something nothing will do)`;
  } else if (unloadBugCheck !== null) {
    reason = `FAILED: ${unloadBugCheckText(unloadBugCheck)} at unload: ` +
      `${report.pendingDumps.length} IRP(s) pending, ${report.leaks.length} object(s) leaked`;
  } else if (report.hangs.length > 0) {
    reason = `FAILED: ${report.hangs.length} IRP(s) hung past the verifier's threshold`;
  }
  return { clean: reason.startsWith("clean"), reason, unloadBugCheck };
}

/** A site's path relative to the working directory, as a user typed the driver's path. */
export function relativeSite(site: string): string {
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return site;
  }
  return site.replaceAll(`${cwd}/`, "");
}

const KINDS: readonly [LeakEntry["kind"], string][] = [
  ["irp", "IRPs still allocated"],
  ["mdl", "MDLs still allocated"],
  ["pool", "Pool blocks still allocated"],
  ["socket", "Sockets not closed"],
  ["npi", "Provider NPIs not released"],
  ["addrinfo", "Address-info lists not freed"],
  ["thread", "System threads still running"],
  ["other", "Other objects"],
];

/**
 * The report as text, as the host prints it after DriverUnload.
 *
 * @example Usage
 * ```ts
 * import { formatUnloadReport } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * const text = formatUnloadReport({
 *   name: "demo", entryStatus: 0, bugChecks: [], hangs: [], pendingDumps: [],
 *   leaks: [{ kind: "pool", description: "pool block 'Demo' 16 bytes", site: "/d/demo.ts:9:3" }],
 *   unloadBugCheck: { code: 0xC4, p1: 0x62 }, clean: false, reason: "FAILED: leaks",
 * });
 * assert.match(text, /Pool blocks still allocated: 1/);
 * assert.match(text, /allocated at \/d\/demo.ts:9:3/);
 * ```
 */
export function formatUnloadReport(report: UnloadReport): string {
  const lines = [`*** Unload report for ${report.name}`];
  lines.push(
    `DriverEntry: ${report.entryStatus === null ? "(none)" : formatNtStatus(report.entryStatus)}`,
  );
  lines.push(`Bug checks: ${report.bugChecks.length}`);
  for (const [kind, title] of KINDS) {
    const entries = report.leaks.filter((leak) => leak.kind === kind);
    if (entries.length === 0 && kind === "other") continue;
    lines.push(`${title}: ${entries.length}`);
    for (const leak of entries) {
      const site = leak.site ? `\n      allocated at ${relativeSite(leak.site)}` : "";
      lines.push(`  ${leak.description}${site}`);
    }
  }
  if (report.noUnload) {
    lines.push("DriverUnload: none set (Windows could not unload this driver); nothing ran");
  }
  if (report.unloadStuckMs !== undefined) {
    lines.push(
      `DriverUnload: still waiting after ${report.unloadStuckMs} ms; the report is taken now`,
    );
  }
  if (report.pendingDumps.length > 0) {
    lines.push(`Pending IRPs at unload: ${report.pendingDumps.length}`);
    for (const dump of report.pendingDumps) lines.push(dump.replace(/^/gm, "  "));
  }
  if (report.hangs.length > 0) {
    lines.push(`Hung IRPs: ${report.hangs.length}`);
    for (const dump of report.hangs) lines.push(dump.replace(/^/gm, "  "));
  }
  if (report.unloadBugCheck) {
    lines.push(
      `Driver Verifier: ${unloadBugCheckText(report.unloadBugCheck)}` +
        (report.unloadBugCheck.code === DRIVER_VERIFIER_DETECTED_VIOLATION
          ? ": the driver unloaded without freeing what it allocated"
          : ": the driver unloaded with IRPs still pending; their completion would run " +
            "code that is gone"),
    );
  }
  lines.push(report.reason);
  return lines.join("\n");
}
