// Copyright 2026 the wskemu authors. MIT license.
// Internal: the JavaScript-Promise Integration API (V8 15, Deno 2.9.6, no flag
// needed), which the TypeScript DOM typings do not declare yet.

declare global {
  namespace WebAssembly {
    /** Wraps an async import so a wasm caller suspends until its promise settles. */
    class Suspending {
      constructor(fn: (...args: never[]) => unknown);
    }
    /** Wraps a wasm export so it may suspend; it then returns a promise. */
    function promising<T extends (...args: never[]) => unknown>(
      fn: T,
    ): (...args: Parameters<T>) => Promise<Awaited<ReturnType<T>>>;
  }
}

export {};
