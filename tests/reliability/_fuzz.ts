// Copyright 2026 the wskemu authors. MIT license.
// Helpers for the reliability tests: a small seeded PRNG, a ledger that counts
// how often each IRP completed, and a deadline for promises that must settle.
import {
  IoAllocateIrp,
  IoSetCompletionRoutine,
  type IRP,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
} from "../../mod.ts";

/** A seeded PRNG (xorshift32): the same seed gives the same run. */
export class Prng {
  #x: number;

  constructor(seed: number) {
    this.#x = (seed * 0x9E3779B1) >>> 0 || 1;
  }

  /** A 32-bit unsigned integer. */
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return this.#x = x >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** An IRP's status and information when it completed. */
export interface IrpStatus {
  /** Irp.IoStatus.Status. */
  Status: NTSTATUS;
  /** Irp.IoStatus.Information. */
  Information: unknown;
}

/** Counts how often each IRP's completion routine ran. */
export class IrpLedger {
  /** Completions per IRP handed out. */
  readonly completions: Map<IRP, number> = new Map();
  readonly #waiters = new Map<IRP, (first: IrpStatus) => void>();

  /** `onComplete` sees every completed IRP (to collect the sockets they return). */
  constructor(readonly onComplete: (Irp: IRP) => void = () => {}) {}

  /** A fresh IRP whose completions are counted (with no stack location, it has no routine to count them). */
  irp(StackSize = 1): IRP {
    const Irp = IoAllocateIrp(StackSize, false)!;
    this.completions.set(Irp, 0);
    if (StackSize > 0) this.arm(Irp);
    return Irp;
  }

  /** Sets the counting completion routine (again, for an IRP used a second time). */
  arm(Irp: IRP): void {
    IoSetCompletionRoutine(
      Irp,
      (_DeviceObject, Done) => {
        this.completions.set(Done, (this.completions.get(Done) ?? 0) + 1);
        this.onComplete(Done);
        this.#waiters.get(Done)?.({
          Status: Done.IoStatus.Status,
          Information: Done.IoStatus.Information,
        });
        this.#waiters.delete(Done);
        return STATUS_MORE_PROCESSING_REQUIRED;
      },
      null,
      true,
      true,
      true,
    );
  }

  /**
   * Resolves with `Irp`'s status and information at its first completion
   * counted from now (at once, with its current ones, if it has completed).
   */
  completed(Irp: IRP): Promise<IrpStatus> {
    if (this.completions.get(Irp)) {
      return Promise.resolve({
        Status: Irp.IoStatus.Status,
        Information: Irp.IoStatus.Information,
      });
    }
    const { promise, resolve } = Promise.withResolvers<IrpStatus>();
    this.#waiters.set(Irp, resolve);
    return promise;
  }

  /** True when `Irp` is still with the provider: taken and not completed. */
  static pending(Irp: IRP): boolean {
    return Irp.CurrentLocation <= Irp.StackCount;
  }
}

/** Resolves with what `promise` resolves, or rejects if it has not settled after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
