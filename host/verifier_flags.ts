// Copyright 2026 the wskemu authors. MIT license.
/**
 * `--verifier FLAGS`: verifier.exe's option names (or its `/flags` bit
 * values) to DriverVerifier settings. FLAGS is a comma-separated list:
 *
 * | item | verifier.exe | setting |
 * |---|---|---|
 * | `standard` | `/standard` | iochecks, pooltracking, irqlchecking |
 * | `none` | `/reset` | everything off |
 * | `specialpool` | `/flags 0x1` | `specialPool` |
 * | `irqlchecking` | `/flags 0x2` | `irqlChecking` |
 * | `faults[=P]` | `/faults` (`/flags 0x4`) | `lowResourcesProbability` (default 0.06) |
 * | `faults.tags=A+B` | `/faults … PoolTags` | `lowResourcesTags` |
 * | `faults.functions=F+G` | (by DDI) | `lowResourcesFunctions` |
 * | `pooltracking` | `/flags 0x8` | `poolTracking` |
 * | `iochecks` | `/flags 0x10` | always on |
 * | `deadlock[=MS]` | `/flags 0x20` | `hangThresholdMs` (default 10000) |
 * | `forcepending[=MS]` | `/flags 0x200` | `completionDelayMs` (default 10) |
 *
 * A hex number (`0x20B`) sets the options of its bits with their defaults.
 *
 * @module
 */
import { type DriverVerifierSettings, VERIFIER_OFF } from "../irp/verifier.ts";

export { VERIFIER_OFF } from "../irp/verifier.ts";

/** What the host runs with when no `--verifier` is given: verifier.exe's standard set, minus special pool. */
export const VERIFIER_STANDARD: DriverVerifierSettings = Object.freeze({
  ...VERIFIER_OFF,
  poolTracking: true,
  irqlChecking: true,
});

const BITS: readonly [number, string][] = [
  [0x1, "specialpool"],
  [0x2, "irqlchecking"],
  [0x4, "faults"],
  [0x8, "pooltracking"],
  [0x10, "iochecks"],
  [0x20, "deadlock"],
  [0x200, "forcepending"],
];

/** A flag it cannot read: the message says which and why. */
export class VerifierFlagError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "VerifierFlagError";
  }
}

function number(item: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > max) {
    throw new VerifierFlagError(`--verifier ${item}: ${value} is not a number in 0..${max}`);
  }
  return parsed;
}

function apply(settings: DriverVerifierSettings, item: string): void {
  const [name, value] = item.split("=", 2) as [string, string | undefined];
  switch (name.toLowerCase()) {
    case "none":
      Object.assign(settings, VERIFIER_OFF);
      return;
    case "standard":
      Object.assign(settings, VERIFIER_STANDARD);
      return;
    case "specialpool":
      settings.specialPool = true;
      return;
    case "irqlchecking":
      settings.irqlChecking = true;
      return;
    case "pooltracking":
      settings.poolTracking = true;
      return;
    case "iochecks":
      return;
    case "faults":
      settings.lowResourcesProbability = number(item, value, 0.06, 1);
      return;
    case "faults.tags":
      settings.lowResourcesTags = (value ?? "").split("+").filter(Boolean);
      settings.lowResourcesProbability ||= 0.06;
      return;
    case "faults.functions":
      settings.lowResourcesFunctions = (value ?? "").split("+").filter(Boolean);
      settings.lowResourcesProbability ||= 0.06;
      return;
    case "deadlock":
      settings.hangThresholdMs = number(item, value, 10_000, 86_400_000);
      return;
    case "forcepending":
      settings.completionDelayMs = number(item, value, 10, 60_000);
      return;
  }
  if (/^0x[0-9a-f]+$/i.test(name)) {
    const bits = parseInt(name, 16);
    for (const [bit, option] of BITS) if (bits & bit) apply(settings, option);
    return;
  }
  throw new VerifierFlagError(
    `--verifier: unknown option "${name}" (known: standard, none, ` +
      `${BITS.map(([, n]) => n).join(", ")}, faults.tags, faults.functions, or 0xFLAGS)`,
  );
}

/**
 * The settings `--verifier FLAGS` asks for, starting from everything off.
 * Throws a VerifierFlagError naming the item it cannot read.
 *
 * @example Usage
 * ```ts
 * import { parseVerifierFlags } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * const settings = parseVerifierFlags("pooltracking,faults=0.5,faults.functions=IoAllocateIrp");
 * assert.equal(settings.poolTracking, true);
 * assert.equal(settings.lowResourcesProbability, 0.5);
 * assert.deepEqual(settings.lowResourcesFunctions, ["IoAllocateIrp"]);
 * assert.equal(parseVerifierFlags("0x9").specialPool, true);
 * ```
 */
export function parseVerifierFlags(flags: string): DriverVerifierSettings {
  const settings = { ...VERIFIER_OFF };
  for (const item of flags.split(",").map((s) => s.trim()).filter(Boolean)) apply(settings, item);
  return settings;
}
