// Copyright 2026 the wskemu authors. MIT license.
// Internal: the seeded generator behind every random choice of the fault
// transport, so that a failing run replays exactly from its seed.

/** xorshift32 over a seed scrambled once, so that seeds 1, 2, 3… start far apart. */
export class Random {
  #state: number;

  constructor(seed: number) {
    let x = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    // xorshift never leaves 0.
    this.#state = (x ^ (x >>> 16)) >>> 0 || 0x6d2b79f5;
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state / 0x1_0000_0000;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
}
