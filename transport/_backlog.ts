// Copyright 2026 the wskemu authors. MIT license.
/**
 * The kernel's listen queue length. A short queue resets clients in a burst
 * (gVisor's netstack resets on overflow rather than dropping the SYN), and
 * Linux clamps any larger request to `net.core.somaxconn` anyway, so every
 * listener asks for the system's maximum.
 *
 * @module
 */

/** Where Linux publishes the maximum listen backlog. */
export const SOMAXCONN_PATH = "/proc/sys/net/core/somaxconn";

/** Used when the maximum cannot be read (no read permission, not Linux). */
export const DEFAULT_SYSTEM_BACKLOG = 4096;

let cached: number | null = null;

/**
 * The system's maximum listen backlog: `somaxconn` when it may be read
 * without a permission prompt, else {@linkcode DEFAULT_SYSTEM_BACKLOG}.
 * Read once per process.
 */
export function systemBacklog(path: string = SOMAXCONN_PATH): number {
  if (path === SOMAXCONN_PATH && cached !== null) return cached;
  const value = readBacklog(path) ?? DEFAULT_SYSTEM_BACKLOG;
  if (path === SOMAXCONN_PATH) cached = value;
  return value;
}

function readBacklog(path: string): number | null {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return null;
    const value = Number.parseInt(Deno.readTextFileSync(path).trim(), 10);
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    // Not Linux, or /proc not mounted: the default will do.
    return null;
  }
}
