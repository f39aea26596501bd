// Copyright 2026 the wskemu authors. MIT license.
// Internal: a JavaScript exception that nobody caught, as the bug check it
// stands for. Queued work and system threads turn such exceptions into
// KMODE_EXCEPTION_NOT_HANDLED with the same text; the WSK entry points share
// errorText but report a bad pointer (STATUS_ACCESS_VIOLATION, wsk/_guard.ts).
import { BugCheckError, KMODE_EXCEPTION_NOT_HANDLED } from "./bugcheck.ts";

// The code MSVC raises for a thrown C++ exception: the closest kernel-mode
// analogue of a JavaScript exception nobody caught.
const THROWN_EXCEPTION_CODE = 0xE06D7363;

/** `error` for a bug check's message: an Error's name and message, else the value. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * `error`, thrown by `what` (at `address`), as KMODE_EXCEPTION_NOT_HANDLED;
 * a bug check stays as it is.
 */
export function unhandledException(error: unknown, what: string, address = 0): BugCheckError {
  if (error instanceof BugCheckError) return error;
  return new BugCheckError(
    KMODE_EXCEPTION_NOT_HANDLED,
    [THROWN_EXCEPTION_CODE, address, 0, 0],
    `${what} threw an exception nobody handled: ${errorText(error)}`,
    { cause: error },
  );
}
