// Copyright 2026 the wskemu authors. MIT license.
// The sizes of the scale and flood tests: reduced under `deno task test`, full
// under `deno task soak` (which sets WSKEMU_SOAK=1).

/** True under `deno task soak`. */
export const SOAK: boolean = Deno.env.get("WSKEMU_SOAK") === "1";

/** `full` under `deno task soak`, `reduced` otherwise. */
export function size(full: number, reduced: number): number {
  return SOAK ? full : reduced;
}

/** A byte count for messages: "64 MiB", "1 GiB", "512 KiB". */
export function bytes(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20) return `${+(n / (1 << 20)).toFixed(1)} MiB`;
  return `${+(n / 1024).toFixed(1)} KiB`;
}
