// Copyright 2026 the wskemu authors. MIT license.
// Internal: transport calls as promises that never reject. The transport
// contract says failures resolve an NTSTATUS, but a transport that breaks it
// (a bug, a user's own transport, a fault injector) must not leave an IRP
// pending forever or stall the socket's queue: a throw or a rejection becomes
// the status the error maps to, like any other failure.
import type { NTSTATUS } from "../irp/ntstatus.ts";
import { statusFromError } from "../transport/errors.ts";
import type { Result } from "../transport/types.ts";

/** The status `call` resolves, or the mapped status of what it threw or rejected with. */
export function settledStatus(call: () => Promise<NTSTATUS>): Promise<NTSTATUS> {
  try {
    return Promise.resolve(call()).then(undefined, statusFromError);
  } catch (error) {
    return Promise.resolve(statusFromError(error));
  }
}

/** The result `call` resolves, or a failed result with the mapped status of its error. */
export function settledResult<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
  const failed = (error: unknown): Result<T> => ({ status: statusFromError(error), value: null });
  try {
    return Promise.resolve(call()).then(undefined, failed);
  } catch (error) {
    return Promise.resolve(failed(error));
  }
}
