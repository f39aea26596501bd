// Copyright 2026 the wskemu authors. MIT license.
// Internal: when each piece of a faulted stream or socket may move on, given
// an added latency and a bandwidth cap, and the one timer that waits for it.

/** Due times for one direction: in order, `latencyMs` late, no faster than `bytesPerSecond`. */
export class Pacer {
  #last = 0;

  constructor(readonly latencyMs: number, readonly bytesPerSecond: number) {}

  /** True when pieces never wait. */
  get immediate(): boolean {
    return this.latencyMs <= 0 && this.bytesPerSecond <= 0;
  }

  /** When `bytes` bytes that arrive now may move on. */
  due(bytes: number): number {
    const now = performance.now();
    let at = Math.max(now + this.latencyMs, this.#last);
    if (this.bytesPerSecond > 0) at += (bytes * 1000) / this.bytesPerSecond;
    this.#last = at;
    return at;
  }
}

/** One pending timer, re-armed for the earliest time asked; cleared on close. */
export class Alarm {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #at = Infinity;

  constructor(readonly ring: () => void) {}

  /** Ring at `at` (a `performance.now()` time), or earlier if already armed for earlier. */
  set(at: number): void {
    if (this.#timer !== null && this.#at <= at) return;
    this.clear();
    this.#at = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#at = Infinity;
      this.ring();
    }, Math.max(0, at - performance.now()));
  }

  /** Forget the pending timer, if any. */
  clear(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#at = Infinity;
  }
}
