// Copyright 2026 the wskemu authors. MIT license.
/**
 * Ports of UDP sockets closed a moment ago. Under Deno, node:dgram's close
 * releases the OS socket only once the event loop has turned (the pending
 * receive still holds it), so binding the same port right after `close` would
 * fail as in use, where Windows would succeed. A bind that meets a port in this
 * list retries after the loop has turned.
 *
 * @module
 */

/** How long after a close a conflict on its port is blamed on the close, in ms. */
const GRACE_MS = 1000;

/** Tries a bind makes on a just-closed port before it reports it in use. */
export const RELEASE_RETRIES = 5;

const closedAt = new Map<number, number>();

/** Note that a socket bound to `port` was just closed. */
export function noteClosed(port: number): void {
  closedAt.set(port, performance.now());
}

/** True if a socket on `port` was closed within the grace period. */
export function justClosed(port: number): boolean {
  const at = closedAt.get(port);
  if (at === undefined) return false;
  if (performance.now() - at <= GRACE_MS) return true;
  closedAt.delete(port);
  return false;
}

/** Resolves after the event loop has turned once (pending ops were polled). */
export function loopTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
