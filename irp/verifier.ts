// Copyright 2026 the wskemu authors. MIT license.
/**
 * Driver Verifier settings. The checks that always hold on Windows (double
 * completion, freeing an IRP in flight, ...) are always on; what lives here is
 * the optional fault injection a developer turns on to shake out error paths.
 *
 * @module
 */

/** The Driver Verifier options this emulator supports. */
export interface DriverVerifierSettings {
  /**
   * Low Resources Simulation: the probability (0..1) that an allocation fails.
   * IoAllocateIrp, IoAllocateMdl, IoBuild*Request, ExAllocatePool2,
   * ExAllocatePoolWithTag, MmGetSystemAddressForMdlSafe and IoCreateDevice then
   * fail as they do when memory runs out (NULL or STATUS_INSUFFICIENT_RESOURCES).
   * 0 (the default) never fails; 1 always fails. Windows' own default when the
   * option is on is 0.06.
   */
  lowResourcesProbability: number;
}

/**
 * The live Driver Verifier settings. Change a field to turn an option on; put
 * it back when done, since the settings are global.
 *
 * @example Usage
 * ```ts
 * import { DriverVerifier, IoAllocateIrp } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * DriverVerifier.lowResourcesProbability = 1;
 * try {
 *   assert.equal(IoAllocateIrp(1, false), null);
 * } finally {
 *   DriverVerifier.lowResourcesProbability = 0;
 * }
 * ```
 */
export const DriverVerifier: DriverVerifierSettings = {
  lowResourcesProbability: 0,
};

/**
 * Rolls the Low Resources Simulation dice: true when this allocation should
 * fail. Every allocator in this library calls it; a WSK provider may call it
 * for its own allocations too.
 *
 * @example Usage
 * ```ts
 * import { DriverVerifier, simulateLowResources } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(simulateLowResources(), false);
 * DriverVerifier.lowResourcesProbability = 1;
 * assert.equal(simulateLowResources(), true);
 * DriverVerifier.lowResourcesProbability = 0;
 * ```
 */
export function simulateLowResources(): boolean {
  const p = DriverVerifier.lowResourcesProbability;
  return p > 0 && Math.random() < p;
}
