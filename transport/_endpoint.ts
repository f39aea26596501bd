// Copyright 2026 the wskemu authors. MIT license.
/**
 * Endpoints: building them, checking them before they reach `node:net`, and
 * naming them the way Deno's permission checker does.
 *
 * @module
 */
import { isIP, isIPv6 } from "node:net";
import { type NTSTATUS, STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { Endpoint } from "./types.ts";

/**
 * An {@linkcode Endpoint} for an IP literal and a port, with the family taken
 * from the address (6 for any IPv6 literal, including v4-mapped ones such as
 * `::ffff:127.0.0.1`, else 4). No validation: the transport checks endpoints
 * when they are used.
 *
 * @param hostname An IPv4 or IPv6 literal, without brackets.
 * @param port The port in host byte order; 0 lets the system pick when binding.
 * @returns The endpoint.
 *
 * @example Build IPv4 and IPv6 endpoints
 * ```ts
 * import { endpoint } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(endpoint("127.0.0.1", 80), { hostname: "127.0.0.1", port: 80, family: 4 });
 * assert.equal(endpoint("::1", 0).family, 6);
 * assert.equal(endpoint("::ffff:127.0.0.1", 0).family, 6);
 * ```
 */
export function endpoint(hostname: string, port: number): Endpoint {
  return { hostname, port, family: isIPv6(hostname) ? 6 : 4 };
}

/**
 * STATUS_SUCCESS when `value` is a usable endpoint: an IP literal (never a
 * name, so `node:net` never starts a DNS lookup), a family that matches it,
 * and an integer port in 0–65535. Else STATUS_INVALID_PARAMETER.
 */
export function checkEndpoint(value: Endpoint): NTSTATUS {
  if (value === null || typeof value !== "object") return STATUS_INVALID_PARAMETER;
  const { hostname, port, family } = value;
  if (typeof hostname !== "string" || isIP(hostname) !== family) return STATUS_INVALID_PARAMETER;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return STATUS_INVALID_PARAMETER;
  return STATUS_SUCCESS;
}

/** The endpoint `node:net` reports for a socket, or `fallback` when the socket has none. */
export function endpointOr(
  hostname: string | undefined,
  port: number | undefined,
  fallback: Endpoint,
): Endpoint {
  return hostname === undefined || port === undefined ? fallback : endpoint(hostname, port);
}

/** `host:port` as Deno's `--allow-net` names it: IPv6 in brackets. */
export function permissionHost(value: Endpoint): string {
  return value.family === 6
    ? `[${value.hostname}]:${value.port}`
    : `${value.hostname}:${value.port}`;
}
