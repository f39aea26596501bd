// Copyright 2026 the wskemu authors. MIT license.
/**
 * Host errors to NTSTATUS. The transport never throws: whatever `node:net`,
 * Deno or an AbortSignal reports is turned into the status Windows would give
 * for the same situation (the mapping Wine's AFD and WSK emulations agree on,
 * except EADDRINUSE: STATUS_ADDRESS_ALREADY_ASSOCIATED is what a real Windows
 * WSK returned).
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_ACCESS_DENIED,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_BUFFER_OVERFLOW,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_ACTIVE,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_DEVICE_BUSY,
  STATUS_DEVICE_NOT_READY,
  STATUS_HOST_UNREACHABLE,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_ADDRESS_COMPONENT,
  STATUS_INVALID_CONNECTION,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_IO_TIMEOUT,
  STATUS_NETWORK_BUSY,
  STATUS_NETWORK_UNREACHABLE,
  STATUS_NO_MEMORY,
  STATUS_NOT_FOUND,
  STATUS_NOT_SUPPORTED,
  STATUS_PIPE_DISCONNECTED,
  STATUS_UNSUCCESSFUL,
} from "../irp/ntstatus.ts";

/**
 * By `err.code`: errno names (node:net system errors, and Deno's io errors,
 * which carry the same names since 2.x), resolver codes, and the few Node
 * stream codes the transport can meet. Codes are more robust than classes:
 * EHOSTUNREACH, for one, has no Deno class at all.
 */
const BY_CODE: Readonly<Record<string, NTSTATUS>> = {
  ECONNREFUSED: STATUS_CONNECTION_REFUSED,
  ECONNRESET: STATUS_CONNECTION_RESET,
  // Linux reports a write to a reset connection as EPIPE; Windows says reset.
  EPIPE: STATUS_CONNECTION_RESET,
  ECONNABORTED: STATUS_CONNECTION_ABORTED,
  ETIMEDOUT: STATUS_IO_TIMEOUT,
  ENETUNREACH: STATUS_NETWORK_UNREACHABLE,
  EHOSTUNREACH: STATUS_HOST_UNREACHABLE,
  EHOSTDOWN: STATUS_HOST_UNREACHABLE,
  EADDRINUSE: STATUS_ADDRESS_ALREADY_ASSOCIATED,
  // Round-trips to WSAEADDRNOTAVAIL, unlike Wine's STATUS_INVALID_PARAMETER.
  EADDRNOTAVAIL: STATUS_INVALID_ADDRESS_COMPONENT,
  ENOTCONN: STATUS_INVALID_CONNECTION,
  EISCONN: STATUS_CONNECTION_ACTIVE,
  ESHUTDOWN: STATUS_PIPE_DISCONNECTED,
  EACCES: STATUS_ACCESS_DENIED,
  EPERM: STATUS_ACCESS_DENIED,
  EINVAL: STATUS_INVALID_PARAMETER,
  EMSGSIZE: STATUS_BUFFER_OVERFLOW,
  EAFNOSUPPORT: STATUS_NOT_SUPPORTED,
  EPROTONOSUPPORT: STATUS_NOT_SUPPORTED,
  EOPNOTSUPP: STATUS_NOT_SUPPORTED,
  ENOTSUP: STATUS_NOT_SUPPORTED,
  EMFILE: STATUS_INSUFFICIENT_RESOURCES,
  ENFILE: STATUS_INSUFFICIENT_RESOURCES,
  ENOBUFS: STATUS_INSUFFICIENT_RESOURCES,
  ENOMEM: STATUS_NO_MEMORY,
  ENETDOWN: STATUS_NETWORK_BUSY,
  EAGAIN: STATUS_DEVICE_NOT_READY,
  EWOULDBLOCK: STATUS_DEVICE_NOT_READY,
  EBUSY: STATUS_DEVICE_BUSY,
  // An operation cut short because its resource was closed under it.
  ECANCELED: STATUS_CANCELLED,
  EINTR: STATUS_CANCELLED,
  EBADF: STATUS_CANCELLED,
  ENOTFOUND: STATUS_NOT_FOUND,
  EAI_NONAME: STATUS_NOT_FOUND,
  EAI_NODATA: STATUS_NOT_FOUND,
  ABORT_ERR: STATUS_CANCELLED,
  ERR_STREAM_DESTROYED: STATUS_CANCELLED,
  ERR_SOCKET_CLOSED: STATUS_CANCELLED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: STATUS_CANCELLED,
  ERR_STREAM_WRITE_AFTER_END: STATUS_INVALID_DEVICE_STATE,
  ERR_STREAM_PREMATURE_CLOSE: STATUS_CONNECTION_ABORTED,
  ERR_SOCKET_CONNECTION_TIMEOUT: STATUS_IO_TIMEOUT,
};

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * By Deno error class, for errors without a known `code`: Deno-level
 * conditions (permissions, closed resources) have no errno behind them.
 */
