// Copyright 2026 the wskemu authors. MIT license.
// Internal: the dispatch tables' last line of defence. A C driver that passes a
// garbage pointer (a string where a box belongs, a number for a structure)
// crashes Windows with an access violation in the provider; here the
// TypeError that such input causes becomes that bug check, never an exception
// of another kind escaping a WSK call.
import { BugCheckError, KMODE_EXCEPTION_NOT_HANDLED } from "../irp/bugcheck.ts";
import { hooks } from "../irp/_hooks.ts";
import { enterDriverCall, leaveDriverCall } from "../irp/completion_queue.ts";

/** STATUS_ACCESS_VIOLATION: the exception code of a bad pointer dereference. */
const ACCESS_VIOLATION = 0xC0000005;

const guarded = new WeakSet<object>();

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => any;

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
      if (error instanceof BugCheckError) throw error;
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new BugCheckError(
        KMODE_EXCEPTION_NOT_HANDLED,
        [ACCESS_VIOLATION, 0, 0, 0],
        `${name} was given an argument it cannot use (a bad pointer in C): ${text}`,
        { cause: error },
      );
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
