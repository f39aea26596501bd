// Copyright 2026 the wskemu authors. MIT license.
/**
 * How a failed getaddrinfo/getnameinfo (node:dns `lookup`/`lookupService`)
 * becomes an NTSTATUS. A name that cannot be resolved, for whatever reason
 * the resolver gives, is STATUS_NOT_FOUND: what Windows 8 and later complete
 * WskGetAddressInfo with (Windows 7 and the docs: STATUS_NO_MATCH).
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_NOT_FOUND,
  STATUS_NOT_SUPPORTED,
} from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";

const BY_CODE: ReadonlyMap<string, NTSTATUS> = new Map([
  ["ENOTFOUND", STATUS_NOT_FOUND], // EAI_NONAME, as node names it
  ["EAI_NONAME", STATUS_NOT_FOUND],
  ["EAI_NODATA", STATUS_NOT_FOUND],
  ["ENODATA", STATUS_NOT_FOUND],
  // "Try again" (no reachable name server) and "non-recoverable failure" also
  // leave the name unresolved; Wine's WSK maps only HOST_NOT_FOUND, but a
  // client cannot act differently on these, so one status serves.
  ["EAI_AGAIN", STATUS_NOT_FOUND],
  ["EAI_FAIL", STATUS_NOT_FOUND],
  ["ESERVFAIL", STATUS_NOT_FOUND],
  ["ETIMEOUT", STATUS_NOT_FOUND],
  ["EAI_SERVICE", STATUS_NOT_FOUND],
  ["EAI_FAMILY", STATUS_NOT_SUPPORTED],
  ["EAI_MEMORY", STATUS_INSUFFICIENT_RESOURCES],
]);

/**
 * The NTSTATUS for a name-resolution failure. A denied permission (Deno
 * reports it as `EPERM`, or throws `NotCapable`) is STATUS_ACCESS_DENIED.
 */
export function statusFromLookupError(error: unknown): NTSTATUS {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    const status = BY_CODE.get(code);
    if (status !== undefined) return status;
  }
  return statusFromError(error);
}
