// Copyright 2026 the wskemu authors. MIT license.
// Internal: the last line of defence of every WSK entry point. A C driver that
// passes a garbage pointer (a string where a box belongs, a number for a
// structure) crashes Windows with an access violation in the provider; here
// the TypeError that such input causes becomes that bug check, never an
// exception of another kind escaping a WSK call. Outputs the provider writes
// after the call returned (an accepted socket's addresses, a datagram's
// sender, a lookup's result) are guarded the same way, from the completion
// queue, where nobody called.
import { BugCheckError, KMODE_EXCEPTION_NOT_HANDLED } from "../irp/bugcheck.ts";
import { queueDpc } from "../irp/completion.ts";
import { STATUS_ACCESS_VIOLATION } from "../irp/ntstatus.ts";
import { hooks } from "../irp/_hooks.ts";
import { errorText } from "../irp/_unhandled.ts";
import { enterDriverCall, leaveDriverCall } from "../irp/completion_queue.ts";

const guarded = new WeakSet<object>();

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => any;

/**
 * `error` as the bug check it stands for: a bug check as it is, anything else
 * KMODE_EXCEPTION_NOT_HANDLED, naming `what` the provider could not use.
 */
function asBugCheck(what: string, error: unknown): BugCheckError {
  if (error instanceof BugCheckError) return error;
  return new BugCheckError(
    KMODE_EXCEPTION_NOT_HANDLED,
    [STATUS_ACCESS_VIOLATION, 0, 0, 0],
    `${what} (a bad pointer in C): ${errorText(error)}`,
    { cause: error },
  );
}

/** Runs `body`; any exception that is not a bug check becomes KMODE_EXCEPTION_NOT_HANDLED. */
export function guardCall<T>(name: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw asBugCheck(`${name} was given an argument it cannot use`, error);
  }
}

/** `fn`, with any exception that is not a bug check turned into KMODE_EXCEPTION_NOT_HANDLED. */
export function guard<F extends AnyFunction>(name: string, fn: F): F {
  if (guarded.has(fn)) return fn;
  const wrapped = function (): ReturnType<F> {
    // `arguments` passed on with apply: no array per call (rest and spread make one).
    let args: ArrayLike<unknown> = arguments;
    if (hooks.call !== null) {
      // The driver host's trace and hang detection see each call; the hook may replace arguments.
      const copy = Array.from(args);
      hooks.call(name, copy);
      args = copy;
    }
    // A driver's call: no completion may run until it returns.
    enterDriverCall();
    try {
      return fn.apply(undefined, args as Parameters<F>);
    } catch (error) {
      // As guardCall does, without a closure per call.
      throw asBugCheck(`${name} was given an argument it cannot use`, error);
    } finally {
      leaveDriverCall();
    }
  } as F;
  Object.defineProperty(wrapped, "name", { value: name });
  guarded.add(wrapped);
  return wrapped;
}

/** A frozen dispatch table whose functions are guarded; nested tables (`Basic`) are kept as they are. */
export function guardTable<T extends object>(table: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(table)) {
    out[name] = typeof value === "function" ? guard(name, value as AnyFunction) : value;
  }
  return Object.freeze(out) as T;
}

/**
 * A write into a caller's output made after the call returned. Garbage there
 * is the same driver bug as garbage at the call, so it is the same bug check
 * (KMODE_EXCEPTION_NOT_HANDLED), raised from the completion queue, where
 * onBugCheck and nextBugCheck see it. Returns false when the write faulted:
 * the caller then still completes its IRP (with STATUS_ACCESS_VIOLATION, the
 * code a kernel routine returns when it catches such a fault) and frees what
 * it holds, so nothing stays pending or orphaned.
 */
export function deferredWrite(name: string, write: () => void): boolean {
  try {
    write();
    return true;
  } catch (error) {
    const bugCheck = asBugCheck(
      `an output of ${name}, written after the call returned, is unusable`,
      error,
    );
    queueDpc(function deferredWriteFaulted() {
      throw bugCheck;
    });
    return false;
  }
}