const BY_CLASS: ReadonlyArray<readonly [ErrorClass, NTSTATUS]> = [
  // A missing --allow-net is NotCapable since Deno 2; PermissionDenied is the OS saying no.
  [Deno.errors.NotCapable, STATUS_ACCESS_DENIED],
  [Deno.errors.PermissionDenied, STATUS_ACCESS_DENIED],
  [Deno.errors.ConnectionRefused, STATUS_CONNECTION_REFUSED],
  [Deno.errors.ConnectionReset, STATUS_CONNECTION_RESET],
  [Deno.errors.BrokenPipe, STATUS_CONNECTION_RESET],
  [Deno.errors.ConnectionAborted, STATUS_CONNECTION_ABORTED],
  [Deno.errors.NotConnected, STATUS_INVALID_CONNECTION],
  [Deno.errors.AddrInUse, STATUS_ADDRESS_ALREADY_ASSOCIATED],
  [Deno.errors.AddrNotAvailable, STATUS_INVALID_ADDRESS_COMPONENT],
  [Deno.errors.TimedOut, STATUS_IO_TIMEOUT],
  [Deno.errors.NetworkUnreachable, STATUS_NETWORK_UNREACHABLE],
  [Deno.errors.Interrupted, STATUS_CANCELLED],
  [Deno.errors.BadResource, STATUS_CANCELLED],
  [Deno.errors.Busy, STATUS_DEVICE_BUSY],
  [Deno.errors.WouldBlock, STATUS_DEVICE_NOT_READY],
  [Deno.errors.NotSupported, STATUS_NOT_SUPPORTED],
  [Deno.errors.NotFound, STATUS_NOT_FOUND],
];

/**
 * The NTSTATUS for an error thrown or emitted by the host: a `node:net`
 * system error, a `Deno.errors.*` instance, an AbortSignal's reason, or
 * anything else. Never throws.
 *
 * Order of evaluation: a DOMException-style `name` of `AbortError`
 * (STATUS_CANCELLED) or `TimeoutError` (STATUS_IO_TIMEOUT); then a known
 * `code` (`ECONNREFUSED` → STATUS_CONNECTION_REFUSED, `EADDRINUSE` →
 * STATUS_ADDRESS_ALREADY_ASSOCIATED, …); then the Deno error class
 * (`NotCapable` → STATUS_ACCESS_DENIED, `Interrupted`/`BadResource` →
 * STATUS_CANCELLED, …); then `RangeError`/`TypeError` →
 * STATUS_INVALID_PARAMETER; anything else is STATUS_UNSUCCESSFUL.
 *
 * @param error Whatever was thrown, emitted or used as an abort reason.
 * @returns The mapped NTSTATUS (never STATUS_SUCCESS).
 *
 * @example Map a refused connection and a permission denial
 * ```ts
 * import { statusFromError } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
 * assert.equal(statusFromError(refused), 0xC0000236); // STATUS_CONNECTION_REFUSED
 * assert.equal(statusFromError(new Deno.errors.NotCapable("no net")), 0xC0000022); // STATUS_ACCESS_DENIED
 * ```
 */
export function statusFromError(error: unknown): NTSTATUS {
  try {
    return classify(error);
  } catch {
    // A getter or proxy trap that throws: nothing useful to read.
    return STATUS_UNSUCCESSFUL;
  }
}

function classify(error: unknown): NTSTATUS {
  if (error === null || typeof error !== "object") return STATUS_UNSUCCESSFUL;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (name === "AbortError") return STATUS_CANCELLED;
  if (name === "TimeoutError") return STATUS_IO_TIMEOUT;
  if (typeof code === "string" && Object.hasOwn(BY_CODE, code)) return BY_CODE[code];
  for (const [errorClass, status] of BY_CLASS) {
    if (error instanceof errorClass) return status;
  }
  if (error instanceof RangeError || error instanceof TypeError) return STATUS_INVALID_PARAMETER;
  return STATUS_UNSUCCESSFUL;
}
